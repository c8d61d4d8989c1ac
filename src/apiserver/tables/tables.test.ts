import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { RESOURCES, findResource, type ResourceInfo } from '../../api/resources.js';
import { podSummary } from './pod-status.js';
import { humanDuration, tableLayout } from './tables.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const MIN = 60_000;

function res(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  assert.ok(r);
  return r;
}

function row(r: ResourceInfo, obj: KubeObject): Record<string, unknown> {
  const l = tableLayout(r);
  const cells = l.cells(obj, NOW);
  assert.equal(cells.length, l.columns.length);
  return Object.fromEntries(l.columns.map((c, i) => [c.name, cells[i]]));
}

test('humanDuration matches apimachinery duration.HumanDuration', () => {
  const s = 1000;
  const h = 60 * MIN;
  const d = 24 * h;
  const cases: [number, string][] = [
    [-2500, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [125 * s, '2m5s'],
    [9 * MIN + 59 * s, '9m59s'],
    [10 * MIN + 30 * s, '10m'],
    [179 * MIN, '179m'],
    [3 * h, '3h'],
    [3 * h + 5 * MIN, '3h5m'],
    [8 * h + 5 * MIN, '8h'],
    [47 * h, '47h'],
    [48 * h, '2d'],
    [50 * h, '2d2h'],
    [8 * d + 3 * h, '8d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [731 * d, '2y1d'],
    [365 * 8 * d, '8y'],
    [365 * 20 * d, '20y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

function pod(status: Pod['status'], spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Pod['metadata'] = {}): Pod {
  return {
    metadata: { name: 'p', creationTimestamp: ago(10 * MIN), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(MIN) } };

test('pod STATUS, READY and RESTARTS for the usual pod states', () => {
  const cases: [string, Pod, string, string, string][] = [
    [
      'running',
      pod({
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running }],
      }),
      '1/1',
      'Running',
      '0',
    ],
    ['pending without statuses', pod({ phase: 'Pending' }), '0/1', 'Pending', '0'],
    [
      'creating',
      pod({
        phase: 'Pending',
        containerStatuses: [
          { name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      }),
      '0/1',
      'ContainerCreating',
      '0',
    ],
    [
      'crash loop',
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            image: 'nginx',
            imageID: '',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } },
          },
        ],
      }),
      '0/1',
      'CrashLoopBackOff',
      '5 (5m ago)',
    ],
    [
      'completed',
      pod({
        phase: 'Succeeded',
        containerStatuses: [
          { name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      }),
      '0/1',
      'Completed',
      '0',
    ],
    [
      'error',
      pod({
        phase: 'Failed',
        containerStatuses: [
          { name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } },
        ],
      }),
      '0/1',
      'Error',
      '0',
    ],
    [
      'killed without reason',
      pod({
        phase: 'Failed',
        containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } }],
      }),
      '0/1',
      'ExitCode:137',
      '0',
    ],
    ['evicted', pod({ phase: 'Failed', reason: 'Evicted' }), '0/1', 'Evicted', '0'],
    [
      'terminating',
      pod(
        {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running }],
        },
        {},
        { deletionTimestamp: ago(0) },
      ),
      '1/1',
      'Terminating',
      '0',
    ],
    [
      'completed pod being deleted stays Completed',
      pod(
        {
          phase: 'Succeeded',
          containerStatuses: [
            { name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          ],
        },
        {},
        { deletionTimestamp: ago(0) },
      ),
      '0/1',
      'Completed',
      '0',
    ],
    ['node lost', pod({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(0) }), '0/1', 'Unknown', '0'],
    [
      'scheduling gated',
      pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      '0/1',
      'SchedulingGated',
      '0',
    ],
  ];
  for (const [label, p, ready, status, restarts] of cases) {
    assert.deepEqual(podSummary(p, NOW), { ready, status, restarts }, label);
  }
});

