import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupMountPoints, isRemovableCgroupParent, removePodCgroup } from './pod-cgroup.js';

const MOUNTINFO = `25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw
35 25 0:30 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw
37 35 0:32 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd
40 35 0:35 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:15 - cgroup cgroup rw,cpu,cpuacct
41 35 0:36 / /sys/fs/cgroup/memory rw,nosuid shared:16 - cgroup cgroup rw,memory
`;

test('cgroup mount points are the cgroup and cgroup2 mounts of mountinfo', () => {
  assert.deepEqual(cgroupMountPoints(MOUNTINFO), ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd', '/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/memory']);
});

test('only absolute parents below the root without ".." are removable', () => {
  assert.equal(isRemovableCgroupParent('/k8ts/pod1'), true);
  assert.equal(isRemovableCgroupParent('/'), false);
  assert.equal(isRemovableCgroupParent(''), false);
  assert.equal(isRemovableCgroupParent('k8ts/pod1'), false);
  assert.equal(isRemovableCgroupParent('/k8ts/../etc'), false);
});

test("a pod's cgroup is removed from every hierarchy where it is a leaf, kept where a sandbox cgroup remains", async () => {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-cgroup-'));
  try {
    const [a, b, c] = ['memory', 'pids', 'cpu'].map((h) => join(root, h));
    if (!a || !b || !c) throw new Error('unreachable');
    mkdirSync(join(a, 'k8ts', 'pod1'), { recursive: true });
    mkdirSync(join(b, 'k8ts', 'pod1', 'sandbox2'), { recursive: true });
    mkdirSync(c, { recursive: true }); // the pod never got a cgroup here
    const removed = await removePodCgroup('/k8ts/pod1', { mountPoints: [a, b, c] });
    assert.deepEqual(removed, [join(a, 'k8ts', 'pod1')]);
    assert.equal(existsSync(join(a, 'k8ts', 'pod1')), false);
    assert.equal(existsSync(join(a, 'k8ts')), true, 'the k8ts parent stays');
    assert.equal(existsSync(join(b, 'k8ts', 'pod1', 'sandbox2')), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an unsafe parent removes nothing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-cgroup-'));
  try {
    mkdirSync(join(root, 'x'));
    assert.deepEqual(await removePodCgroup('/../x', { mountPoints: [join(root, 'memory')] }), []);
    assert.equal(existsSync(join(root, 'x')), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
