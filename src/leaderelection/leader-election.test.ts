// Leader election between candidates sharing one API server (short durations).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { findResource } from '../api/resources.js';
import { createLogger } from '../log.js';
import { runLeaderElection, type LeaderElectionOptions } from './leader-election.js';
import { startControllerHarness, type ControllerHarness } from '../controllers/testing.js';

const leases = findResource('coordination.k8s.io', 'v1', 'leases') ?? assert.fail('leases');
const quiet = createLogger('test', { level: 'error' });

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Candidate {
  id: string;
  leading: boolean;
  terms: number;
  stop: AbortController;
  done: Promise<void>;
}

function candidate(h: ControllerHarness, id: string, extra: Partial<LeaderElectionOptions> = {}): Candidate {
  const c: Candidate = { id, leading: false, terms: 0, stop: new AbortController(), done: Promise.resolve() };
  const options: LeaderElectionOptions = {
    client: h.client,
    identity: id,
    leaseName: 'test-lease',
    leaseDurationMs: 1_000,
    renewDeadlineMs: 600,
    retryPeriodMs: 100,
    log: quiet,
    ...extra,
  };
  c.done = runLeaderElection(
    options,
    {
      onStartedLeading: async (signal) => {
        c.leading = true;
        c.terms++;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        c.leading = false;
      },
    },
    c.stop.signal,
  );
  return c;
}

test('one of two candidates leads; the Lease names it; stopping it hands over at once', async () => {
  const h = await startControllerHarness();
  try {
    const a = candidate(h, 'a');
    const b = candidate(h, 'b');
    await until('a leader', () => a.leading || b.leading);
    const [leader, other] = a.leading ? [a, b] : [b, a];
    const lease = await h.client.resource<Lease>(leases, 'kube-system').get('test-lease');
    assert.equal(lease.spec?.holderIdentity, leader.id);
    assert.equal(lease.spec?.leaseDurationSeconds, 1);
    assert.equal(lease.spec?.leaseTransitions, 0);
    assert.match(lease.spec?.acquireTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // Renewals keep the same holder while the other waits.
    await until('a renewal', async () => (await h.client.resource<Lease>(leases, 'kube-system').get('test-lease')).spec?.renewTime !== lease.spec?.renewTime);
    assert.equal(other.leading, false);

    leader.stop.abort();
    await leader.done;
    assert.equal(leader.leading, false);
    await until('the other to lead', () => other.leading);
    const after = await h.client.resource<Lease>(leases, 'kube-system').get('test-lease');
    assert.equal(after.spec?.holderIdentity, other.id);
    assert.equal(after.spec?.leaseTransitions, 1);
    other.stop.abort();
    await other.done;
  } finally {
    await h.close();
  }
});

test('a holder that stops renewing without releasing loses the Lease once it expires', async () => {
  const h = await startControllerHarness();
  try {
    const a = candidate(h, 'a', { releaseOnStop: false });
    await until('a to lead', () => a.leading);
    const b = candidate(h, 'b');
    a.stop.abort();
    await a.done;
    // Not released: b can only take it once it expires (1 s, as b measures it).
    assert.equal((await h.client.resource<Lease>(leases, 'kube-system').get('test-lease')).spec?.holderIdentity, 'a');
    await until('b to lead', () => b.leading);
    b.stop.abort();
    await b.done;
  } finally {
    await h.close();
  }
});

test('a leader whose Lease is taken over stops leading and campaigns again', async () => {
  const h = await startControllerHarness();
  try {
    const a = candidate(h, 'a');
    await until('a to lead', () => a.leading);
    const client = h.client.resource<Lease>(leases, 'kube-system');
    const cur = await client.get('test-lease');
    await client.update({ ...cur, spec: { ...cur.spec, holderIdentity: 'intruder', leaseDurationSeconds: 1 } });
    await until('a to step down', () => !a.leading);
    await until('a to lead again after the intruder lapses', () => a.leading);
    assert.equal(a.terms, 2);
    a.stop.abort();
    await a.done;
  } finally {
    await h.close();
  }
});
