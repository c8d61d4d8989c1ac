// Dynamic admission: the write hooks through which the registry calls mutating webhooks
// (after the built-in mutating admission, before validation) and validating webhooks (after
// validation, before ResourceQuota), and the check of pods' exec/attach/portforward
// (CONNECT). Webhooks are never called for admissionregistration.k8s.io objects, so a broken
// webhook can always be removed (Kubernetes exempts its admission configuration the same way).
// Not done: matchConditions (CEL expressions) are ignored, so a webhook with conditions is
// called whenever its rules and selectors match; auditAnnotations are dropped.
import type { KubeObject } from '../../../api/object.js';
import type { ResourceInfo } from '../../../api/resources.js';
import type { UserInfo } from '../../authn/user.js';
import { NO_TRANSACTION, type HookContext, type WriteHooks } from '../../registry/hooks.js';
import type { Registries } from '../../registry/registries.js';
import type { DeleteOptions } from '../../registry/types.js';
import type { Attributes, Operation } from './attributes.js';
import type { CallDeps } from './call.js';
import { WebhookConfigIndex } from './config-index.js';
import { checkWebhookConfiguration } from './config-validation.js';
import { dispatchMutating, type Matcher } from './mutating.js';
import { postJson } from './post.js';
import { matchRules } from './rules.js';
import { namespaceLabelsOf, selectorsMatch } from './selectors.js';
import { dispatchValidating } from './validating.js';
import type { WebhookKind } from './webhook.js';

export interface WebhookAdmissionOptions {
  /** A getter: the registries are built with this plugin's hooks. */
  registries: () => Registries;
  log?: (line: string) => void;
  /** The HTTPS client (tests may replace it). */
  post?: CallDeps['post'];
}

/** A pod stream request (exec, attach, portforward) about to be proxied to the kubelet. */
export interface ConnectRequest {
  resource: ResourceInfo;
  subresource: string;
  namespace: string;
  name: string;
  user: UserInfo;
  query: URLSearchParams;
}

const CONNECT_KINDS: Readonly<Record<string, string>> = { exec: 'PodExecOptions', attach: 'PodAttachOptions', portforward: 'PodPortForwardOptions' };

/** The connect options object of a pod stream request, from its query. */
function connectOptions(kind: string, q: URLSearchParams): KubeObject {
  const flag = (n: string): boolean => q.get(n) === 'true' || q.get(n) === '1';
  const base = { kind, apiVersion: 'v1' };
  if (kind === 'PodPortForwardOptions') return { ...base, ports: q.getAll('ports').map(Number).filter((p) => Number.isInteger(p)) };
  const container = q.get('container');
  const streams = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty'), ...(container ? { container } : {}) };
  return kind === 'PodExecOptions' ? { ...base, ...streams, command: q.getAll('command') } : { ...base, ...streams };
}

function writeOptions(kind: 'CreateOptions' | 'UpdateOptions', ctx: HookContext): KubeObject {
  const fieldManager = ctx.request?.fieldManager;
  return { kind, apiVersion: 'meta.k8s.io/v1', ...(ctx.dryRun ? { dryRun: ['All'] } : {}), ...(fieldManager ? { fieldManager } : {}) };
}