test('pod STATUS while init containers run', () => {
  const initSpec = { initContainers: [{ name: 'a' }, { name: 'b' }] };
  const done = { name: 'a', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  const waitingMain = [{ name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }];
  const second = (state: object, restartCount = 0) => ({ name: 'b', image: 'i', imageID: '', ready: false, restartCount, state });

  const progressing = pod({ phase: 'Pending', initContainerStatuses: [done, second(running)], containerStatuses: waitingMain }, initSpec);
  assert.equal(podSummary(progressing, NOW).status, 'Init:1/2');

  const notStarted = pod(
    { phase: 'Pending', initContainerStatuses: [second({ waiting: { reason: 'PodInitializing' } })], containerStatuses: waitingMain },
    initSpec,
  );
  assert.equal(podSummary(notStarted, NOW).status, 'Init:0/2');

  const crashing = pod(
    { phase: 'Pending', initContainerStatuses: [done, second({ waiting: { reason: 'CrashLoopBackOff' } }, 3)], containerStatuses: waitingMain },
    initSpec,
  );
  assert.deepEqual(podSummary(crashing, NOW), { ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '3' });

  const failed = pod(
    { phase: 'Pending', initContainerStatuses: [done, second({ terminated: { exitCode: 1, reason: 'Error' } })], containerStatuses: waitingMain },
    initSpec,
  );
  assert.equal(podSummary(failed, NOW).status, 'Init:Error');

  const initialized = pod(
    { phase: 'Pending', initContainerStatuses: [done, { ...done, name: 'b' }], containerStatuses: waitingMain },
    initSpec,
  );
  assert.equal(podSummary(initialized, NOW).status, 'PodInitializing');
});

test('sidecar containers count towards READY once started', () => {
  const p = pod(
    {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      initContainerStatuses: [{ name: 'proxy', image: 'envoy', imageID: '', ready: true, started: true, restartCount: 1, state: running }],
      containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running }],
    },
    { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
  );
  assert.deepEqual(podSummary(p, NOW), { ready: '2/2', status: 'Running', restarts: '1' });
});

test('pod row: wide cells show <none> for unset IP, node, nominated node and gates', () => {
  const pods = res('', 'v1', 'pods');
  const r = row(pods, pod({ phase: 'Pending' }) as KubeObject);
  assert.equal(r['Name'], 'p');
  assert.equal(r['Age'], '10m');
  assert.equal(r['IP'], '<none>');
  assert.equal(r['Node'], '<none>');
  assert.equal(r['Nominated Node'], '<none>');
  assert.equal(r['Readiness Gates'], '<none>');
  const cols = tableLayout(pods).columns;
  assert.deepEqual(
    cols.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ],
  );
  assert.equal(cols[0]?.format, 'name');
});

function service(spec: Service['spec'], status: Service['status'] = {}): KubeObject {
  return { metadata: { name: 's', creationTimestamp: ago(3 * MIN) }, spec, status } as KubeObject;
}

test('service TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S)', () => {
  const services = res('', 'v1', 'services');
  assert.deepEqual(
    row(services, service({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { k8s: 'dns' } })),
    {
      Name: 's',
      Type: 'ClusterIP',
      'Cluster-IP': '10.96.0.10',
      'External-IP': '<none>',
      'Port(s)': '53/UDP,53/TCP',
      Age: '3m',
      Selector: 'k8s=dns',
    },
  );
  const nodePort = row(services, service({ type: 'NodePort', clusterIP: '10.96.1.1', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }));
  assert.equal(nodePort['Port(s)'], '80:30080/TCP');
  assert.equal(nodePort['Selector'], '<none>');
  assert.equal(row(services, service({ type: 'LoadBalancer', ports: [{ port: 80 }] }))['External-IP'], '<pending>');
  assert.equal(
    row(services, service({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }] } }))['External-IP'],
    '203.0.113.9,lb.example.com',
  );
  assert.equal(row(services, service({ type: 'ExternalName', externalName: 'db.example.com' }))['External-IP'], 'db.example.com');
  const headless = row(services, service({ type: 'ClusterIP', clusterIP: 'None' }));
  assert.equal(headless['Cluster-IP'], 'None');
  assert.equal(headless['Port(s)'], '<none>');
});

