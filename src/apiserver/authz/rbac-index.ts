// The RBAC objects the authorizer reads, kept in memory and current: it follows the API
// server's own watch caches of roles, clusterroles, rolebindings and clusterrolebindings (as
// Kubernetes' RBAC authorizer reads informers), and indexes bindings by the user or group
// they name, so a decision reads a few map entries and never storage.
import type { KubeObject } from '../../api/object.js';
import { findResource, storageKey, type ResourceInfo } from '../../api/resources.js';
import type { UserInfo } from '../authn/user.js';
import type { Registries } from '../registry/registries.js';
import type { CachedObject } from '../watch/cache.js';
import { bindingOf, groupKey, rulesOf, subjectKey, userKey, type Binding, type Subject } from './rbac-objects.js';
import type { PolicyRule } from './rules.js';

/** One binding that names the user (through `subject`), with the rules of its role. */
export interface BoundRules {
  binding: Binding;
  subject: Subject;
  /** undefined when the role it refers to does not exist. */
  rules: readonly PolicyRule[] | undefined;
}

type Kind = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';
const KINDS: readonly Kind[] = ['clusterroles', 'roles', 'clusterrolebindings', 'rolebindings'];

const RESOURCES = Object.fromEntries(
  KINDS.map((k) => {
    const r = findResource('rbac.authorization.k8s.io', 'v1', k);
    if (!r) throw new Error(`${k} missing from the resource table`);
    return [k, r];
  }),
) as Record<Kind, ResourceInfo>;

interface SubjectEntry {
  binding: Binding;
  subject: Subject;
}

export class RbacIndex {
  private readonly objects: Record<Kind, Map<string, KubeObject>> = {
    roles: new Map(),
    clusterroles: new Map(),
    rolebindings: new Map(),
    clusterrolebindings: new Map(),
  };
  private rules = new Map<string, readonly PolicyRule[]>();
  /** Subject key → bindings, rebuilt on first use after a binding changed. Cluster bindings under namespace ''. */
  private bySubject: Map<string, Map<string, SubjectEntry[]>> | undefined;
  private closed = false;

  constructor(
    private readonly registries: Registries,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts following the caches; resolves once every kind is loaded. */
  async start(): Promise<void> {
    await Promise.all(KINDS.map((k) => this.follow(k)));
  }

  close(): void {
    this.closed = true;
  }

  private resourceOf(kind: Kind): ResourceInfo {
    return RESOURCES[kind];
  }

  private async follow(kind: Kind): Promise<void> {
    const cache = this.registries.cache(this.resourceOf(kind));
    await cache.ready();
    if (this.closed) return;
    cache.subscribe(
      {
        onEvent: (ev) => (ev.type === 'DELETED' ? this.remove(kind, ev.object) : this.put(kind, ev.object)),
        // The cache lost storage: keep deciding on what we know while it starts again.
        onReset: () => {
          if (this.closed) return;
          this.follow(kind).catch((err: unknown) => {
            if (!this.closed) this.log(`rbac: following ${kind} failed: ${String(err)}`);
          });
        },
      },
      { kind: 'state' },
      (items) => {
        if (!('state' in items)) return;
        this.objects[kind].clear();
        for (const o of items.state) this.objects[kind].set(o.key, o.obj);
        this.changed(kind);
      },
    );
  }

  private put(kind: Kind, o: CachedObject): void {
    this.objects[kind].set(o.key, o.obj);
    this.changed(kind);
  }

  private remove(kind: Kind, o: CachedObject): void {
    this.objects[kind].delete(o.key);
    this.changed(kind);
  }

  private changed(kind: Kind): void {
    if (kind === 'roles' || kind === 'clusterroles') this.rules = new Map();
    else this.bySubject = undefined;
  }

  private roleKey(kind: 'Role' | 'ClusterRole', namespace: string, name: string): string {
    return kind === 'ClusterRole' ? `c/${name}` : `r/${namespace}/${name}`;
  }

  /** The rules of a Role (in `namespace`) or ClusterRole; undefined when it does not exist. */
  roleRules(kind: 'Role' | 'ClusterRole', namespace: string, name: string): readonly PolicyRule[] | undefined {
    const key = this.roleKey(kind, namespace, name);
    const known = this.rules.get(key);
    if (known) return known;
    const obj = kind === 'ClusterRole' ? this.findObject('clusterroles', '', name) : this.findObject('roles', namespace, name);
    if (!obj) return undefined;
    const rules = rulesOf(obj);
    this.rules.set(key, rules);
    return rules;
  }

  private findObject(kind: Kind, namespace: string, name: string): KubeObject | undefined {
    return this.objects[kind].get(storageKey(this.resourceOf(kind), namespace, name));
  }

  private subjects(): Map<string, Map<string, SubjectEntry[]>> {
    if (this.bySubject) return this.bySubject;
    const index = new Map<string, Map<string, SubjectEntry[]>>();
    const add = (objects: Map<string, KubeObject>, kind: Binding['kind']): void => {
      for (const obj of objects.values()) {
        const binding = bindingOf(obj, kind);
        if (!binding) continue;
        // A RoleBinding may refer to a Role or a ClusterRole; a ClusterRoleBinding only to a ClusterRole.
        if (kind === 'ClusterRoleBinding' && binding.roleRef.kind !== 'ClusterRole') continue;
        let byKey = index.get(binding.namespace);
        if (!byKey) index.set(binding.namespace, (byKey = new Map()));
        for (const subject of binding.subjects) {
          const key = subjectKey(subject, binding.namespace);
          if (key === undefined) continue;
          let list = byKey.get(key);
          if (!list) byKey.set(key, (list = []));
          list.push({ binding, subject });
        }
      }
    };
    add(this.objects.clusterrolebindings, 'ClusterRoleBinding');
    add(this.objects.rolebindings, 'RoleBinding');
    for (const byKey of index.values()) for (const list of byKey.values()) list.sort(byBindingName);
    this.bySubject = index;
    return index;
  }

  /**
   * Calls `visit` for each binding that applies to `user` — ClusterRoleBindings, then the
   * RoleBindings of `namespace` (none when '') — until it returns false.
   */
  visit(user: UserInfo, namespace: string, visit: (bound: BoundRules) => boolean): void {
    const index = this.subjects();
    const scopes = namespace ? ['', namespace] : [''];
    for (const scope of scopes) {
      const byKey = index.get(scope);
      if (!byKey) continue;
      const keys = [userKey(user.username), ...user.groups.map(groupKey)];
      for (const key of keys) {
        for (const { binding, subject } of byKey.get(key) ?? []) {
          const rules = this.roleRules(binding.roleRef.kind, binding.namespace, binding.roleRef.name);
          if (!visit({ binding, subject, rules })) return;
        }
      }
    }
  }
}

function byBindingName(a: SubjectEntry, b: SubjectEntry): number {
  return a.binding.name < b.binding.name ? -1 : a.binding.name > b.binding.name ? 1 : 0;
}
