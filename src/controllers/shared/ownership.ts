// ControllerRef bookkeeping (Kubernetes' ControllerRefManager): an object has at most one owner
// reference with `controller: true`; a controller adopts matching orphans, releases objects it
// owns that stopped matching, and leaves objects of other controllers alone. The loop over the
// candidates (and what it does with errors) is the caller's; the rules and the patches are here.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../../api/errors.js';
import { parseApiVersion } from '../../api/object.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { ObjectLike } from '../../client/client.js';
import type { ResourceClient } from '../../client/resource-client.js';

/** What a controller reference names besides the owner itself. */
export interface OwnerKind {
  apiVersion: string;
  kind: string;
}

export function controllerRefOf(obj: ObjectLike): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The reference an owner puts on what it creates or adopts; it blocks the owner's foreground deletion. */
export function newControllerRef(kind: OwnerKind, owner: ObjectLike): OwnerReference {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * The queue key (`namespace/name`) of the controller of `obj` when it is a `kind` of API group
 * `group`; undefined otherwise. The uid is not checked: the sync reads the owner by key.
 */
export function controllerKeyOf(obj: ObjectLike, owner: { group: string; kind: string }): string | undefined {
  const ref = controllerRefOf(obj);
  if (!ref || ref.kind !== owner.kind || parseApiVersion(ref.apiVersion).group !== owner.group) return undefined;
  return `${obj.metadata?.namespace ?? ''}/${ref.name}`;
}

/** What claiming does with one candidate. */
export type ClaimAction = 'owned' | 'release' | 'adopt' | 'ignore';

/**
 * Kubernetes' ClaimObject rules: an object controlled by `owner` stays if the selector matches
 * and is released otherwise (not while the owner is being deleted); an orphan in the owner's
 * namespace is adopted when it matches and neither it nor the owner is being deleted.
 */
export function claimAction(obj: ObjectLike, owner: ObjectLike, selector: LabelMatcher): ClaimAction {
  const ref = controllerRefOf(obj);
  const matches = selector.matches(obj.metadata?.labels);
  const ownerDeleting = Boolean(owner.metadata?.deletionTimestamp);
  if (ref) {
    if (ref.uid !== (owner.metadata?.uid ?? '')) return 'ignore';
    if (matches) return 'owned';
    return ownerDeleting ? 'ignore' : 'release';
  }
  if (ownerDeleting || !matches || obj.metadata?.deletionTimestamp) return 'ignore';
  if (obj.metadata?.namespace !== owner.metadata?.namespace) return 'ignore';
  return 'adopt';
}

/**
 * Strategic merge patches of ownerReferences (a list merged by uid), as Kubernetes sends them;
 * metadata.uid makes them apply to this very object only. Each resolves to the patched object,
 * or undefined when the object is gone; other errors propagate.
 */
export function adopt<T extends ObjectLike>(client: ResourceClient<T>, obj: T, ref: OwnerReference): Promise<T | undefined> {
  return patchOwnerReferences(client, obj, [ref]);
}

export function release<T extends ObjectLike>(client: ResourceClient<T>, obj: T, owner: ObjectLike): Promise<T | undefined> {
  return patchOwnerReferences(client, obj, [{ $patch: 'delete', uid: owner.metadata?.uid ?? '' }]);
}

async function patchOwnerReferences<T extends ObjectLike>(client: ResourceClient<T>, obj: T, ownerReferences: unknown[]): Promise<T | undefined> {
  try {
    return await client.patch(obj.metadata?.name ?? '', 'strategic', { metadata: { ownerReferences, uid: obj.metadata?.uid } });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

/**
 * Kubernetes' RecheckDeletionTimestamp, asked once before the first adoption: a fresh read of
 * the owner through `client` (its namespace), failing when it is gone, replaced or being
 * deleted — the cache may not know yet.
 */
export async function recheckOwner<T extends ObjectLike>(client: ResourceClient<T>, owner: T): Promise<void> {
  const m = owner.metadata ?? {};
  const fresh = await client.get(m.name ?? '');
  if (fresh.metadata?.uid !== m.uid) throw new Error(`original ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${m.uid}`);
  if (fresh.metadata?.deletionTimestamp) throw new Error(`${m.namespace}/${m.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}

/** What claiming does to an object through the API; each resolves to undefined when it is gone. */
export interface ClaimWrites<T> {
  adopt(obj: T): Promise<T | undefined>;
  release(obj: T): Promise<unknown>;
  /** Asked once, before the first adoption; throws when the owner is gone or being deleted. */
  canAdopt(): Promise<void>;
}

/**
 * Kubernetes' ClaimObjects over `candidates` (owned or orphaned): every candidate at once; an
 * error does not stop the others, the first one is thrown after. Returns what belongs to the
 * owner afterwards (an adopted object as the adoption returned it).
 */
export async function claimObjects<T extends ObjectLike>(candidates: readonly T[], owner: ObjectLike, selector: LabelMatcher, writes: ClaimWrites<T>): Promise<T[]> {
  let adoptionChecked: Promise<void> | undefined;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  await Promise.all(
    candidates.map(async (obj) => {
      try {
        switch (claimAction(obj, owner, selector)) {
          case 'owned':
            claimed.push(obj);
            return;
          case 'release':
            await writes.release(obj);
            return;
          case 'adopt': {
            adoptionChecked ??= writes.canAdopt();
            await adoptionChecked;
            const adopted = await writes.adopt(obj);
            if (adopted) claimed.push(adopted);
            return;
          }
          case 'ignore':
            return;
        }
      } catch (err) {
        errors.push(err);
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
  return claimed;
}
