import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeAttachment } from 'kubernetes-types/storage/v1.js';
import { defaultVolumeAttachment } from './cluster.js';

test('a VolumeAttachment always has status.attached, false until an attacher says otherwise', () => {
  const va: VolumeAttachment = { spec: { attacher: 'csi.example.com', nodeName: 'n', source: { persistentVolumeName: 'pv' } } };
  defaultVolumeAttachment(va);
  assert.deepEqual(va.status, { attached: false });
  const attached: VolumeAttachment = { ...va, status: { attached: true, attachmentMetadata: { a: 'b' } } };
  defaultVolumeAttachment(attached);
  assert.deepEqual(attached.status, { attached: true, attachmentMetadata: { a: 'b' } });
});
