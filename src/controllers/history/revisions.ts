// ControllerRevisions of a StatefulSet or DaemonSet: one per distinct pod template, numbered in
// the order they were (last) current. The data is a strategic merge patch that replaces the
// template: `{"spec":{"template":{...,"$patch":"replace"}}}`.
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy, isPlainObject } from '../../api/object.js';
import { jsonEqual } from '../../api/validation/equal.js';
import { hashRevision, revisionName } from './hash.js';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

export interface RevisionParent {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: { template?: PodTemplateSpec };
}

/** Writes revisions; the controller binds these to its API client. */
export interface RevisionWriter {
  create(revision: ControllerRevision): Promise<ControllerRevision>;
  get(name: string): Promise<ControllerRevision>;
  update(revision: ControllerRevision): Promise<ControllerRevision>;
  delete(name: string): Promise<void>;
}

export function templatePatch(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...deepCopy(template ?? {}), $patch: 'replace' } } };
}

/** The pod template a revision records. */
export function templateOf(revision: ControllerRevision): PodTemplateSpec {
  const data = revision.data;
  const spec = isPlainObject(data) ? data['spec'] : undefined;
  const template = isPlainObject(spec) ? spec['template'] : undefined;
  if (!isPlainObject(template)) return {};
  const copy = deepCopy(template);
  delete copy['$patch'];
  return copy as PodTemplateSpec;
}

export function newRevision(parent: RevisionParent, revision: number, collisionCount: number): ControllerRevision {
  const data = templatePatch(parent.spec?.template);
  const hash = hashRevision(data, collisionCount);
  const owner: OwnerReference = {
    apiVersion: parent.apiVersion,
    kind: parent.kind,
    name: parent.metadata?.name ?? '',
    uid: parent.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(parent.metadata?.name ?? '', hash),
      namespace: parent.metadata?.namespace,
      labels: { ...(parent.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [owner],
    },
    data,
    revision,
  };
}

/** The hash part of a revision (its label, else what follows the last dash of its name). */
export function revisionHash(revision: ControllerRevision): string {
  return revision.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? (revision.metadata?.name ?? '').split('-').pop() ?? '';
}

export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => a.revision - b.revision || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

export interface RevisionState {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
  /** All revisions, sorted, including a newly created one. */
  revisions: ControllerRevision[];
}

/**
 * Finds or creates the revision of the parent's current template (the update revision) and the
 * revision named `currentRevisionName` (falling back to the update revision). An equal older
 * revision is renumbered to the newest rather than duplicated; a name taken by different data
 * is a hash collision and bumps collisionCount.
 */
export async function syncRevisions(
  parent: RevisionParent,
  owned: readonly ControllerRevision[],
  state: { currentRevisionName: string | undefined; collisionCount: number | undefined },
  writer: RevisionWriter,
): Promise<RevisionState> {
  let revisions = sortRevisions(owned);
  let collisionCount = state.collisionCount ?? 0;
  const nextNumber = (revisions.at(-1)?.revision ?? 0) + 1;
  const wanted = newRevision(parent, nextNumber, collisionCount);
  const equal = revisions.filter((r) => jsonEqual(r.data, wanted.data));
  let update: ControllerRevision;
  const latestEqual = equal.at(-1);
  if (latestEqual && latestEqual === revisions.at(-1)) {
    update = latestEqual;
  } else if (latestEqual) {
    update = await writer.update({ ...deepCopy(latestEqual), revision: nextNumber });
    revisions = sortRevisions(revisions.map((r) => (r === latestEqual ? update : r)));
  } else {
    for (;;) {
      const candidate = newRevision(parent, nextNumber, collisionCount);
      try {
        update = await writer.create(candidate);
        break;
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
        const existing = await writer.get(candidate.metadata?.name ?? '');
        if (jsonEqual(existing.data, candidate.data)) {
          update = existing;
          break;
        }
        collisionCount++;
      }
    }
    revisions = sortRevisions([...revisions.filter((r) => r.metadata?.name !== update.metadata?.name), update]);
  }
  const current = revisions.find((r) => r.metadata?.name === state.currentRevisionName) ?? update;
  return { current, update, collisionCount, revisions };
}

/**
 * Deletes the oldest revisions beyond `limit`, never one in `live` (names of the current and
 * update revisions and of revisions pods still run).
 */
export async function truncateHistory(revisions: readonly ControllerRevision[], live: ReadonlySet<string>, limit: number, writer: RevisionWriter): Promise<void> {
  const history = sortRevisions(revisions).filter((r) => !live.has(r.metadata?.name ?? ''));
  const excess = history.length - Math.max(0, limit);
  for (const r of history.slice(0, Math.max(0, excess))) {
    try {
      await writer.delete(r.metadata?.name ?? '');
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
}
