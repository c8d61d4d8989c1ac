// The "0/N nodes are available: …" message, built as kube-scheduler's FitError.Error() (v1.33):
// each node's reasons counted, "<count> <reason>" strings sorted as strings and joined with
// ", "; nodes without an explicit status count under the shared absent status. A preFilter
// rejection replaces the histogram; a postFilter message is appended.
import type { NodeToStatus } from './framework.js';

export interface FitErrorInput {
  numAllNodes: number;
  statuses: NodeToStatus;
  preFilterMsg?: string;
  postFilterMsg?: string;
}

export function fitErrorMessage(e: FitErrorInput): string {
  let msg = `0/${e.numAllNodes} nodes are available:`;
  if (e.preFilterMsg) msg += ` ${e.preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const s of e.statuses.map.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = e.numAllNodes - e.statuses.map.size;
    if (absent > 0) for (const r of e.statuses.absent.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    msg += ` ${parts.join(', ')}.`;
  }
  if (e.postFilterMsg) msg += ` ${e.postFilterMsg}.`;
  return msg;
}
