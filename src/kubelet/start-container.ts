// Starting one container, step by step as Kubernetes' kuberuntime does — pull the image per
// policy (with image pull back-off), build env and mounts, create, start, run postStart — each
// failure leaving the waiting reason the pod status shows (ErrImagePull, ImagePullBackOff,
// CreateContainerConfigError, RunContainerError) and the events `kubectl describe` lists.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeletContext, PodRecord } from './context.js';
import { runtimeCall } from './creating-status.js';
import { ContainerConfigError, containerEnv, expand, expandCommand } from './env.js';
import { killContainer, runHook } from './lifecycle.js';
import { allocatable, containerLimits, containerRequests } from './resources.js';
import { ANNOTATION_CONTAINER_HASH, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, containerHash } from './runtime-state.js';
import { ImagePullError, type ContainerConfig, type ImageInfo, type KeyValue, type SandboxConfig, type SandboxStatus } from './runtime/runtime.js';
import { podDnsConfig } from './dns-config.js';
import { pullForPod } from './pull-secrets.js';
import { serviceEnv } from './service-env.js';
import { containerSecurity, needsImageUser, podSysctls, runAsNonRootViolation, sandboxSecurity } from './security-context.js';
import { MountError } from './volumes/projections.js';
import { terminationMessageFor } from './termination-message.js';

export type StartResult = { ok: true; id: string } | { ok: false; retryAtMs?: number };

