// Status: what a plugin says about a pod at one extension point. The code carries retry meaning,
// as in kube-scheduler: Unschedulable may be fixed by preemption or a cluster change,
// UnschedulableAndUnresolvable only by a cluster change, Error by a retry with backoff.
// On hot paths success is `undefined` (no allocation per node).

export type StatusCode = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Wait' | 'Skip' | 'Pending';

export class Status {
  /** The plugin that produced it; set by the framework. */
  plugin: string | undefined;

  constructor(
    readonly code: StatusCode,
    readonly reasons: readonly string[] = [],
  ) {}

  static unschedulable(...reasons: string[]): Status {
    return new Status('Unschedulable', reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status('UnschedulableAndUnresolvable', reasons);
  }
  static error(message: string): Status {
    return new Status('Error', [message]);
  }
  static skip(): Status {
    return new Status('Skip');
  }

  /** Reasons joined as Kubernetes' Status.Message does. */
  get message(): string {
    return this.reasons.join(', ');
  }

  withPlugin(plugin: string): Status {
    this.plugin = plugin;
    return this;
  }
}

export function isSuccess(s: Status | undefined): boolean {
  return s === undefined || s.code === 'Success';
}

/** Unschedulable, UnschedulableAndUnresolvable or Pending: a "no", not a failure. */
export function isRejected(s: Status | undefined): boolean {
  return s !== undefined && (s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable' || s.code === 'Pending');
}