test('node STATUS and ROLES', () => {
  const nodes = res('', 'v1', 'nodes');
  const node = (ready: string | undefined, unschedulable = false): KubeObject => ({
    metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'edge' } },
    spec: { unschedulable },
    status: {
      conditions: ready ? [{ type: 'Ready', status: ready }] : [],
      nodeInfo: { kubeletVersion: 'v1.33.0' },
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
    },
  });
  assert.equal(row(nodes, node('True'))['Status'], 'Ready');
  assert.equal(row(nodes, node('True', true))['Status'], 'Ready,SchedulingDisabled');
  assert.equal(row(nodes, node('False'))['Status'], 'NotReady');
  assert.equal(row(nodes, node(undefined))['Status'], 'Unknown');
  const r = row(nodes, node('True'));
  assert.equal(r['Roles'], 'control-plane,edge');
  assert.equal(r['Version'], 'v1.33.0');
  assert.equal(r['Internal-IP'], '192.168.1.10');
  assert.equal(r['External-IP'], '<none>');
  assert.equal(r['OS-Image'], '<unknown>');
});

test('workload rows', () => {
  const deploy = row(res('apps', 'v1', 'deployments'), {
    metadata: { name: 'web', creationTimestamp: ago(2 * 60 * MIN) },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } },
    },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  });
  assert.deepEqual(deploy, {
    Name: 'web',
    Ready: '2/3',
    'Up-to-date': 3,
    Available: 2,
    Age: '120m',
    Containers: 'nginx,log',
    Images: 'nginx:1.27,busybox',
    Selector: 'app=web',
  });

  const rs = row(res('apps', 'v1', 'replicasets'), { metadata: { name: 'web-1' }, spec: { replicas: 2, selector: {} }, status: { replicas: 2 } });
  assert.equal(rs['Desired'], 2);
  assert.equal(rs['Ready'], 0);
  assert.equal(rs['Selector'], '<none>');
  assert.equal(rs['Age'], '<unknown>');

  const ds = row(res('apps', 'v1', 'daemonsets'), {
    metadata: { name: 'proxy' },
    spec: { template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [] } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
  });
  assert.equal(ds['Node Selector'], 'kubernetes.io/os=linux');

  assert.equal(row(res('apps', 'v1', 'statefulsets'), { metadata: { name: 'db' }, spec: { replicas: 3 }, status: { readyReplicas: 1 } })['Ready'], '1/3');
});

test('job STATUS, COMPLETIONS and DURATION; cronjob cells', () => {
  const jobs = res('batch', 'v1', 'jobs');
  const done = row(jobs, {
    metadata: { name: 'pi' },
    spec: { completions: 1 },
    status: { succeeded: 1, startTime: ago(10 * MIN), completionTime: ago(10 * MIN - 42_000), conditions: [{ type: 'Complete', status: 'True' }] },
  });
  assert.equal(done['Status'], 'Complete');
  assert.equal(done['Completions'], '1/1');
  assert.equal(done['Duration'], '42s');
  const parallel = row(jobs, { metadata: { name: 'w' }, spec: { parallelism: 3 }, status: { startTime: ago(5 * MIN) } });
  assert.equal(parallel['Status'], 'Running');
  assert.equal(parallel['Completions'], '0/1 of 3');
  assert.equal(parallel['Duration'], '5m');
  assert.equal(row(jobs, { metadata: { name: 'f' }, status: { conditions: [{ type: 'Failed', status: 'True' }] } })['Status'], 'Failed');

  const cj = row(res('batch', 'v1', 'cronjobs'), {
    metadata: { name: 'nightly' },
    spec: { schedule: '0 3 * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
    status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(65 * MIN) },
  });
  assert.deepEqual([cj['Schedule'], cj['Timezone'], cj['Suspend'], cj['Active'], cj['Last Schedule']], ['0 3 * * *', '<none>', 'False', 1, '65m']);
});

