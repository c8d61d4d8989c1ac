// Scheduler configuration, shaped like kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration
// (the fields this scheduler honours), its defaults, and how a profile becomes a plugin set.
// Merge rules follow Kubernetes: the default profile is one multiPoint list; a profile's
// multiPoint.disabled removes defaults ('*' = all), multiPoint.enabled adds; plugins enabled at a
// specific extension point run before the multiPoint ones there and override their weight;
// a specific point's disabled list removes plugins from that point only.
import type { Handle, Plugin, PluginSet, ScorePluginEntry } from './framework.js';
import { PluginName } from './plugins/names.js';
import { balancedAllocation, type BalancedAllocationArgs } from './plugins/balancedallocation/balanced-allocation.js';
import { defaultBinder } from './plugins/defaultbinder/default-binder.js';
import { defaultPreemption, type DefaultPreemptionArgs } from './plugins/defaultpreemption/default-preemption.js';
import { imageLocality } from './plugins/imagelocality/image-locality.js';
import { interPodAffinity, type InterPodAffinityArgs } from './plugins/interpodaffinity/inter-pod-affinity.js';
import { nodeAffinity, type NodeAffinityArgs } from './plugins/nodeaffinity/node-affinity.js';
import { nodeName } from './plugins/nodename/node-name.js';
import { nodePorts } from './plugins/nodeports/node-ports.js';
import { volumeBinding } from './plugins/volumebinding/volume-binding.js';
import { volumeRestrictions } from './plugins/volumerestrictions/volume-restrictions.js';
import { nodeResourcesFit, type NodeResourcesFitArgs } from './plugins/noderesourcesfit/node-resources-fit.js';
import { nodeUnschedulable } from './plugins/nodeunschedulable/node-unschedulable.js';
import { podTopologySpread } from './plugins/podtopologyspread/pod-topology-spread.js';
import { prioritySort } from './plugins/queuesort/priority-sort.js';
import { schedulingGates } from './plugins/schedulinggates/scheduling-gates.js';
import { taintToleration } from './plugins/tainttoleration/taint-toleration.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSetConfig {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

export const EXTENSION_POINTS = [
  'queueSort',
  'preEnqueue',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

export type PluginsConfig = Partial<Record<ExtensionPoint | 'multiPoint', PluginSetConfig>>;

export interface ProfileConfig {
  schedulerName?: string;
  /** 0 or unset: the adaptive default (50 − nodes/125 %, at least 5 %). */
  percentageOfNodesToScore?: number;
  plugins?: PluginsConfig;
  /** Per-plugin arguments, e.g. `{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }`. */
  pluginConfig?: { name: string; args: unknown }[];
}

export interface SchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  profiles?: ProfileConfig[];
}

/** Builds a plugin for one profile from its (already defaulted-by-the-plugin) arguments. */
export type PluginFactory = (args: unknown, handle: Handle) => Plugin;

/** Plugin args arrive as untyped config; each factory reads only the fields it knows. */
function argsOf<T>(args: unknown): T {
  return (typeof args === 'object' && args !== null ? args : {}) as T;
}

export const IN_TREE_PLUGINS: Readonly<Record<string, PluginFactory>> = {
  [PluginName.PrioritySort]: () => prioritySort(),
  [PluginName.SchedulingGates]: () => schedulingGates(),
  [PluginName.NodeUnschedulable]: () => nodeUnschedulable(),
  [PluginName.NodeName]: () => nodeName(),
  [PluginName.TaintToleration]: () => taintToleration(),
  [PluginName.NodeAffinity]: (args) => nodeAffinity(argsOf<NodeAffinityArgs>(args)),
  [PluginName.NodePorts]: () => nodePorts(),
  [PluginName.VolumeRestrictions]: (_args, handle) => volumeRestrictions(handle),
  [PluginName.VolumeBinding]: (_args, handle) => volumeBinding(handle),
  [PluginName.NodeResourcesFit]: (args) => nodeResourcesFit(argsOf<NodeResourcesFitArgs>(args)),
  [PluginName.NodeResourcesBalancedAllocation]: (args) => balancedAllocation(argsOf<BalancedAllocationArgs>(args)),
  [PluginName.ImageLocality]: (_args, handle) => imageLocality(handle),
  [PluginName.PodTopologySpread]: (_args, handle) => podTopologySpread(handle),
  [PluginName.InterPodAffinity]: (args, handle) => interPodAffinity(handle, argsOf<InterPodAffinityArgs>(args)),
  [PluginName.DefaultPreemption]: (args, handle) => defaultPreemption(handle, argsOf<DefaultPreemptionArgs>(args)),
  [PluginName.DefaultBinder]: (_args, handle) => defaultBinder(handle),
};

/**
 * Kubernetes' default profile (v1.33): order and score weights. Of the volume plugins,
 * NodeVolumeLimits (CSI attach limits) and VolumeZone (zonal cloud disks) are not here: k8ts
 * has no CSI drivers or cloud disks for them to count.
 */
