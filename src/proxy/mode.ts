// Which data path the service proxy of a node uses. Pods with their own addresses (containerd)
// get kernel rules: nftables where `nft` works (one table, verdict maps: a change is a small
// transaction whatever the number of services), else iptables, else the userspace relay. The
// process runtime's "pods" share the host's addresses, so it always gets the userspace relay.
import { spawnSync } from 'node:child_process';
import type { ProxyMode } from './proxy.js';
import { NftRunner } from './nft.js';

export const PROXY_MODES: readonly ProxyMode[] = ['nftables', 'iptables', 'userspace'];

export interface ModeChoice {
  mode: ProxyMode;
  /** Why, for the log. */
  reason: string;
}

export interface ChooseModeOptions {
  /** Pods have their own addresses (containerd) rather than the host's (process runtime). */
  podsHaveOwnAddresses: boolean;
  /** An explicit mode (K8TS_PROXY_MODE); undefined or "auto" chooses. */
  requested?: string;
  /** Why nftables cannot be used, or undefined when it can (injected by tests). */
  nftUnusable?: () => Promise<string | undefined>;
  /** Why iptables cannot be used, or undefined when it can (injected by tests). */
  iptablesUnusable?: () => string | undefined;
}

export async function chooseProxyMode(o: ChooseModeOptions): Promise<ModeChoice> {
  if (!o.podsHaveOwnAddresses) return { mode: 'userspace', reason: 'pods share the host network (process runtime)' };
  const requested = o.requested?.trim().toLowerCase();
  if (requested && requested !== 'auto') {
    const mode = PROXY_MODES.find((m) => m === requested);
    if (!mode) throw new Error(`unknown proxy mode "${o.requested ?? ''}" (one of ${PROXY_MODES.join(', ')}, auto)`);
    return { mode, reason: 'requested' };
  }
  const nftWhy = await (o.nftUnusable ?? (() => new NftRunner().unusableReason()))();
  if (nftWhy === undefined) return { mode: 'nftables', reason: 'nft works' };
  const iptWhy = (o.iptablesUnusable ?? iptablesUnusableReason)();
  if (iptWhy === undefined) return { mode: 'iptables', reason: `nftables unusable (${nftWhy})` };
  return { mode: 'userspace', reason: `nftables unusable (${nftWhy}); iptables unusable (${iptWhy})` };
}

function iptablesUnusableReason(): string | undefined {
  const r = spawnSync('iptables', ['-w', '5', '-t', 'nat', '-S', 'OUTPUT'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : r.stderr.trim() || `exit ${r.status ?? 'by signal'}`;
}
