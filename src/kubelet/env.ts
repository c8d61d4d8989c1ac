// A container's environment as Kubernetes builds it: envFrom first (prefixed, invalid names
// skipped), then env in order with `$(VAR)` expansion against what is already defined ("$$" is
// a literal "$"); command and args expanded the same way. A missing non-optional reference is
// a CreateContainerConfigError with Kubernetes' message.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { NodeCapacity } from './config.js';
import { podFieldValue, resourceFieldValue, type PodNetwork } from './downward.js';
import type { ConfigObjects } from './objects.js';
import type { KeyValue } from './runtime/runtime.js';

export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** Relaxed environment variable names (Kubernetes 1.32+): printable ASCII except '='. */
const ENV_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;

/** Expands `$(NAME)` from `lookup`; unknown references stay as written; `$$` → `$`. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = close;
    } else {
      out += `$${next}`;
      i++;
    }
  }
  return out;
}

function decodeSecret(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

export interface EnvInputs {
  pod: Pod;
  container: Container;
  objects: ConfigObjects;
  network: PodNetwork;
  node: NodeCapacity;
  /**
   * Service environment variables (service-env.ts): `$(VAR)` references may use them, and they
   * are added after the container's own variables unless one of those has the same name.
   */
  serviceEnv?: KeyValue[];
  /** Told about envFrom keys that are not valid variable names (Kubernetes emits an event). */
  onInvalidKeys?(keys: string[], source: string): void;
}

export async function containerEnv(i: EnvInputs): Promise<KeyValue[]> {
  const ns = i.pod.metadata?.namespace ?? 'default';
  const vars = new Map<string, string>();
  for (const from of i.container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> = {};
    let source = '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = await i.objects.get('configmaps', ns, name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      data = cm.data ?? {};
      source = `${ns}/${name}`;
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = await i.objects.get('secrets', ns, name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, decodeSecret(v)]));
      source = `${ns}/${name}`;
    }
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      const name = prefix + k;
      if (!ENV_NAME.test(name)) invalid.push(k);
      else vars.set(name, v);
    }
    if (invalid.length > 0) i.onInvalidKeys?.(invalid.sort(), source);
  }
  const services = new Map((i.serviceEnv ?? []).map((e) => [e.name, e.value]));
  for (const e of i.container.env ?? []) {
    const v = await envValue(i, ns, e, (n) => vars.get(n) ?? services.get(n));
    if (v !== undefined) vars.set(e.name, v);
  }
  for (const [name, value] of services) if (!vars.has(name)) vars.set(name, value);
  return [...vars].map(([name, value]) => ({ name, value }));
}

async function envValue(i: EnvInputs, ns: string, e: NonNullable<Container['env']>[number], lookup: (n: string) => string | undefined): Promise<string | undefined> {
  const from = e.valueFrom;
  if (!from) return expand(e.value ?? '', lookup);
  if (from.fieldRef) {
    const r = podFieldValue(i.pod, from.fieldRef.fieldPath, i.network);
    if (!r.ok) throw new ContainerConfigError(r.message);
    return r.value;
  }
  if (from.resourceFieldRef) {
    const r = resourceFieldValue(i.pod, i.container.name, from.resourceFieldRef, i.node);
    if (!r.ok) throw new ContainerConfigError(r.message);
    return r.value;
  }
  if (from.configMapKeyRef) {
    const { name = '', key, optional } = from.configMapKeyRef;
    const cm = await i.objects.get('configmaps', ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[key] ?? (cm.binaryData?.[key] !== undefined ? decodeSecret(cm.binaryData[key]) : undefined);
    if (v === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    }
    return v;
  }
  if (from.secretKeyRef) {
    const { name = '', key, optional } = from.secretKeyRef;
    const s = await i.objects.get('secrets', ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const v = s.data?.[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    }
    return decodeSecret(v);
  }
  return undefined;
}

/** Command and args with `$(VAR)` references expanded from the final environment. */
export function expandCommand(container: Container, env: KeyValue[]): { command: string[]; args: string[] } {
  const m = new Map(env.map((e) => [e.name, e.value]));
  const lookup = (n: string): string | undefined => m.get(n);
  return { command: (container.command ?? []).map((s) => expand(s, lookup)), args: (container.args ?? []).map((s) => expand(s, lookup)) };
}
