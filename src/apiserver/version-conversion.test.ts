// A resource served at a version other than its stored one (HorizontalPodAutoscaler at
// autoscaling/v1, stored as v2): every verb converts, and both versions see the same object.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './testing.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

const V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
const V2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
type Obj = Record<string, unknown> & { spec?: Record<string, unknown>; status?: Record<string, unknown>; metadata?: Record<string, unknown> };

function hpaV1(name: string, cpu: number): Obj {
  return { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name }, spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: cpu } };
}

test('an autoscaling/v1 HPA is stored as v2 and served in the version asked for', async () => {
  const created = await s.req('POST', `${V1}?fieldValidation=Strict`, { body: hpaV1('web', 60) });
  assert.equal(created.status, 201, created.text);
  const c = created.json() as Obj;
  assert.equal(c['apiVersion'], 'autoscaling/v1');
  assert.equal(c.spec?.['targetCPUUtilizationPercentage'], 60);
  assert.equal(c.spec?.['metrics'], undefined);

  const v2 = (await s.req('GET', `${V2}/web`)).json() as Obj;
  assert.equal(v2['apiVersion'], 'autoscaling/v2');
  assert.deepEqual(v2.spec?.['metrics'], [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
  assert.equal(v2.spec?.['targetCPUUtilizationPercentage'], undefined);

  const v1 = (await s.req('GET', `${V1}/web`)).json() as Obj;
  assert.equal(v1['apiVersion'], 'autoscaling/v1');
  assert.equal(v1.spec?.['targetCPUUtilizationPercentage'], 60);
  assert.equal(v1.metadata?.['resourceVersion'], v2.metadata?.['resourceVersion']);

  const list = (await s.req('GET', V1)).json();
  assert.equal(list['apiVersion'], 'autoscaling/v1');
  assert.equal(list['kind'], 'HorizontalPodAutoscalerList');
  assert.equal((list.items?.[0] as Obj | undefined)?.spec?.['targetCPUUtilizationPercentage'], 60);
});

test('v1 patches and updates apply to the v1 view; status written at v1 reads back at v2', async () => {
  await s.req('POST', V1, { body: hpaV1('p', 50) });
  const merged = await s.req('PATCH', `${V1}/p`, { body: { spec: { targetCPUUtilizationPercentage: 70 } }, contentType: 'application/merge-patch+json' });
  assert.equal(merged.status, 200, merged.text);
  assert.equal((merged.json() as Obj).spec?.['targetCPUUtilizationPercentage'], 70);
  const strategic = await s.req('PATCH', `${V1}/p`, { body: { spec: { maxReplicas: 7 } }, contentType: 'application/strategic-merge-patch+json' });
  assert.equal((strategic.json() as Obj).spec?.['maxReplicas'], 7);
  const v2 = (await s.req('GET', `${V2}/p`)).json() as Obj;
  assert.deepEqual(v2.spec?.['metrics'], [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);

  const cur = (await s.req('GET', `${V1}/p`)).json() as Obj;
  const put = await s.req('PUT', `${V1}/p`, { body: { ...cur, spec: { ...cur.spec, targetCPUUtilizationPercentage: 40 } } });
  assert.equal(put.status, 200, put.text);
  assert.equal((put.json() as Obj).spec?.['targetCPUUtilizationPercentage'], 40);

  const status = await s.req('PATCH', `${V1}/p/status`, {
    body: { status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 90 } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal(status.status, 200, status.text);
  const after = (await s.req('GET', `${V2}/p`)).json() as Obj;
  assert.equal(after.status?.['desiredReplicas'], 3);
  assert.deepEqual(after.status?.['currentMetrics'], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90 } } }]);

  // A v1 object with a field v1 does not have is refused under strict validation.
  const bad = await s.req('POST', `${V1}?fieldValidation=Strict`, { body: { ...hpaV1('bad', 50), spec: { ...hpaV1('bad', 50).spec, metrics: [] } } });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /unknown field \\?"spec.metrics\\?"/);
});

test('a watch at v1 sends v1 objects', async () => {
  const lines: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const r = request(new URL(`${V1}?watch=true&fieldSelector=metadata.name%3Dw`, s.url), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      let buf = '';
      res.on('data', (b: Buffer) => {
        buf += b.toString();
        const i = buf.indexOf('\n');
        if (i >= 0) {
          lines.push(buf.slice(0, i));
          r.destroy();
          resolve();
        }
      });
    });
    r.on('error', (e) => (lines.length > 0 ? resolve() : reject(e)));
    r.end();
  });
  await new Promise((r) => setTimeout(r, 50));
  await s.req('POST', V2, {
    body: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'w' }, spec: { scaleTargetRef: ref, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 33 } } }] } },
  });
  await done;
  const ev = JSON.parse(lines[0] ?? '{}') as { type: string; object: Obj };
  assert.equal(ev.type, 'ADDED');
  assert.equal(ev.object['apiVersion'], 'autoscaling/v1');
  assert.equal(ev.object.spec?.['targetCPUUtilizationPercentage'], 33);
});
