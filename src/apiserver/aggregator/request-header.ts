// What extension API servers need to trust this one, published as Kubernetes does in the
// ConfigMap kube-system/extension-apiserver-authentication: the client CA (for clients that
// come to them directly) and the requestheader settings — the CA that signs the front-proxy
// client certificate, the common names allowed to assert identities, and the header names.
// Kubernetes' bootstrap Role `extension-apiserver-authentication-reader` (kube-system) lets a
// backend's service account read it (through a RoleBinding its installer creates).
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import type { Registries } from '../registry/registries.js';
import { EXTRA_HEADER_PREFIX, FRONT_PROXY_CLIENT_NAME, GROUP_HEADER, UID_HEADER, USERNAME_HEADER } from '../../api/front-proxy.js';
import { createIfMissing, systemWriteContext } from '../registry/system-writes.js';

export const AUTHENTICATION_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' } as const;
export const READER_ROLE = 'extension-apiserver-authentication-reader';
/** The common name of the front-proxy client certificate (kubeadm's name for it). */

export interface RequestHeaderConfig {
  /** PEM of the CA that signs clients' certificates (client-ca-file); absent without TLS. */
  clientCA?: string;
  /** PEM of the CA that signed the front-proxy client certificate (requestheader-client-ca-file). */
  requestHeaderCA: string;
  allowedNames?: readonly string[];
}


function resource(group: string, plural: string): ResourceInfo {
  const r = findResource(group, 'v1', plural);
  if (!r) throw new Error(`${plural} missing from the resource table`);
  return r;
}

export function authenticationData(c: RequestHeaderConfig): Record<string, string> {
  return {
    ...(c.clientCA ? { 'client-ca-file': c.clientCA } : {}),
    'requestheader-client-ca-file': c.requestHeaderCA,
    'requestheader-allowed-names': JSON.stringify(c.allowedNames ?? [FRONT_PROXY_CLIENT_NAME]),
    'requestheader-username-headers': JSON.stringify([USERNAME_HEADER]),
    'requestheader-uid-headers': JSON.stringify([UID_HEADER]),
    'requestheader-group-headers': JSON.stringify([GROUP_HEADER]),
    'requestheader-extra-headers-prefix': JSON.stringify([EXTRA_HEADER_PREFIX]),
  };
}

/** Creates or corrects the ConfigMap and creates the reader Role when missing. */
export async function publishRequestHeaderConfig(registries: Registries, c: RequestHeaderConfig): Promise<void> {
  const { namespace, name } = AUTHENTICATION_CONFIGMAP;
  const data = authenticationData(c);
  const configMaps = registries.for(resource('', 'configmaps'));
  try {
    const { obj } = await configMaps.get(namespace, name);
    const current = (obj['data'] ?? {}) as Record<string, string>;
    if (Object.entries(data).some(([k, v]) => current[k] !== v)) {
      await configMaps.mutate(namespace, name, systemWriteContext('kube-apiserver'), (cur) => ({ ...cur, data: { ...((cur['data'] ?? {}) as Record<string, string>), ...data } }));
    }
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
    await createIfMissing(configMaps, namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data }, 'kube-apiserver');
  }
  const role: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: READER_ROLE, namespace, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [name], verbs: ['get', 'list', 'watch'] }],
  };
  await createIfMissing(registries.for(resource('rbac.authorization.k8s.io', 'roles')), namespace, role, 'kube-apiserver');
}