/** Go's time.Duration text for a measured time: "52ms", "1.204s". */
function goDuration(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

export function podNetwork(ctx: KubeletContext, sandbox: SandboxStatus | undefined): { hostIP: string; podIP: string } {
  return { hostIP: ctx.hostIP, podIP: sandbox?.ip || ctx.hostIP };
}

async function ensureImage(ctx: KubeletContext, rec: PodRecord, c: Container): Promise<{ ok: true; ref: string } | { ok: false; retryAtMs?: number }> {
  const pod = rec.pod;
  const image = c.image ?? '';
  const policy = c.imagePullPolicy ?? (image.endsWith(':latest') || !/:[^/]+$/.test(image) ? 'Always' : 'IfNotPresent');
  const rt = ctx.cfg.runtime;
  if (policy !== 'Always') {
    const present = await rt.imageStatus(image);
    if (present) {
      ctx.events.podEvent(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return { ok: true, ref: present.ref };
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      rec.waiting.set(c.name, { reason: 'ErrImageNeverPull', message });
      ctx.events.podEvent(pod, 'Warning', 'ErrImageNeverPull', message);
      return { ok: false };
    }
  }
  const key = `${rec.uid}/pull/${image}`;
  const now = ctx.cfg.clock.now();
  const lastFailure = rec.pullFailures.get(image);
  if (lastFailure !== undefined) {
    const w = ctx.pullBackoff.check(key, lastFailure, now);
    if (w.wait) {
      const message = `Back-off pulling image "${image}"`;
      rec.waiting.set(c.name, { reason: 'ImagePullBackOff', message });
      ctx.events.podEvent(pod, 'Normal', 'BackOff', message);
      return { ok: false, retryAtMs: w.untilMs };
    }
  }
  ctx.events.podEvent(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
  const started = ctx.cfg.clock.now();
  try {
    const ref = await runtimeCall(rec, pullForPod(rt, (ns, name) => ctx.objects.get('secrets', ns, name), pod, image));
    const took = goDuration(ctx.cfg.clock.now() - started);
    const size = (await rt.imageStatus(image).catch(() => undefined))?.sizeBytes ?? 0;
    rec.pullFailures.delete(image);
    ctx.events.podEvent(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`);
    return { ok: true, ref };
  } catch (err) {
    const reason = err instanceof ImagePullError ? err.reason : 'ErrImagePull';
    const msg = err instanceof Error ? err.message : String(err);
    const failedAt = ctx.cfg.clock.now();
    rec.pullFailures.set(image, failedAt);
    ctx.pullBackoff.next(key, failedAt);
    rec.waiting.set(c.name, { reason, message: msg });
    ctx.events.podEvent(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
    ctx.events.podEvent(pod, 'Warning', 'Failed', `Error: ${reason}`);
    return { ok: false, retryAtMs: failedAt + ctx.cfg.crashLoopBackOff.initialMs };
  }
}

/** Kubernetes refuses to start containers before it has seen the Services once. */
function podServiceEnv(ctx: KubeletContext, pod: Pod): KeyValue[] {
  const lister = ctx.cfg.services;
  if (!lister) return [];
  if (!lister.hasSynced()) throw new ContainerConfigError('services have not yet been read at least once, cannot construct envvars');
  return serviceEnv(pod, lister.list());
}

export function sandboxConfig(ctx: KubeletContext, pod: Pod, attempt: number): SandboxConfig {
  const md = pod.metadata ?? {};
  const uid = md.uid ?? '';
  const portMappings: SandboxConfig['portMappings'] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) portMappings.push({ protocol: p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP', containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP });
    }
  }
  const sysctls = podSysctls(pod);
  return {
    name: md.name ?? '',
    namespace: md.namespace ?? 'default',
    uid,
    attempt,
    hostname: pod.spec?.hostname || (md.name ?? ''),
    logDirectory: join(ctx.cfg.rootDir, 'logs', `${md.namespace ?? 'default'}_${md.name ?? ''}_${uid}`),
    dns: podDnsConfig(pod, ctx.cfg.clusterDns),
    portMappings,
    hostNetwork: pod.spec?.hostNetwork === true,
    ...(pod.spec?.shareProcessNamespace === true ? { shareProcessNamespace: true } : {}),
    hostAliases: (pod.spec?.hostAliases ?? []).map((a) => ({ ip: a.ip ?? '', hostnames: a.hostnames ?? [] })),
    ...(pod.spec?.subdomain ? { hostDomain: `${pod.spec.subdomain}.${md.namespace ?? 'default'}.svc.${ctx.cfg.clusterDns.domain}` } : {}),
    labels: { ...md.labels, [LABEL_POD_UID]: uid, [LABEL_POD_NAME]: md.name ?? '', [LABEL_POD_NAMESPACE]: md.namespace ?? '' },
    annotations: { ...md.annotations },
    cgroupParent: `/k8ts/pod${uid}`,
    security: sandboxSecurity(pod, seccompDir(ctx)),
    ...(sysctls ? { sysctls } : {}),
  };
}

/** Where Localhost seccomp profiles live, as the kubelet's `<root-dir>/seccomp`. */
function seccompDir(ctx: KubeletContext): string {
  return join(ctx.cfg.rootDir, 'seccomp');
}

/** The image's user, read only when runAsNonRoot must be checked against it (no runAsUser). */
async function imageUserOf(ctx: KubeletContext, pod: Pod, c: Container): Promise<ImageInfo | undefined> {
  return needsImageUser(pod, c) ? ctx.cfg.runtime.imageStatus(c.image ?? '') : undefined;
}

/** `pidNamespaceOf`: a running container whose PID namespace the new one joins (ephemeral containers' target). */
export async function startContainer(ctx: KubeletContext, rec: PodRecord, sandbox: SandboxStatus, c: Container, attempt: number, pidNamespaceOf?: string): Promise<StartResult> {
  const pod = rec.pod;
  const image = await ensureImage(ctx, rec, c);
  if (!image.ok) return { ok: false, retryAtMs: image.retryAtMs };
  const net = podNetwork(ctx, sandbox);
  let config: ContainerConfig;
  try {
    const nonRoot = runAsNonRootViolation(pod, c, await imageUserOf(ctx, pod, c));
    if (nonRoot) throw new ContainerConfigError(nonRoot);
    const env = await containerEnv({
      pod,
      container: c,
      serviceEnv: podServiceEnv(ctx, pod),
      objects: ctx.objects,
      network: net,
      // Unset limits read as the node's allocatable, as Kubernetes' downward API has them.
      node: allocatable(ctx.cfg.capacity),
      onInvalidKeys: (keys, source) =>
        ctx.events.podEvent(pod, 'Warning', 'InvalidEnvironmentVariableNames', `Keys [${keys.join(', ')}] from the EnvFrom configMap ${source} were skipped since they are considered invalid environment variable names.`),
    });
    const envMap = new Map(env.map((e) => [e.name, e.value]));
    const mounts = await ctx.volumes.mounts(pod, c, (s) => expand(s, (n) => envMap.get(n)));
    const termination = await terminationMessageFor(ctx, pod, c, attempt, mounts);
    const { command, args } = expandCommand(c, env);
    const req = containerRequests(c.resources);
    const lim = containerLimits(c.resources);
    config = {
      name: c.name,
      attempt,
      image: c.image ?? '',
      imageRef: image.ref,
      command,
      args,
      workingDir: c.workingDir,
      env,
      mounts: [...mounts, ...termination.mounts],
      logPath: `${c.name}/${attempt}.log`,
      stdin: c.stdin === true,
      stdinOnce: c.stdinOnce === true,
      tty: c.tty === true,
      labels: { [LABEL_CONTAINER_NAME]: c.name, [LABEL_POD_UID]: rec.uid, [LABEL_POD_NAME]: pod.metadata?.name ?? '', [LABEL_POD_NAMESPACE]: pod.metadata?.namespace ?? '' },
      annotations: { [ANNOTATION_CONTAINER_HASH]: containerHash(c), 'io.kubernetes.container.restartCount': String(attempt), ...termination.annotations },
      resources: { cpuRequestMilli: req.milliCpu || undefined, cpuLimitMilli: lim.milliCpu, memoryRequestBytes: req.memory || undefined, memoryLimitBytes: lim.memory },
      security: containerSecurity(pod, c, seccompDir(ctx)),
      ...(pidNamespaceOf ? { pidNamespaceOf } : {}),
    };
  } catch (err) {
    if (err instanceof ContainerConfigError || err instanceof MountError) {
      rec.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: err.message });
      ctx.events.podEvent(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      return { ok: false, retryAtMs: ctx.cfg.clock.now() + 2000 };
    }
    throw err;
  }
  const sbConfig = sandboxConfig(ctx, pod, sandbox.attempt);
  if (ctx.cfg.volumes === 'disk') await mkdir(join(sbConfig.logDirectory, c.name), { recursive: true });
  let id: string;
  try {
    id = await runtimeCall(rec, ctx.cfg.runtime.createContainer(sandbox.id, config, sbConfig));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    rec.waiting.set(c.name, { reason: 'CreateContainerError', message });
    ctx.events.podEvent(pod, 'Warning', 'Failed', `Error: ${message}`);
    return { ok: false, retryAtMs: ctx.cfg.clock.now() + 2000 };
  }
  ctx.events.podEvent(pod, 'Normal', 'Created', `Created container: ${c.name}`);
  try {
    await runtimeCall(rec, ctx.cfg.runtime.startContainer(id));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    rec.waiting.set(c.name, { reason: 'RunContainerError', message });
    ctx.events.podEvent(pod, 'Warning', 'Failed', `Error: ${message}`);
    return { ok: false, retryAtMs: ctx.cfg.clock.now() + 2000 };
  }
  rec.waiting.delete(c.name);
  ctx.events.podEvent(pod, 'Normal', 'Started', `Started container ${c.name}`);
  const postStart = c.lifecycle?.postStart;
  if (postStart) {
    const target = { runtime: ctx.cfg.runtime, containerId: id, container: c, host: net.podIP };
    const failed = await runHook(postStart, target, pod.spec?.terminationGracePeriodSeconds ?? 30);
    if (failed) {
      ctx.events.podEvent(pod, 'Warning', 'FailedPostStartHook', failed);
      await killContainer({ pod, target, gracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30, recorder: ctx.events, message: `FailedPostStartHook` });
    }
  }
  return { ok: true, id };
}
