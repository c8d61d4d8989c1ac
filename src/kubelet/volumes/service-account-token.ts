// Service account tokens for projected volumes, bound to the pod through TokenRequest and
// refreshed once 80 % of their lifetime has passed (or after 24 h), as the kubelet's token
// manager does.
import type { Pod, ServiceAccountTokenProjection } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/client.js';
import { apiErrorFromResponse } from '../../client/status.js';
import type { Clock } from '../../informer/clock.js';

interface Cached {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export class TokenManager {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly o: { client: ApiClient; clock: Clock }) {}

  async token(pod: Pod, src: ServiceAccountTokenProjection): Promise<string> {
    const ns = pod.metadata?.namespace ?? 'default';
    const sa = pod.spec?.serviceAccountName || 'default';
    const uid = pod.metadata?.uid ?? '';
    const expirationSeconds = src.expirationSeconds ?? 3600;
    const key = `${uid}/${sa}/${src.audience ?? ''}/${expirationSeconds}`;
    const now = this.o.clock.now();
    const hit = this.cache.get(key);
    if (hit && now < hit.issuedAt + 0.8 * (hit.expiresAt - hit.issuedAt) && now - hit.issuedAt < 24 * 3600_000) return hit.token;
    const path = this.o.client.resource({ group: '', version: 'v1', resource: 'serviceaccounts' }, ns).objectPath(sa, ns, 'token');
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: src.audience ? [src.audience] : [],
        expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid },
      },
    };
    const res = await this.o.client.transport.request({ method: 'POST', path, body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' });
    if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
    const parsed = JSON.parse(Buffer.from(res.body).toString('utf8')) as { status?: { token?: string; expirationTimestamp?: string } };
    const token = parsed.status?.token ?? '';
    const exp = Date.parse(parsed.status?.expirationTimestamp ?? '');
    this.cache.set(key, { token, issuedAt: now, expiresAt: Number.isFinite(exp) ? now + (exp - Date.now()) : now + expirationSeconds * 1000 });
    return token;
  }

  forgetPod(uid: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${uid}/`)) this.cache.delete(k);
  }
}