test('event rows: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE', () => {
  const events = res('', 'v1', 'events');
  const r = row(events, {
    metadata: { name: 'web-1.1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled',
    type: 'Normal',
    message: 'Container image "nginx" already present on machine\n',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: ago(4 * MIN),
    lastTimestamp: ago(30_000),
    count: 3,
  });
  assert.deepEqual(r, {
    'Last Seen': '30s',
    Type: 'Normal',
    Reason: 'Pulled',
    Object: 'pod/web-1',
    Subobject: 'spec.containers{app}',
    Source: 'kubelet, node-1',
    Message: 'Container image "nginx" already present on machine',
    'First Seen': '4m',
    Count: 3,
    Name: 'web-1.1',
  });
  const modern = row(res('events.k8s.io', 'v1', 'events'), {
    metadata: { name: 'x' },
    regarding: { kind: 'Node', name: 'n1' },
    reason: 'Starting',
    type: 'Normal',
    note: 'Starting kubelet.',
    eventTime: ago(2 * MIN),
    reportingController: 'kubelet',
  });
  assert.equal(modern['Object'], 'node/n1');
  assert.equal(modern['Last Seen'], '2m');
  assert.equal(modern['Message'], 'Starting kubelet.');
  assert.equal(modern['Count'], 1);
});

test('endpoints and endpointslices list at most three addresses', () => {
  const ep = row(res('', 'v1', 'endpoints'), {
    metadata: { name: 'web' },
    subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }] }],
  });
  assert.equal(ep['Endpoints'], '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...');
  assert.equal(row(res('', 'v1', 'endpoints'), { metadata: { name: 'e' } })['Endpoints'], '<none>');
  const slice = row(res('discovery.k8s.io', 'v1', 'endpointslices'), {
    metadata: { name: 'web-abc' },
    addressType: 'IPv4',
    ports: [{ port: 80 }, { name: 'metrics' }],
    endpoints: [{ addresses: ['10.0.0.1'] }],
  });
  assert.deepEqual([slice['AddressType'], slice['Ports'], slice['Endpoints']], ['IPv4', '80,metrics', '10.0.0.1']);
  assert.equal(row(res('discovery.k8s.io', 'v1', 'endpointslices'), { metadata: { name: 'e' } })['Endpoints'], '<unset>');
});

