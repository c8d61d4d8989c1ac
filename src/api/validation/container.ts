// One container of a pod spec: name, image, ports, env, mounts, probes, lifecycle and
// resources, as ValidatePodSpec checks each container in Kubernetes v1.33.
import type {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  Lifecycle,
  LifecycleHandler,
  Probe,
  ResourceRequirements,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { isPlainObject } from '../object.js';
import { duplicate, forbidden, invalid, key, nonNegative, notFound, notSupported, required } from './field.js';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isValidPortName, isValidPortNum } from './names.js';
import { isQualifiedName } from './names.js';
import { parseQuantityExact, formatExactQuantity, quantityText, QUANTITY_SYNTAX_ERROR } from './quantity.js';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

export type ContainerKind = 'container' | 'initContainer';

export interface ContainerContext {
  kind: ContainerKind;
  /** Names of the pod's volumes, for volumeMounts[*].name. */
  volumes: ReadonlySet<string>;
}

/** The items of a list field; a missing list, or null items in it, count as nothing. */
export function list<T>(v: T[] | undefined | null): T[] {
  return Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined) : [];
}

export function validateContainer(c: Container, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.image) errs.push(required(`${path}.image`));
  else if (c.image.trim() !== c.image) errs.push(invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  errs.push(...validateLifecycle(c.lifecycle, `${path}.lifecycle`));
  const sidecar = ctx.kind === 'initContainer' && c.restartPolicy === 'Always';
  if (ctx.kind === 'container' && c.restartPolicy !== undefined) {
    errs.push(forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
  } else if (ctx.kind === 'initContainer' && c.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
    errs.push(notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
  }
  if (ctx.kind === 'initContainer' && !sidecar) {
    for (const probe of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const)
      if (c[probe]) errs.push(forbidden(`${path}.${probe}`, 'may not be set for init containers without restartPolicy=Always'));
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, { mustSucceedOnce: true }));
    errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, { mustSucceedOnce: false }));
    errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, { mustSucceedOnce: true }));
  }
  if (!c.terminationMessagePolicy) errs.push(required(`${path}.terminationMessagePolicy`));
  else if (!['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy))
    errs.push(notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']));
  if (!c.imagePullPolicy) errs.push(required(`${path}.imagePullPolicy`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy))
    errs.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateContainerPorts(list(c.ports), `${path}.ports`));
  errs.push(...validateEnv(list(c.env), `${path}.env`));
  errs.push(...validateEnvFrom(list(c.envFrom), `${path}.envFrom`));
  errs.push(...validateVolumeMounts(list(c.volumeMounts), `${path}.volumeMounts`, ctx.volumes));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  return errs;
}

function validateContainerPorts(ports: ContainerPort[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `${path}[${i}]`;
    if (p.name) {
      for (const msg of isValidPortName(p.name)) errs.push(invalid(`${pp}.name`, p.name, msg));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    if (!p.containerPort) errs.push(required(`${pp}.containerPort`));
    else for (const msg of isValidPortNum(p.containerPort)) errs.push(invalid(`${pp}.containerPort`, p.containerPort, msg));
    if (p.hostPort) for (const msg of isValidPortNum(p.hostPort)) errs.push(invalid(`${pp}.hostPort`, p.hostPort, msg));
    if (!p.protocol) errs.push(required(`${pp}.protocol`));
    else if (!(PROTOCOLS as readonly string[]).includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

const fieldRefPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];

function validateEnv(env: EnvVar[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((ev, i) => {
    const p = `${path}[${i}]`;
    if (!ev.name) errs.push(required(`${p}.name`));
    else for (const msg of isEnvVarName(ev.name)) errs.push(invalid(`${p}.name`, ev.name, msg));
    if (!ev.valueFrom) return;
    const vp = `${p}.valueFrom`;
    const vf = ev.valueFrom;
    const sources = [vf.fieldRef, vf.resourceFieldRef, vf.configMapKeyRef, vf.secretKeyRef].filter((s) => s !== undefined && s !== null);
    if (vf.fieldRef) {
      const fp = vf.fieldRef.fieldPath;
      if (!fp) errs.push(required(`${vp}.fieldRef.fieldPath`));
      else if (!fieldRefPaths.includes(fp) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp))
        errs.push(notSupported(`${vp}.fieldRef.fieldPath`, fp, fieldRefPaths));
    }
    if (vf.resourceFieldRef && !vf.resourceFieldRef.resource) errs.push(required(`${vp}.resourceFieldRef.resource`));
    for (const [name, ref] of [
      ['configMapKeyRef', vf.configMapKeyRef],
      ['secretKeyRef', vf.secretKeyRef],
    ] as const) {
      if (!ref) continue;
      if (!ref.name) errs.push(required(`${vp}.${name}.name`));
      if (!ref.key) errs.push(required(`${vp}.${name}.key`));
      else for (const msg of isConfigMapKey(ref.key)) errs.push(invalid(`${vp}.${name}.key`, ref.key, msg));
    }
    if (ev.value) errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
    if (sources.length === 0)
      errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (sources.length > 1) errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: EnvFromSource[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  envFrom.forEach((ef, i) => {
    const p = `${path}[${i}]`;
    if (ef.prefix) for (const msg of isEnvVarName(ef.prefix)) errs.push(invalid(`${p}.prefix`, ef.prefix, msg));
    const refs = [ef.configMapRef, ef.secretRef].filter((r) => r !== undefined && r !== null);
    if (ef.configMapRef) {
      if (!ef.configMapRef.name) errs.push(required(`${p}.configMapRef.name`));
      else for (const msg of isDNS1123Subdomain(ef.configMapRef.name)) errs.push(invalid(`${p}.configMapRef.name`, ef.configMapRef.name, msg));
    }
    if (ef.secretRef) {
      if (!ef.secretRef.name) errs.push(required(`${p}.secretRef.name`));
      else for (const msg of isDNS1123Subdomain(ef.secretRef.name)) errs.push(invalid(`${p}.secretRef.name`, ef.secretRef.name, msg));
    }
    if (refs.length === 0) errs.push(invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (refs.length > 1) errs.push(invalid(p, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

/** A relative path without `..` segments (subPath, item paths). */
export function validateLocalDescendingPath(v: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (v.startsWith('/')) errs.push(invalid(path, v, 'must be a relative path'));
  if (v.split('/').includes('..')) errs.push(invalid(path, v, "must not contain '..'"));
  return errs;
}

function validateVolumeMounts(mounts: VolumeMount[], path: string, volumes: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  mounts.forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!m.name) errs.push(required(`${p}.name`));
    else if (!volumes.has(m.name)) errs.push(notFound(`${p}.name`, m.name));
    if (!m.mountPath) errs.push(required(`${p}.mountPath`));
    else if (mountPaths.has(m.mountPath)) errs.push(invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
    if (m.mountPath) mountPaths.add(m.mountPath);
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, `${p}.subPath`));
    if (m.subPath && m.subPathExpr) errs.push(invalid(`${p}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
    if (m.mountPropagation && !['None', 'HostToContainer', 'Bidirectional'].includes(m.mountPropagation))
      errs.push(notSupported(`${p}.mountPropagation`, m.mountPropagation, ['Bidirectional', 'HostToContainer', 'None']));
  });
  return errs;
}

interface ProbeRules {
  /** Liveness and startup probes must have successThreshold 1. */
  mustSucceedOnce: boolean;
}

export function validateProbe(probe: Probe | undefined, path: string, rules: ProbeRules): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const)
    errs.push(...nonNegative(`${path}.${f}`, probe[f]));
  if (probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds <= 0)
    errs.push(invalid(`${path}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  if (rules.mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1)
    errs.push(invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  return errs;
}

type Handler = Pick<Probe, 'exec' | 'httpGet' | 'tcpSocket' | 'grpc'> & Pick<LifecycleHandler, 'sleep'>;

/** Exactly one handler: exec, httpGet, tcpSocket, grpc (probes) or sleep (lifecycle hooks). */
function validateHandler(h: Handler, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  const more = (name: string): boolean => {
    count++;
    if (count > 1) {
      errs.push(forbidden(`${path}.${name}`, 'may not specify more than 1 handler type'));
      return false;
    }
    return true;
  };
  if (h.exec && more('exec') && list(h.exec.command).length === 0) errs.push(required(`${path}.exec.command`));
  if (h.httpGet && more('httpGet')) {
    const g = h.httpGet;
    if (!g.path) errs.push(required(`${path}.httpGet.path`));
    errs.push(...validatePortNumOrName(g.port, `${path}.httpGet.port`));
    if (g.scheme !== undefined && g.scheme !== 'HTTP' && g.scheme !== 'HTTPS')
      errs.push(notSupported(`${path}.httpGet.scheme`, g.scheme, ['HTTP', 'HTTPS']));
    list(g.httpHeaders).forEach((hh, i) => {
      if (!/^[-A-Za-z0-9]+$/.test(hh.name ?? ''))
        errs.push(
          invalid(
            `${path}.httpGet.httpHeaders[${i}].name`,
            hh.name ?? '',
            "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')",
          ),
        );
    });
  }
  if (h.tcpSocket && more('tcpSocket')) errs.push(...validatePortNumOrName(h.tcpSocket.port, `${path}.tcpSocket.port`));
  if (h.grpc && more('grpc')) for (const msg of isValidPortNum(h.grpc.port)) errs.push(invalid(`${path}.grpc.port`, h.grpc.port, msg));
  if (h.sleep && more('sleep')) {
    if (typeof h.sleep.seconds !== 'number' || h.sleep.seconds < 0)
      errs.push(invalid(`${path}.sleep.seconds`, h.sleep.seconds ?? 0, 'must be greater than or equal to 0'));
  }
  if (count === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function validateLifecycle(lc: Lifecycle | undefined, path: string): FieldError[] {
  if (!lc) return [];
  const errs: FieldError[] = [];
  if (lc.postStart) errs.push(...validateHandler(lc.postStart, `${path}.postStart`));
  if (lc.preStop) errs.push(...validateHandler(lc.preStop, `${path}.preStop`));
  return errs;
}

/** A port given as a number (1-65535) or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(path, port, m));
  if (typeof port === 'string') {
    if (port === '') return [required(path)];
    return isValidPortName(port).map((m) => invalid(path, port, m));
  }
  return [required(path)];
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** Names allowed in a container's requests/limits. */
export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !name.startsWith('hugepages-'))
      return [invalid(path, name, 'must be a standard resource for containers')];
  } else if (!isNativeResource(name) && name.startsWith('requests.')) {
    return [invalid(path, name, "doesn't follow extended resource name standard")];
  }
  return [];
}

export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Overcommit is not allowed for extended resources (anything with a domain but not kubernetes.io). */
function isExtendedResource(name: string): boolean {
  return !isNativeResource(name);
}

export function validateResources(res: ResourceRequirements | undefined, path: string): FieldError[] {
  if (!res) return [];
  const errs: FieldError[] = [];
  const limits = readQuantities(res.limits, `${path}.limits`, errs);
  const requests = readQuantities(res.requests, `${path}.requests`, errs);
  for (const [name] of limits) errs.push(...validateContainerResourceName(name, key(`${path}.limits`, name)));
  for (const [name, req] of requests) {
    const p = key(`${path}.requests`, name);
    errs.push(...validateContainerResourceName(name, p));
    const lim = limits.get(name);
    if (isExtendedResource(name) || name.startsWith('hugepages-')) {
      if (!lim) {
        if (isExtendedResource(name)) errs.push(required(key(`${path}.limits`, name), 'Limit must be set for non overcommitable resources'));
      } else if (lim.nanos !== req.nanos) {
        errs.push(invalid(p, formatExactQuantity(req), `must be equal to ${name} limit of ${formatExactQuantity(lim)}`));
      }
    } else if (lim && req.nanos > lim.nanos) {
      errs.push(invalid(p, formatExactQuantity(req), `must be less than or equal to ${name} limit of ${formatExactQuantity(lim)}`));
    }
  }
  return errs;
}

type Exact = NonNullable<ReturnType<typeof parseQuantityExact>>;

/** Parses a resource list, reporting syntax errors and negative values. */
export function readQuantities(list: unknown, path: string, errs: FieldError[]): Map<string, Exact> {
  const out = new Map<string, Exact>();
  if (!isPlainObject(list)) return out;
  for (const [name, raw] of Object.entries(list)) {
    const text = quantityText(raw);
    const q = text === undefined ? undefined : parseQuantityExact(text);
    if (!q) {
      errs.push(invalid(key(path, name), raw, QUANTITY_SYNTAX_ERROR));
      continue;
    }
    if (q.nanos < 0n) errs.push(invalid(key(path, name), formatExactQuantity(q), 'must be greater than or equal to 0'));
    out.set(name, q);
  }
  return out;
}

export function validateContainerNames(
  containers: readonly { name?: string }[],
  path: string,
  seen: Set<string>,
): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    const p = `${path}[${i}].name`;
    if (!c.name) errs.push(required(p));
    else {
      for (const msg of isDNS1123Label(c.name)) errs.push(invalid(p, c.name, msg));
      if (seen.has(c.name)) errs.push(duplicate(p, c.name));
      seen.add(c.name);
    }
  });
  return errs;
}

