import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSubprotocol } from './websocket-upgrade.js';

test('the client order decides among the supported protocols', () => {
  const supported = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io', ''];
  assert.equal(chooseSubprotocol(['channel.k8s.io', 'v5.channel.k8s.io'], supported), 'channel.k8s.io');
  assert.equal(chooseSubprotocol(['v2.channel.k8s.io', 'v4.channel.k8s.io'], supported), 'v4.channel.k8s.io');
  assert.equal(chooseSubprotocol(['nope'], supported), undefined);
});

test('a client offering no protocol is accepted only where the unnamed protocol is', () => {
  assert.equal(chooseSubprotocol([], ['binary.k8s.io', '']), '');
  assert.equal(chooseSubprotocol([], ['SPDY/3.1+portforward.k8s.io']), undefined);
});
