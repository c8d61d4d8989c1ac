// The shapes the registry speaks: callers (the HTTP layer, later an in-process client) get
// objects together with their JSON bytes, so responses can be written without re-encoding.
import type { KubeObject } from '../../api/object.js';
import type { FieldMatcher } from '../../api/selectors/fields.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { UserInfo } from '../authn/user.js';
import type { ServedJson } from './encoding.js';

/** An object as served: parsed form and its exact JSON bytes (resourceVersion included). */
export interface StoredObject {
  obj: KubeObject;
  json: ServedJson;
  /** metadata.resourceVersion as a number (0 for dry-run results never stored). */
  rv: number;
}

export interface WriteContext {
  user: UserInfo;
  /** `dryRun=All`: validate and compute, never store. */
  dryRun: boolean;
  /** Recorded in managedFields; undefined skips tracking. */
  fieldManager: string | undefined;
  /** Appended to by the registry; the HTTP layer sends them as `Warning: 299 - "..."`. */
  warnings: string[];
}

/**
 * "" is the main resource. "internal" is a server-side write that may change any field
 * except identity (bindings): no status/spec separation and no update-only validation.
 */
export type WritableSubresource = '' | 'status' | 'finalize' | 'ephemeralcontainers' | 'internal';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchRequest {
  type: PatchType;
  /** Parsed JSON (or YAML for apply) body. */
  body: unknown;
  /** Server-side apply only. */
  force: boolean;
}

/** metav1.DeleteOptions, as far as the registry uses it. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type DeleteResult =
  /** Gone from storage; `obj` is its last state. */
  | { kind: 'deleted'; stored: StoredObject }
  /** Still present with a deletionTimestamp (finalizers or graceful deletion pending). */
  | { kind: 'pending'; stored: StoredObject };

export interface ListQuery {
  labels?: LabelMatcher;
  fields?: FieldMatcher;
  limit?: number;
  continueToken?: string;
  /** "" (most recent, consistent), "0" (any, from the watch cache) or a revision. */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan' | '';
}

export interface ListPage {
  items: StoredObject[];
  resourceVersion: number;
  continueToken?: string;
  remainingItemCount?: number;
}
