import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { CycleState, type Handle } from '../../framework.js';
import { PodInfo } from '../../pod-info.js';
import { Snapshot } from '../../snapshot.js';
import { imageLocality } from './image-locality.js';

test('nodes holding large images of the pod score higher, scaled by spread', () => {
  const snapshot = new Snapshot();
  const big = 500 * 1024 * 1024;
  snapshot.addNode({ metadata: { name: 'has' }, status: { images: [{ names: ['app:v1'], sizeBytes: big }] } } as Node);
  snapshot.addNode({ metadata: { name: 'none' } });
  const pl = imageLocality({ snapshot } as unknown as Handle);
  const pod = new PodInfo({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'app:v1' }] } });
  const has = snapshot.get('has');
  const none = snapshot.get('none');
  assert.ok(has && none);
  // 500Mi * (1/2 nodes) = 250Mi; (250-23)/(1000-23)*100 = 23
  assert.equal(pl.score?.(new CycleState(), pod, has), 23);
  assert.equal(pl.score?.(new CycleState(), pod, none), 0);
});
