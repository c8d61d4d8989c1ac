import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeStatus, successStatus } from './status.js';
import {
  Channel,
  channelProtocolTraits,
  COMMAND_WEBSOCKET_PROTOCOLS,
  decodeChannelMessage,
  encodeChannelMessage,
  errorChannelPayload,
} from './websocket-channel-protocols.js';

test('every channel protocol version of Kubernetes is offered, newest first', () => {
  assert.deepEqual(COMMAND_WEBSOCKET_PROTOCOLS, [
    'v5.channel.k8s.io',
    'v4.channel.k8s.io',
    'v4.base64.channel.k8s.io',
    'v3.channel.k8s.io',
    'v2.channel.k8s.io',
    'channel.k8s.io',
    'base64.channel.k8s.io',
    '',
  ]);
});

test('traits: base64 variants, the JSON Status from v4, the close signal from v5', () => {
  assert.deepEqual(channelProtocolTraits('v5.channel.k8s.io'), { base64: false, statusJson: true, closeSignal: true });
  assert.deepEqual(channelProtocolTraits('v4.channel.k8s.io'), { base64: false, statusJson: true, closeSignal: false });
  assert.deepEqual(channelProtocolTraits('v4.base64.channel.k8s.io'), { base64: true, statusJson: true, closeSignal: false });
  for (const p of ['v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io', '']) {
    assert.deepEqual(channelProtocolTraits(p), { base64: false, statusJson: false, closeSignal: false }, p);
  }
  assert.deepEqual(channelProtocolTraits('base64.channel.k8s.io'), { base64: true, statusJson: false, closeSignal: false });
});

test('binary messages start with the channel byte', () => {
  for (const p of ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io', '']) {
    const traits = channelProtocolTraits(p);
    assert.deepEqual(encodeChannelMessage(traits, Channel.stdout, Buffer.from('hi')), Buffer.from([1, 0x68, 0x69]), p);
    assert.deepEqual(encodeChannelMessage(traits, Channel.stderr, new Uint8Array(0)), Buffer.from([2]), p);
    assert.deepEqual(decodeChannelMessage(traits, Buffer.from([0, 0x61]), true), { channel: 0, payload: Buffer.from('a') }, p);
    assert.equal(decodeChannelMessage(traits, Buffer.alloc(0), true), undefined, p);
  }
});

test('base64 messages are text: the channel digit, then the payload in base64', () => {
  for (const p of ['v4.base64.channel.k8s.io', 'base64.channel.k8s.io']) {
    const traits = channelProtocolTraits(p);
    assert.equal(encodeChannelMessage(traits, Channel.stdout, Buffer.from('hello')), '1aGVsbG8=', p);
    assert.equal(encodeChannelMessage(traits, Channel.stdout, new Uint8Array(0)), '1', p);
    assert.deepEqual(decodeChannelMessage(traits, Buffer.from('0aGVsbG8='), false), { channel: 0, payload: Buffer.from('hello') }, p);
    assert.deepEqual(decodeChannelMessage(traits, Buffer.from('4eyJXaWR0aCI6MSwiSGVpZ2h0IjoyfQ=='), false), { channel: 4, payload: Buffer.from('{"Width":1,"Height":2}') }, p);
    assert.equal(decodeChannelMessage(traits, Buffer.from('x'), false), undefined, p);
  }
});

test('error channel: v1–v3 carry only a failure message, v4+ a JSON Status always', () => {
  const failed = exitCodeStatus(3, ['false']);
  for (const p of ['v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io', '']) {
    const traits = channelProtocolTraits(p);
    assert.equal(errorChannelPayload(traits, successStatus()), undefined, p);
    assert.equal(errorChannelPayload(traits, failed)?.toString(), failed.message, p);
  }
  for (const p of ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io']) {
    const traits = channelProtocolTraits(p);
    assert.deepEqual(JSON.parse(errorChannelPayload(traits, successStatus())?.toString() ?? ''), { metadata: {}, status: 'Success' }, p);
    assert.equal((JSON.parse(errorChannelPayload(traits, failed)?.toString() ?? '') as { reason: string }).reason, 'NonZeroExitCode', p);
  }
});