export const DEFAULT_MULTI_POINT: readonly PluginRef[] = [
  { name: PluginName.SchedulingGates },
  { name: PluginName.PrioritySort },
  { name: PluginName.NodeUnschedulable },
  { name: PluginName.NodeName },
  { name: PluginName.TaintToleration, weight: 3 },
  { name: PluginName.NodeAffinity, weight: 2 },
  { name: PluginName.NodePorts },
  { name: PluginName.NodeResourcesFit, weight: 1 },
  { name: PluginName.VolumeRestrictions },
  { name: PluginName.VolumeBinding },
  { name: PluginName.PodTopologySpread, weight: 2 },
  { name: PluginName.InterPodAffinity, weight: 2 },
  { name: PluginName.DefaultPreemption },
  { name: PluginName.NodeResourcesBalancedAllocation, weight: 1 },
  { name: PluginName.ImageLocality, weight: 1 },
  { name: PluginName.DefaultBinder },
];

export interface ResolvedConfiguration {
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  profiles: { schedulerName: string; percentageOfNodesToScore: number | undefined; plugins: PluginsConfig; args: Map<string, unknown> }[];
}

/** Fills defaults and rejects what cannot work (unknown names are checked when profiles are built). */
export function resolveConfiguration(cfg: SchedulerConfiguration = {}): ResolvedConfiguration {
  const initial = cfg.podInitialBackoffSeconds ?? 1;
  const max = cfg.podMaxBackoffSeconds ?? 10;
  if (initial <= 0) throw new Error('podInitialBackoffSeconds: must be greater than 0');
  if (max < initial) throw new Error('podMaxBackoffSeconds: must be greater than or equal to podInitialBackoffSeconds');
  const check = (p: number | undefined, field: string): void => {
    if (p !== undefined && (p < 0 || p > 100)) throw new Error(`${field}: not in valid range [0-100]`);
  };
  check(cfg.percentageOfNodesToScore, 'percentageOfNodesToScore');
  const profiles = (cfg.profiles && cfg.profiles.length > 0 ? cfg.profiles : [{}]).map((p, i) => {
    check(p.percentageOfNodesToScore, `profiles[${i}].percentageOfNodesToScore`);
    return {
      schedulerName: p.schedulerName ?? DEFAULT_SCHEDULER_NAME,
      percentageOfNodesToScore: p.percentageOfNodesToScore || cfg.percentageOfNodesToScore || undefined,
      plugins: p.plugins ?? {},
      args: new Map((p.pluginConfig ?? []).map((c) => [c.name, c.args])),
    };
  });
  const names = new Set<string>();
  for (const p of profiles) {
    if (names.has(p.schedulerName)) throw new Error(`profiles: duplicate schedulerName "${p.schedulerName}"`);
    names.add(p.schedulerName);
  }
  return { podInitialBackoffMs: initial * 1000, podMaxBackoffMs: max * 1000, profiles };
}

const HOOK: Record<ExtensionPoint, keyof Plugin> = {
  queueSort: 'less',
  preEnqueue: 'preEnqueue',
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
  postBind: 'postBind',
};

function disables(set: PluginSetConfig | undefined, name: string): boolean {
  return (set?.disabled ?? []).some((d) => d.name === '*' || d.name === name);
}

/** Instantiates a profile's plugins (one instance per plugin, shared by its extension points). */
export function buildPluginSet(
  plugins: PluginsConfig,
  args: ReadonlyMap<string, unknown>,
  handle: Handle,
  registry: Readonly<Record<string, PluginFactory>>,
): PluginSet {
  const multi: PluginRef[] = DEFAULT_MULTI_POINT.filter((p) => !disables(plugins.multiPoint, p.name));
  for (const e of plugins.multiPoint?.enabled ?? []) {
    const at = multi.findIndex((p) => p.name === e.name);
    if (at >= 0) multi[at] = { ...multi[at], ...e };
    else multi.push(e);
  }
  const instances = new Map<string, Plugin>();
  const instance = (name: string): Plugin => {
    let pl = instances.get(name);
    if (!pl) {
      const factory = registry[name];
      if (!factory) throw new Error(`plugin "${name}" does not exist`);
      pl = factory(args.get(name), handle);
      instances.set(name, pl);
    }
    return pl;
  };
  const at = (point: ExtensionPoint): PluginRef[] => {
    const specific = plugins[point];
    const out: PluginRef[] = [...(specific?.enabled ?? [])];
    for (const ref of multi) {
      if (out.some((o) => o.name === ref.name) || disables(specific, ref.name)) continue;
      if (instance(ref.name)[HOOK[point]] === undefined) continue;
      out.push(ref);
    }
    return out;
  };
  const list = (point: ExtensionPoint): Plugin[] => at(point).map((r) => instance(r.name));
  const defaultWeight = (name: string): number => DEFAULT_MULTI_POINT.find((p) => p.name === name)?.weight ?? 1;
  const score: ScorePluginEntry[] = at('score').map((r) => ({
    plugin: instance(r.name),
    weight: r.weight || multi.find((m) => m.name === r.name)?.weight || defaultWeight(r.name),
  }));
  const queueSorts = list('queueSort');
  const queueSort = queueSorts[0];
  if (!queueSort) throw new Error('a profile needs exactly one queueSort plugin');
  return {
    queueSort,
    preEnqueue: list('preEnqueue'),
    preFilter: list('preFilter'),
    filter: list('filter'),
    postFilter: list('postFilter'),
    preScore: list('preScore'),
    score,
    reserve: list('reserve'),
    permit: list('permit'),
    preBind: list('preBind'),
    bind: list('bind'),
    postBind: list('postBind'),
    all: [...instances.values()],
  };
}