test('simple resource rows', () => {
  assert.equal(row(res('', 'v1', 'configmaps'), { metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: 'AA==' } })['Data'], 2);
  const secret = row(res('', 'v1', 'secrets'), { metadata: { name: 's' }, type: 'Opaque', data: { a: 'MQ==' } });
  assert.deepEqual([secret['Type'], secret['Data']], ['Opaque', 1]);
  assert.equal(row(res('', 'v1', 'namespaces'), { metadata: { name: 'default' }, status: { phase: 'Active' } })['Status'], 'Active');
  assert.equal(row(res('coordination.k8s.io', 'v1', 'leases'), { metadata: { name: 'l' }, spec: { holderIdentity: 'node-1' } })['Holder'], 'node-1');
  const ing = row(res('networking.k8s.io', 'v1', 'ingresses'), {
    metadata: { name: 'i' },
    spec: { rules: [{ host: 'a.example.com' }, {}], tls: [{ hosts: ['a.example.com'] }] },
  });
  assert.deepEqual([ing['Class'], ing['Hosts'], ing['Address'], ing['Ports']], ['<none>', 'a.example.com', '', '80, 443']);
  const sc = row(res('storage.k8s.io', 'v1', 'storageclasses'), {
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path',
  });
  assert.deepEqual(
    [sc['Name'], sc['ReclaimPolicy'], sc['VolumeBindingMode'], sc['AllowVolumeExpansion']],
    ['standard (default)', 'Delete', 'Immediate', false],
  );
  const pvc = row(res('', 'v1', 'persistentvolumeclaims'), {
    metadata: { name: 'data' },
    spec: { volumeName: 'pv-1', storageClassName: 'standard' },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'] },
  });
  assert.deepEqual([pvc['Status'], pvc['Capacity'], pvc['Access Modes'], pvc['StorageClass']], ['Bound', '1Gi', 'RWO,RWX', 'standard']);
  const pdb = row(res('policy', 'v1', 'poddisruptionbudgets'), { metadata: { name: 'p' }, spec: { minAvailable: '50%' } });
  assert.deepEqual([pdb['Min Available'], pdb['Max Unavailable'], pdb['Allowed Disruptions']], ['50%', 'N/A', 0]);
  const rb = row(res('rbac.authorization.k8s.io', 'v1', 'rolebindings'), {
    metadata: { name: 'rb' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'bot', namespace: 'ci' }],
  });
  assert.deepEqual([rb['Role'], rb['Users'], rb['ServiceAccounts']], ['Role/reader', 'alice', 'ci:bot']);
  const quota = row(res('', 'v1', 'resourcequotas'), {
    metadata: { name: 'q' },
    status: { hard: { 'requests.cpu': '2', 'limits.memory': '2Gi', pods: '10' }, used: { 'requests.cpu': '500m', pods: '3' } },
  });
  assert.deepEqual([quota['Request'], quota['Limit']], ['pods: 3/10, requests.cpu: 500m/2', 'limits.memory: 0/2Gi']);
  const hpa = row(res('autoscaling', 'v2', 'horizontalpodautoscalers'), {
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    },
    status: { currentReplicas: 2 },
  });
  assert.deepEqual([hpa['Reference'], hpa['Targets'], hpa['MinPods'], hpa['MaxPods']], ['Deployment/web', 'cpu: <unknown>/80%', '1', 5]);
  const scaled = row(res('autoscaling', 'v2', 'horizontalpodautoscalers'), {
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web' },
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
        { type: 'ContainerResource', containerResource: { name: 'memory', container: 'app', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      ],
    },
    status: {
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 250, averageValue: '250m' } } },
        { type: 'ContainerResource', containerResource: { name: 'memory', container: 'app', current: { averageValue: '50Mi' } } },
      ],
    },
  });
  assert.equal(scaled['Targets'], 'cpu: 250%/50%, memory: 50Mi/100Mi');
  const cr = row(res('apps', 'v1', 'controllerrevisions'), {
    metadata: { name: 'ds-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u', controller: true }] },
    revision: 2,
  });
  assert.deepEqual([cr['Controller'], cr['Revision']], ['daemonset.apps/ds', 2]);
});

test('kinds without a printer get NAME and CREATED AT; custom resources NAME and AGE', () => {
  const roles = tableLayout(res('rbac.authorization.k8s.io', 'v1', 'roles'));
  assert.deepEqual(roles.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
  assert.deepEqual(roles.cells({ metadata: { name: 'r', creationTimestamp: '2025-01-02T03:04:05Z' } }, NOW), ['r', '2025-01-02T03:04:05Z']);
  assert.equal(tableLayout(res('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')).columns[1]?.name, 'Created At');
  assert.equal(tableLayout(res('', 'v1', 'limitranges')).columns[1]?.name, 'Created At');

  const widget: ResourceInfo = {
    group: 'example.com',
    version: 'v1',
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    singular: 'widget',
    namespaced: true,
    verbs: ['get', 'list'],
    shortNames: [],
    categories: [],
    subresources: [],
  };
  const custom = tableLayout(widget);
  assert.deepEqual(custom.columns.map((c) => c.name), ['Name', 'Age']);
  assert.deepEqual(custom.cells({ metadata: { name: 'w', creationTimestamp: ago(3 * 24 * 60 * MIN) } }, NOW), ['w', '3d']);
});

test('every resource yields one cell per column, even for a bare object', () => {
  for (const r of RESOURCES) {
    const l = tableLayout(r);
    const cells = l.cells({ metadata: { name: 'x', creationTimestamp: ago(MIN) } }, NOW);
    assert.equal(cells.length, l.columns.length, r.plural);
    const nameAt = l.columns.findIndex((c) => c.format === 'name');
    assert.ok(nameAt >= 0, `${r.plural} has a name column`);
    assert.equal(cells[nameAt], 'x', `${r.plural} prints its name`);
    for (const c of l.columns) assert.ok(c.priority === 0 || c.priority === 1);
  }
});
