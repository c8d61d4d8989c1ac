// The iptables mode's writer: turns service ports into rules and writes only the chains that
// changed since the last successful write, in one `iptables-restore --noflush` transaction.
// After a failed write the next one starts from what iptables actually holds.
import type { Logger } from '../log.js';
import { IptablesRunner } from './iptables.js';
import { generateProxyRules, isProxyChain, PROXY_JUMPS, restoreDiff, snapshotOf, type RuleOptions, type RuleSetSnapshot, type Table } from './iptables-rules.js';
import type { ServicePort } from './model.js';

export interface SyncResult {
  /** Chains written (declared) in this transaction; 0 when nothing changed. */
  chainsWritten: number;
  generateMs: number;
  restoreMs: number;
}

export class IptablesProxier {
  private applied: RuleSetSnapshot | undefined;

  constructor(
    private readonly runner: IptablesRunner,
    private readonly rules: RuleOptions,
    private readonly log: Pick<Logger, 'debug' | 'info'>,
  ) {}

  async sync(ports: readonly ServicePort[]): Promise<SyncResult> {
    const t0 = performance.now();
    const next = generateProxyRules(ports, this.rules);
    const t1 = performance.now();
    if (!this.applied) {
      this.applied = await this.currentChains();
      // Chains first (jumps to a missing chain are refused), then jumps.
      const input = restoreDiff(this.applied, next);
      await this.write(input, next);
      for (const jump of PROXY_JUMPS) await this.runner.ensureJump(jump);
      return { chainsWritten: countDeclared(input), generateMs: t1 - t0, restoreMs: performance.now() - t1 };
    }
    const input = restoreDiff(this.applied, next);
    await this.write(input, next);
    return { chainsWritten: countDeclared(input), generateMs: t1 - t0, restoreMs: performance.now() - t1 };
  }

  /** Removes the jumps and every proxy chain (also ones left by an earlier run). */
  async cleanup(): Promise<void> {
    for (const jump of PROXY_JUMPS) await this.runner.deleteJump(jump);
    const current = await this.currentChains();
    const empty = { nat: new Map<string, string[]>(), filter: new Map<string, string[]>() };
    await this.runner.restore(restoreDiff(current, empty));
    this.applied = undefined;
    this.log.info('iptables proxy rules removed');
  }

  private async write(input: string, next: ReturnType<typeof generateProxyRules>): Promise<void> {
    try {
      await this.runner.restore(input);
      this.applied = snapshotOf(next);
      if (input) this.log.debug(`iptables: wrote ${countDeclared(input)} chains`);
    } catch (err) {
      this.applied = undefined;
      throw err;
    }
  }

  private async currentChains(): Promise<RuleSetSnapshot> {
    const snap: RuleSetSnapshot = { nat: new Map(), filter: new Map() };
    for (const table of ['nat', 'filter'] as Table[]) {
      for (const chain of await this.runner.chains(table)) if (isProxyChain(chain)) snap[table].set(chain, undefined);
    }
    return snap;
  }
}

function countDeclared(input: string): number {
  let n = 0;
  for (const line of input.split('\n')) if (line.startsWith(':')) n++;
  return n;
}
