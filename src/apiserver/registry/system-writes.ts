// Writes the API server makes itself (bootstrap objects, status it keeps): its own identity,
// and "create unless it exists", which start-up objects all need.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { SYSTEM_APISERVER } from '../authn/user.js';
import type { Registry } from './registry.js';
import type { WriteContext } from './types.js';

/** A fresh context (its warnings are per write) as `system:apiserver`; no managedFields without a manager. */
export function systemWriteContext(fieldManager: string | undefined): WriteContext {
  return { user: SYSTEM_APISERVER, dryRun: false, fieldManager, warnings: [] };
}

/** Creates `obj` unless an object of its name exists (an AlreadyExists answer is not an error). */
export async function createIfMissing(reg: Registry, namespace: string | undefined, obj: KubeObject, fieldManager: string | undefined): Promise<void> {
  try {
    await reg.create(namespace, obj, systemWriteContext(fieldManager));
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}
