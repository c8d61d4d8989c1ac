// ConfigMaps and Secrets that pods on this node use, kept fresh by one watch per referenced
// object (Kubernetes' watch-based change detection): a change re-syncs the pods that refer to
// it, so configMap/secret volumes follow their objects within moments.
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import type { ApiClient } from '../client/client.js';
import type { Clock } from '../informer/clock.js';
import { Informer } from '../informer/informer.js';
import type { Logger } from '../log.js';

export type ObjectKind = 'configmaps' | 'secrets';
type KindType<K extends ObjectKind> = K extends 'configmaps' ? ConfigMap : Secret;

/** What env and volume setup read; `undefined` means the object does not exist. */
export interface ConfigObjects {
  get<K extends ObjectKind>(kind: K, namespace: string, name: string): Promise<KindType<K> | undefined>;
}

interface Watched {
  informer: Informer<ConfigMap | Secret>;
  stop: AbortController;
  pods: Set<string>;
}

const refKey = (kind: ObjectKind, ns: string, name: string): string => `${kind}/${ns}/${name}`;

/** Every configMap/secret a pod refers to (env, envFrom, volumes, projections, pull secrets). */
export function podObjectRefs(pod: Pod): { kind: ObjectKind; name: string }[] {
  const out = new Map<string, { kind: ObjectKind; name: string }>();
  const add = (kind: ObjectKind, name: string | undefined): void => {
    if (name) out.set(`${kind}/${name}`, { kind, name });
  };
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      add('configmaps', e.valueFrom?.configMapKeyRef?.name);
      add('secrets', e.valueFrom?.secretKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add('configmaps', e.configMapRef?.name);
      add('secrets', e.secretRef?.name);
    }
  }
  for (const v of pod.spec?.volumes ?? []) {
    add('configmaps', v.configMap?.name);
    add('secrets', v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      add('configmaps', s.configMap?.name);
      add('secrets', s.secret?.name);
    }
  }
  return [...out.values()];
}

export class ObjectManager implements ConfigObjects {
  private readonly watched = new Map<string, Watched>();
  private readonly byPod = new Map<string, Set<string>>();

  constructor(
    private readonly o: {
      client: ApiClient;
      clock: Clock;
      log: Logger;
      /** `watch` keeps one watch per referenced object; `get` reads the API every time. */
      mode: 'watch' | 'get';
      onChange(podUids: string[]): void;
    },
  ) {}

  /** Makes the objects `pod` refers to watched (replacing what it referred to before). */
  register(pod: Pod): void {
    if (this.o.mode === 'get') return;
    const uid = pod.metadata?.uid ?? '';
    const ns = pod.metadata?.namespace ?? 'default';
    const keys = new Set(podObjectRefs(pod).map((r) => refKey(r.kind, ns, r.name)));
    const old = this.byPod.get(uid) ?? new Set<string>();
    for (const k of old) if (!keys.has(k)) this.release(k, uid);
    for (const r of podObjectRefs(pod)) {
      const k = refKey(r.kind, ns, r.name);
      if (old.has(k)) continue;
      let w = this.watched.get(k);
      if (!w) w = this.watch(r.kind, ns, r.name);
      w.pods.add(uid);
    }
    this.byPod.set(uid, keys);
  }

  unregister(podUid: string): void {
    for (const k of this.byPod.get(podUid) ?? []) this.release(k, podUid);
    this.byPod.delete(podUid);
  }

  async get<K extends ObjectKind>(kind: K, namespace: string, name: string): Promise<KindType<K> | undefined> {
    const w = this.watched.get(refKey(kind, namespace, name));
    if (w && w.informer.hasSynced()) return w.informer.cache.get(`${namespace}/${name}`) as KindType<K> | undefined;
    try {
      return await this.o.client.resource<KindType<K>>({ group: '', version: 'v1', resource: kind }, namespace).get(name);
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  close(): void {
    for (const w of this.watched.values()) w.stop.abort();
    this.watched.clear();
    this.byPod.clear();
  }

  private watch(kind: ObjectKind, ns: string, name: string): Watched {
    const stop = new AbortController();
    const informer = new Informer<ConfigMap | Secret>({
      name: `${kind}/${ns}/${name}`,
      source: this.o.client.resource<ConfigMap | Secret>({ group: '', version: 'v1', resource: kind }, ns),
      fieldSelector: `metadata.name=${name}`,
      freeze: 'none',
      clock: this.o.clock,
      log: this.o.log,
    });
    const w: Watched = { informer, stop, pods: new Set() };
    const changed = (): void => this.o.onChange([...w.pods]);
    informer.addEventHandler({
      onAdd: (_obj, info) => {
        if (!info.isInInitialList) changed();
      },
      onUpdate: (a, b) => {
        if (a !== b) changed();
      },
      onDelete: changed,
    });
    informer.run(stop.signal).catch((err: unknown) => this.o.log.warn(`watch of ${kind} ${ns}/${name} ended: ${String(err)}`));
    this.watched.set(refKey(kind, ns, name), w);
    return w;
  }

  private release(key: string, uid: string): void {
    const w = this.watched.get(key);
    if (!w) return;
    w.pods.delete(uid);
    if (w.pods.size === 0) {
      w.stop.abort();
      this.watched.delete(key);
    }
  }
}
