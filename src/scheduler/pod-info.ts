// PodInfo: a pod with everything the plugins would otherwise recompute per node — effective
// requests, host ports, compiled affinity terms. Built once when the pod enters the scheduler.
import type { Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject, type LabelMatcher } from '../api/selectors/labels.js';
import { podRequests, type Resources } from './resources.js';

export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither list nor selector is given). */
  readonly namespaces: ReadonlySet<string>;
  /** Also matches pods in namespaces whose labels match; undefined selects none. */
  readonly namespaceSelector: LabelMatcher | undefined;
  readonly selector: LabelMatcher;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/** Labels of a namespace by name; the scheduler keeps them for namespaceSelector terms. */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

export class PodInfo {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly priority: number;
  readonly requests: Resources;
  /** Requests with absent CPU/memory defaulted (100m/200Mi), for scoring only. */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  /** Why an affinity term could not be compiled; scheduling such a pod is an Error. */
  readonly parseErrors: readonly string[];

  constructor(readonly pod: Pod) {
    const meta = pod.metadata ?? {};
    this.namespace = meta.namespace ?? 'default';
    this.name = meta.name ?? '';
    this.key = podKey(pod);
    this.labels = meta.labels ?? {};
    this.priority = pod.spec?.priority ?? 0;
    this.requests = podRequests(pod.spec, { nonZero: false });
    const nonZero = podRequests(pod.spec, { nonZero: true });
    this.nonZeroMilliCPU = nonZero.milliCPU;
    this.nonZeroMemory = nonZero.memory;
    const ports: HostPort[] = [];
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      for (const p of c.ports ?? []) {
        if (p.hostPort && p.hostPort > 0) ports.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
      }
    }
    this.hostPorts = ports;
    const errors: string[] = [];
    const affinity = pod.spec?.affinity;
    const compile = (t: PodAffinityTerm): AffinityTerm | undefined => {
      try {
        return compileAffinityTerm(t, this.namespace);
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
        return undefined;
      }
    };
    const required = (terms: readonly PodAffinityTerm[] | undefined): AffinityTerm[] =>
      (terms ?? []).map(compile).filter((t): t is AffinityTerm => t !== undefined);
    const weighted = (terms: readonly { weight: number; podAffinityTerm: PodAffinityTerm }[] | undefined): WeightedAffinityTerm[] =>
      (terms ?? []).flatMap((w) => {
        const t = compile(w.podAffinityTerm);
        return t ? [{ ...t, weight: w.weight }] : [];
      });
    this.requiredAffinity = required(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredAntiAffinity = required(affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredAffinity = weighted(affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinity = weighted(affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.parseErrors = errors;
  }

  get nodeName(): string | undefined {
    return this.pod.spec?.nodeName || undefined;
  }

  get terminating(): boolean {
    return this.pod.metadata?.deletionTimestamp != null;
  }

  /** Has terms that score other pods (required/preferred affinity, preferred anti-affinity). */
  get scoresOthers(): boolean {
    return this.requiredAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length > 0;
  }

  /** Has any pod affinity or anti-affinity (kept in NodeInfo.podsWithAffinity). */
  get hasAffinity(): boolean {
    return (
      this.requiredAffinity.length + this.requiredAntiAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length > 0
    );
  }
}

/** The identity the scheduler keys pods by: the UID, or namespace/name when it has none. */
export function podKey(pod: Pod): string {
  return pod.metadata?.uid || `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

export function compileAffinityTerm(term: PodAffinityTerm, podNamespace: string): AffinityTerm {
  const listed = term.namespaces ?? [];
  const namespaces = new Set(listed);
  if (listed.length === 0 && !term.namespaceSelector) namespaces.add(podNamespace);
  return {
    namespaces,
    namespaceSelector: term.namespaceSelector ? labelSelectorFromObject(term.namespaceSelector) : undefined,
    // A nil label selector selects nothing, as LabelSelectorAsSelector(nil) does.
    selector: term.labelSelector ? labelSelectorFromObject(term.labelSelector) : NOTHING,
    topologyKey: term.topologyKey,
  };
}

const NOTHING: LabelMatcher = { matches: () => false, empty: false, toString: () => '<none>' };

/** AffinityTerm.Matches: the pod's namespace is selected and its labels match. */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: NamespaceLabels): boolean {
  if (!term.namespaces.has(pod.namespace)) {
    if (!term.namespaceSelector || !term.namespaceSelector.matches(nsLabels(pod.namespace))) return false;
  }
  return term.selector.matches(pod.labels);
}