function deleteOptionsObject(o: DeleteOptions, ctx: HookContext): KubeObject {
  return { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', ...o, ...(ctx.dryRun ? { dryRun: ['All'] } : {}) };
}

export class WebhookAdmission {
  private readonly index: WebhookConfigIndex;
  private readonly log: (line: string) => void;

  constructor(private readonly options: WebhookAdmissionOptions) {
    this.index = new WebhookConfigIndex((r) => options.registries().cache(r));
    this.log = options.log ?? (() => undefined);
  }

  /** Loads the configurations (starts their watch caches). */
  start(): Promise<void> {
    return this.index.start();
  }

  hooksFor(resource: ResourceInfo): WriteHooks | undefined {
    if (resource.group === 'admissionregistration.k8s.io') {
      if (resource.plural !== 'mutatingwebhookconfigurations' && resource.plural !== 'validatingwebhookconfigurations') return undefined;
      return {
        beforeCreate: async (obj) => (checkWebhookConfiguration(obj), NO_TRANSACTION),
        beforeUpdate: async (_old, next) => (checkWebhookConfiguration(next), NO_TRANSACTION),
      };
    }
    if (resource.virtual) return undefined;
    return {
      admitCreate: (obj, ctx) => this.admit('mutating', this.attributes('CREATE', resource, obj, undefined, ctx, () => writeOptions('CreateOptions', ctx))),
      admitUpdate: (old, next, ctx) => this.admit('mutating', this.attributes('UPDATE', resource, next, old, ctx, () => writeOptions('UpdateOptions', ctx))),
      beforeCreate: async (obj, ctx) => {
        await this.admit('validating', this.attributes('CREATE', resource, obj, undefined, ctx, () => writeOptions('CreateOptions', ctx)));
        return NO_TRANSACTION;
      },
      beforeUpdate: async (old, next, ctx) => {
        await this.admit('validating', this.attributes('UPDATE', resource, next, old, ctx, () => writeOptions('UpdateOptions', ctx)));
        return NO_TRANSACTION;
      },
      admitDelete: async (obj, options, ctx) => {
        const attrs = this.attributes('DELETE', resource, undefined, obj, ctx, () => deleteOptionsObject(options, ctx));
        await this.admit('mutating', attrs);
        await this.admit('validating', attrs);
      },
    };
  }

  /** Admission of a pod stream (CONNECT): mutating webhooks, then validating ones. */
  async admitConnect(c: ConnectRequest): Promise<void> {
    const kind = CONNECT_KINDS[c.subresource];
    if (!kind) return;
    const attrs = (): Attributes => ({
      operation: 'CONNECT',
      resource: c.resource,
      requestVersion: c.resource.version,
      subresource: c.subresource,
      namespace: c.namespace,
      name: c.name,
      object: connectOptions(kind, c.query),
      oldObject: undefined,
      options: undefined,
      objectKind: { group: '', version: 'v1', kind },
      dryRun: false,
      user: c.user,
      // An upgraded connection has no response headers to carry warnings.
      warnings: [],
    });
    await this.admit('mutating', attrs);
    await this.admit('validating', attrs);
  }

  /** The request's attributes, built only when some webhook is configured; undefined for writes no client made. */
  private attributes(
    operation: Operation,
    resource: ResourceInfo,
    object: KubeObject | undefined,
    oldObject: KubeObject | undefined,
    ctx: HookContext,
    options: () => KubeObject,
  ): () => Attributes | undefined {
    return () => {
      const req = ctx.request;
      if (!req || req.subresource === 'internal') return undefined;
      const m = (object ?? oldObject)?.metadata ?? {};
      const name = m.name ?? '';
      const isNamespace = resource.group === '' && resource.plural === 'namespaces';
      return {
        operation,
        resource,
        requestVersion: req.version,
        subresource: req.subresource,
        namespace: isNamespace ? name : (m.namespace ?? ''),
        name,
        object,
        oldObject,
        options: options(),
        dryRun: ctx.dryRun,
        user: req.user,
        warnings: req.warnings,
      };
    };
  }

  private async admit(kind: WebhookKind, attributes: () => Attributes | undefined): Promise<void> {
    const hooks = await this.index.webhooks(kind);
    if (hooks.length === 0) return;
    const a = attributes();
    if (!a) return;
    const registries = this.options.registries();
    const deps: CallDeps = { registries, post: this.options.post ?? postJson };
    const namespaceLabels = namespaceLabelsOf(registries, a);
    const match: Matcher = async (hook) => {
      const inv = matchRules(hook, a);
      return inv && (await selectorsMatch(hook, a, namespaceLabels)) ? inv : undefined;
    };
    if (kind === 'mutating') await dispatchMutating(deps, hooks, a, match, this.log);
    else await dispatchValidating(deps, hooks, a, match, this.log);
  }
}
