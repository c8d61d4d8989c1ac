// Table layout of apiregistration.k8s.io APIServices, as kube-aggregator prints them: the
// backing Service (`ns/name`, or `Local` for this server's own groups) and the Available
// condition (`True`, or `False (Reason)`; `Unknown` before the first check).
import type { APIService } from '../../api/apiregistration.js';
import type { KubeObject } from '../../api/object.js';
import { age, view } from './format.js';
import { AGE, NAME, column, layout, type TableLayout } from './layout.js';

function available(s: APIService): string {
  const c = s.status?.conditions?.find((x) => x.type === 'Available');
  if (!c) return 'Unknown';
  if (c.status === 'True' || !c.reason) return c.status;
  return `${c.status} (${c.reason})`;
}

const apiservices = layout(
  [
    NAME,
    column('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
    column('Available', 'string', 'Whether this service is available.'),
    AGE,
  ],
  (o: KubeObject, now) => {
    const s = view<APIService>(o);
    const svc = s.spec?.service;
    return [o.metadata?.name ?? '', svc ? `${svc.namespace ?? ''}/${svc.name ?? ''}` : 'Local', available(s), age(o, now)];
  },
);

export const APIREGISTRATION_LAYOUTS: Readonly<Record<string, TableLayout>> = {
  'apiregistration.k8s.io/apiservices': apiservices,
};
