// The proxy mode choice: nftables when it works, else iptables, else userspace; the process
// runtime always gets userspace; an explicit mode wins and a wrong one is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseProxyMode } from './mode.js';

const works = (): Promise<undefined> => Promise.resolve(undefined);
const broken = (why: string) => (): Promise<string> => Promise.resolve(why);

test('containerd pods get nftables when it works, then iptables, then userspace', async () => {
  assert.deepEqual(await chooseProxyMode({ podsHaveOwnAddresses: true, nftUnusable: works, iptablesUnusable: () => undefined }), { mode: 'nftables', reason: 'nft works' });
  assert.deepEqual(await chooseProxyMode({ podsHaveOwnAddresses: true, nftUnusable: broken('spawn nft ENOENT'), iptablesUnusable: () => undefined }), {
    mode: 'iptables',
    reason: 'nftables unusable (spawn nft ENOENT)',
  });
  const none = await chooseProxyMode({ podsHaveOwnAddresses: true, nftUnusable: broken('no nft'), iptablesUnusable: () => 'Permission denied' });
  assert.equal(none.mode, 'userspace');
  assert.match(none.reason, /no nft.*Permission denied/);
});

test('the process runtime always gets the userspace relay, whatever is asked', async () => {
  const choice = await chooseProxyMode({ podsHaveOwnAddresses: false, requested: 'nftables', nftUnusable: works });
  assert.equal(choice.mode, 'userspace');
});

test('an explicit mode is used without probing; "auto" probes; a wrong name is refused', async () => {
  const probed = (): Promise<string> => Promise.reject(new Error('must not probe'));
  assert.deepEqual(await chooseProxyMode({ podsHaveOwnAddresses: true, requested: 'IPTables', nftUnusable: probed }), { mode: 'iptables', reason: 'requested' });
  assert.equal((await chooseProxyMode({ podsHaveOwnAddresses: true, requested: 'auto', nftUnusable: works })).mode, 'nftables');
  await assert.rejects(chooseProxyMode({ podsHaveOwnAddresses: true, requested: 'ipvs', nftUnusable: works }), /unknown proxy mode "ipvs"/);
});
