import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostNetworkHostsFile, podHostsFile } from './etc-hosts.js';

test("a pod's hosts file names its IP, its FQDN with a subdomain, then its host aliases", () => {
  const text = podHostsFile({
    ip: '10.42.0.7',
    hostname: 'web-0',
    domain: 'web.shop.svc.cluster.local',
    aliases: [
      { ip: '123.45.67.89', hostnames: ['foo', 'bar'] },
      { ip: '10.1.2.3', hostnames: ['baz'] },
    ],
  });
  const lines = text.split('\n');
  assert.equal(lines[0], '# Kubernetes-managed hosts file.');
  assert.ok(lines.includes('127.0.0.1\tlocalhost'));
  assert.ok(lines.includes('10.42.0.7\tweb-0.web.shop.svc.cluster.local\tweb-0'));
  assert.deepEqual(lines.slice(-5), ['', '# Entries added by HostAliases.', '123.45.67.89\tfoo\tbar', '10.1.2.3\tbaz', '']);
});

test('without a subdomain or aliases the pod is named by its hostname alone', () => {
  const text = podHostsFile({ ip: '10.42.0.8', hostname: 'solo', aliases: [] });
  assert.ok(text.endsWith('fe00::2\tip6-allrouters\n10.42.0.8\tsolo\n'));
  assert.ok(!text.includes('HostAliases'));
});

test("a host-network pod gets the node's entries and its aliases", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-hosts-'));
  try {
    const nodeHosts = join(dir, 'hosts');
    writeFileSync(nodeHosts, '127.0.0.1\tlocalhost\n192.0.2.2\tnode-a');
    const text = await hostNetworkHostsFile([{ ip: '123.45.67.89', hostnames: ['foo'] }], nodeHosts);
    assert.equal(text, '# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n192.0.2.2\tnode-a\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
