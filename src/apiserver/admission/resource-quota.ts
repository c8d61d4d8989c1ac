// The ResourceQuota admission plugin (on by default in Kubernetes): a write that would take a
// namespace's usage over a quota's hard limit is refused with 403, and an admitted one is
// charged to the quotas' status.used before it is stored, so that concurrent creates cannot all
// slip under a limit; the quota controller later recomputes status.used from the objects.
// Checked: creates of every namespaced resource; updates of Services (a type change to NodePort
// or LoadBalancer) and PersistentVolumeClaims (a larger request), charging only the increase.
// A dry run is checked, not charged. Deviation: when the storage write fails after the charge
// (AlreadyExists, a conflict) the charge is taken back at once; Kubernetes leaves it to the
// controller.
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { isCore } from '../../api/quota/names.js';
import { quantity } from '../../api/quota/usage.js';
import type { ResourceInfo } from '../../api/resources.js';
import { formatExactQuantity } from '../../api/validation/quantity.js';
import { NO_TRANSACTION, type HookContext, type HookTransaction, type WriteHooks } from '../registry/hooks.js';
import { meta } from '../registry/meta.js';
import { STALE_OBJECT } from '../registry/registry.js';
import { KeyedLock } from './keyed-lock.js';
import { checkQuotas, type QuotaCharge, type QuotaRequest } from './quota-check.js';
import type { QuotaAccess } from './resource-quota-store.js';
import { admissionForbidden } from './forbidden.js';

/** Tries at a charge (or its undoing) whose quota write keeps meeting a concurrent change. */
const MAX_ATTEMPTS = 10;

/** Resources whose updates can use more (Kubernetes' evaluators that handle Update). */
const CHARGED_UPDATES = ['services', 'persistentvolumeclaims'];

interface Request extends QuotaRequest {
  resource: ResourceInfo;
}

export class ResourceQuotaAdmission {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly quotas: QuotaAccess,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** The plugin's hooks for one resource; undefined for cluster-scoped and never-stored ones. */
  hooksFor(resource: ResourceInfo): WriteHooks | undefined {
    if (!resource.namespaced || resource.virtual) return undefined;
    const hooks: WriteHooks = { beforeCreate: (obj, ctx) => this.admit({ resource, obj }, ctx) };
    if (CHARGED_UPDATES.some((plural) => isCore(resource, plural))) {
      hooks.beforeUpdate = (old, obj, ctx) => this.admit({ resource, obj, old }, ctx);
    }
    return hooks;
  }

  private async admit(req: Request, ctx: HookContext): Promise<HookTransaction> {
    const namespace = meta(req.obj).namespace;
    if (!namespace) return NO_TRANSACTION;
    // Most namespaces have no quota: the watch cache says so without a storage read.
    if (!(await this.quotas.hasAny(namespace))) return NO_TRANSACTION;
    // A first look without the lock: most writes change no quota, and a dry run charges none.
    const charges = this.decide(req, await this.quotas.list(namespace));
    if (charges.length === 0 || ctx.dryRun) return NO_TRANSACTION;
    const charged = await this.lock.run(namespace, () => this.charge(namespace, req));
    if (charged.length === 0) return NO_TRANSACTION;
    return {
      commit: async () => undefined,
      revert: () => this.lock.run(namespace, () => this.uncharge(namespace, charged)),
    };
  }

  /** The charges the request makes to `quotas`, or the 403 admission.NewForbidden gives. */
  private decide(req: Request, quotas: readonly ResourceQuota[]): QuotaCharge[] {
    const decision = checkQuotas(quotas, req);
    if (decision.allowed) return decision.charges;
    throw admissionForbidden(req.resource, req.obj, decision.reason);
  }

  /**
   * Writes the request's charges (under the namespace's lock); a quota whose write met a
   * concurrent change is read and checked again, as Kubernetes retries only those. Returns what
   * was charged; on a refusal or an error, takes back what it had charged and throws.
   */
  private async charge(namespace: string, req: Request): Promise<QuotaCharge[]> {
    const charged: QuotaCharge[] = [];
    let conflicted = '';
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const pending = (await this.quotas.list(namespace)).filter((q) => !charged.some((c) => c.quota.metadata?.uid === q.metadata?.uid));
        conflicted = '';
        for (const c of this.decide(req, pending)) {
          if (await this.quotas.writeUsed(c.quota, c.used)) charged.push(c);
          else conflicted = c.quota.metadata?.name ?? '';
        }
        if (!conflicted) return charged;
      }
    } catch (err) {
      await this.uncharge(namespace, charged);
      throw err;
    }
    await this.uncharge(namespace, charged);
    throw ApiError.conflict('resourcequotas', conflicted, STALE_OBJECT);
  }

  /**
   * Takes charges back from the quotas that still exist. Best effort: what cannot be taken back
   * is logged, and the quota controller's next recompute corrects it.
   */
  private async uncharge(namespace: string, charges: readonly QuotaCharge[]): Promise<void> {
    for (const c of charges) {
      const name = c.quota.metadata?.name ?? '';
      try {
        if (!(await this.takeBack(namespace, c))) this.log(`quota admission: could not take back a charge to resourcequota ${namespace}/${name}: kept changing`);
      } catch (err) {
        this.log(`quota admission: could not take back a charge to resourcequota ${namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Subtracts one charge from its quota (not below zero); false when every try met a concurrent change. */
  private async takeBack(namespace: string, c: QuotaCharge): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const quota = (await this.quotas.list(namespace)).find((q) => q.metadata?.uid === c.quota.metadata?.uid);
      if (!quota) return true;
      const used: Record<string, string> = { ...(quota.status?.used ?? {}) };
      for (const [name, added] of c.added) {
        const cur = quantity(used[name]);
        if (!cur) continue;
        const nanos = cur.nanos - added.nanos;
        used[name] = formatExactQuantity({ nanos: nanos > 0n ? nanos : 0n, format: cur.format });
      }
      if (await this.quotas.writeUsed(quota, used)) return true;
    }
    return false;
  }
}
