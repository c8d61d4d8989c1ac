import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeNameFor, cniConflist, containerdPaths, containerdToml, parseCidr, formatIp } from './config.js';
import { findPrerequisites, INSTALL_SCRIPT } from './prerequisites.js';

test('the CNI network list: named bridge, host-local over the pod CIDR with its first address as gateway, portmap', () => {
  const conf: unknown = JSON.parse(cniConflist({ networkName: 'k8ts-n1', bridgeName: 'k8ts-abc', podCIDR: '10.42.3.0/24', ipamDir: '/d/ipam' }));
  assert.deepEqual(conf, {
    cniVersion: '0.4.0',
    name: 'k8ts-n1',
    plugins: [
      {
        type: 'bridge',
        bridge: 'k8ts-abc',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.42.3.0/24', gateway: '10.42.3.1' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/d/ipam' },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
});

test('pod CIDRs: network address from any address inside; bad ones rejected', () => {
  assert.equal(formatIp(parseCidr('10.42.3.77/24').base), '10.42.3.0');
  assert.equal(parseCidr('10.42.0.0/16').prefix, 16);
  assert.throws(() => parseCidr('10.42.0.0'), /not an IPv4 CIDR/);
  assert.throws(() => parseCidr('fd00::/64'), /not an IPv4 CIDR/);
  assert.throws(() => parseCidr('10.0.0.0/31'), /unusable/);
});

test('bridge names fit Linux (≤ 15 characters) and differ per node', () => {
  const a = bridgeNameFor('node-a-with-a-very-long-name.example.com');
  const b = bridgeNameFor('node-b');
  assert.ok(a.length <= 15 && b.length <= 15);
  assert.notEqual(a, b);
  assert.equal(bridgeNameFor('node-b'), b);
});

test('config.toml keeps everything under the node directory and sets what this machine requires', () => {
  const p = containerdPaths('/data/n1/containerd');
  const toml = containerdToml(p, { sandboxImage: 'registry.k8s.io/pause:3.9', runcPath: '/usr/sbin/runc', cniBinDir: '/usr/lib/cni' });
  for (const line of [
    'version = 2',
    'root = "/data/n1/containerd/root"',
    'state = "/data/n1/containerd/state"',
    'address = "/data/n1/containerd/containerd.sock"',
    'address = "/data/n1/containerd/containerd.sock.ttrpc"',
    'path = "/data/n1/containerd/opt"',
    'restrict_oom_score_adj = true',
    'stream_server_address = "127.0.0.1"',
    'snapshotter = "overlayfs"',
    'SystemdCgroup = false',
    'Root = "/data/n1/containerd/runc"',
    'bin_dir = "/usr/lib/cni"',
    'conf_dir = "/data/n1/containerd/cni"',
    'config_path = "/data/n1/containerd/certs.d"',
    'sandbox_image = "registry.k8s.io/pause:3.9"',
  ]) {
    assert.ok(toml.includes(line), `missing: ${line}`);
  }
});

test('missing prerequisites are named together with the install script', () => {
  assert.throws(
    () => findPrerequisites({ cniBinDir: '/nonexistent/cni' }),
    (err: unknown) =>
      err instanceof Error && err.message.includes('CNI plugins bridge, host-local, portmap, loopback in /nonexistent/cni') && err.message.includes(INSTALL_SCRIPT),
  );
  assert.ok(INSTALL_SCRIPT.endsWith('scripts/install-containerd.sh'));
});
