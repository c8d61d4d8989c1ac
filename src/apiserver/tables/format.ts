// Cell formatting shared by the per-group printers: ages, label maps and selectors,
// container lists, and the "first N + k more..." lists Kubernetes' printers use.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';

/**
 * Kubernetes' short duration format (apimachinery `duration.HumanDuration`): exact seconds
 * below two minutes, then minutes (with seconds below ten minutes), hours (with minutes below
 * eight hours), days (with hours below eight days) and years (with days below eight years).
 * Up to a second in the future reads as "0s"; further in the future is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp; undefined when absent or unparsable. */
export function parseTime(ts: string | undefined | null): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** "5m" since `ts`, or "<unknown>" for a missing timestamp (translateTimestampSince). */
export function since(ts: string | undefined | null, now: number): string {
  const t = parseTime(ts);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

/** The AGE cell of any object. */
export function age(obj: KubeObject, now: number): string {
  return since(obj.metadata?.creationTimestamp, now);
}

/** `k1=v1,k2=v2` with keys sorted, or "<none>" (labels.FormatLabels). */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/** A metav1.LabelSelector as a string, "<none>" when it selects everything (FormatLabelSelector). */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  if (!selector) return '<none>';
  try {
    const text = labelSelectorFromObject(selector).toString();
    return text === '' ? '<none>' : text;
  } catch {
    return '<error>';
  }
}

/** Comma-joined container names and images, as the CONTAINERS and IMAGES columns show them. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** The first `max` items joined with ",", then " + N more...", or "<unset>" when empty. */
export function listWithMore(items: readonly string[], max: number, total = items.length): string {
  const shown = items.slice(0, max).join(',');
  if (total > max) return `${shown} + ${total - max} more...`;
  return shown === '' ? '<unset>' : shown;
}

/**
 * A typed view of a stored object. Stored objects passed validation for their kind, so the
 * kubernetes-types shape is what they hold; printers still treat every field as optional.
 */
export function view<T>(obj: KubeObject): T {
  return obj as unknown as T;
}

/** The Go `%v` of an IntOrString. */
export function intOrString(v: number | string | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

/** Go's strconv.FormatBool-style rendering used for *bool cells: "True"/"False"/"<unset>". */
export function boolPtr(v: boolean | undefined): string {
  return v === undefined ? '<unset>' : v ? 'True' : 'False';
}

/** `kind.group/name` in lower case (formatResourceName with kind). */
export function resourceName(apiVersion: string | undefined, kind: string, name: string): string {
  const slash = (apiVersion ?? '').indexOf('/');
  const group = slash < 0 ? '' : (apiVersion ?? '').slice(0, slash);
  const groupKind = group ? `${kind}.${group}` : kind;
  return groupKind ? `${groupKind.toLowerCase()}/${name}` : name;
}
