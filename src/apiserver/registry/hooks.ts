// Per-kind steps of a write that need storage beyond the object itself: admission of a new
// object (before validation), and allocating a Service's cluster IP and node ports (after
// defaults and validation, just before the object is stored, told whether the store happened).
import type { KubeObject } from '../../api/object.js';
import type { UserInfo } from '../authn/user.js';
import type { DeleteOptions } from './types.js';

/**
 * Who writes and through which URL: what admission that reports the request to others
 * (dynamic admission webhooks) needs beyond the object.
 */
export interface RequestAttributes {
  user: UserInfo;
  /**
   * The URL's subresource ("" for the resource itself); "internal" for a server-side write that
   * is no request of its own (a pod's binding).
   */
  subresource: string;
  /** The version the client wrote (the URL's); objects themselves are in the stored version. */
  version: string;
  fieldManager: string | undefined;
  /** Sent to the client as `Warning` headers. */
  warnings: string[];
}

export interface HookContext {
  /** Compute and check as for a real write, but change nothing in storage. */
  dryRun: boolean;
  /** Set by the registry for every write; absent in callers that only allocate. */
  request?: RequestAttributes;
}

/** What a hook reserved, settled once the storage write is known to have succeeded or failed. */
export interface HookTransaction {
  /** The object was stored: free what the old version held and the new one no longer does. */
  commit(): Promise<void>;
  /** The object was not stored: free what this write reserved. */
  revert(): Promise<void>;
}

export interface WriteHooks {
  /**
   * Admission of a new object (RuntimeClass for pods): runs after defaults and before
   * validation, as Kubernetes' admission sees the decoded, defaulted object. May change `obj`;
   * throws an ApiError to refuse it.
   */
  admitCreate?(obj: KubeObject, ctx: HookContext): Promise<void>;
  /** Mutating admission of an update, after defaults and before validation: may change `next` (not `old`). */
  admitUpdate?(old: KubeObject, next: KubeObject, ctx: HookContext): Promise<void>;
  /** May fill in `obj` (allocated values); throws an ApiError to refuse the write. */
  beforeCreate?(obj: KubeObject, ctx: HookContext): Promise<HookTransaction>;
  beforeUpdate?(old: KubeObject, next: KubeObject, ctx: HookContext): Promise<HookTransaction>;
  /** Admission of a delete request for `obj` (read-only), before anything changes; throws to refuse. */
  admitDelete?(obj: KubeObject, options: DeleteOptions, ctx: HookContext): Promise<void>;
  /** The object is gone from storage. */
  afterDelete?(obj: KubeObject): Promise<void>;
}

export const NO_TRANSACTION: HookTransaction = { commit: async () => undefined, revert: async () => undefined };
