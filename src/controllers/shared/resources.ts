// Resources of the built-in table that a controller watches or writes. Looked up once at module
// load: a missing entry is a programming error, so it fails loudly and early.
import { findResource, type ResourceInfo } from '../../api/resources.js';

export function requireResource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`resource ${plural}.${group}/${version} missing from the resource table`);
  return r;
}
