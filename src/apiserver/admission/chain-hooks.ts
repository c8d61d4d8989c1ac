// Several plugins' write hooks on one resource (a Service's IP and port allocation, then quota),
// run in order as Kubernetes runs its admission chain: a refusal from a later hook undoes what
// the earlier ones reserved, and the storage write settles all of them together.
import type { KubeObject } from '../../api/object.js';
import { NO_TRANSACTION, type HookContext, type HookTransaction, type WriteHooks } from '../registry/hooks.js';

type Begin = () => Promise<HookTransaction>;

/** Begins each step in order; if one throws, reverts the ones already begun (last first). */
async function beginAll(steps: readonly Begin[]): Promise<HookTransaction> {
  const begun: HookTransaction[] = [];
  try {
    for (const step of steps) begun.push(await step());
  } catch (err) {
    for (const tx of begun.reverse()) await tx.revert();
    throw err;
  }
  return {
    commit: async () => {
      for (const tx of begun) await tx.commit();
    },
    revert: async () => {
      for (const tx of [...begun].reverse()) await tx.revert();
    },
  };
}

/** The hooks of `all` (undefined entries skipped) as one; undefined when there are none. */
export function chainHooks(...all: (WriteHooks | undefined)[]): WriteHooks | undefined {
  const hooks = all.filter((h): h is WriteHooks => h !== undefined);
  if (hooks.length <= 1) return hooks[0];
  return {
    admitCreate: async (obj: KubeObject, ctx: HookContext) => {
      for (const h of hooks) await h.admitCreate?.(obj, ctx);
    },
    admitUpdate: async (old, next, ctx) => {
      for (const h of hooks) await h.admitUpdate?.(old, next, ctx);
    },
    beforeCreate: (obj, ctx) => beginAll(hooks.map((h) => async () => (await h.beforeCreate?.(obj, ctx)) ?? NO_TRANSACTION)),
    beforeUpdate: (old, next, ctx) => beginAll(hooks.map((h) => async () => (await h.beforeUpdate?.(old, next, ctx)) ?? NO_TRANSACTION)),
    admitDelete: async (obj, options, ctx) => {
      for (const h of hooks) await h.admitDelete?.(obj, options, ctx);
    },
    afterDelete: async (obj) => {
      for (const h of hooks) await h.afterDelete?.(obj);
    },
  };
}
