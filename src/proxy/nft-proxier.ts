// The nftables mode's writer: turns service ports into the `ip k8ts` table and sends only what
// changed since the last successful write (chains, map elements) in one `nft -f` transaction.
// The first write, and the first after a failure, replaces the whole table atomically, so a
// restart takes over (or clears) whatever an earlier run left.
import type { Logger } from '../log.js';
import type { RuleOptions } from './iptables-rules.js';
import type { ServicePort } from './model.js';
import { NftRunner } from './nft.js';
import { generateNftRules, NftFragmentCache, nftDeleteText, nftDiff, nftFullText, type NftRuleSet } from './nft-rules.js';

export interface NftSyncResult {
  /** Whole table replaced (first sync, or after an error). */
  full: boolean;
  /** Lines of the transaction sent; 0 when nothing changed. */
  commands: number;
  generateMs: number;
  applyMs: number;
}

export class NftablesProxier {
  private applied: NftRuleSet | undefined;
  private readonly fragments = new NftFragmentCache();

  constructor(
    private readonly runner: NftRunner,
    private readonly rules: RuleOptions,
    private readonly log: Pick<Logger, 'debug' | 'info'>,
  ) {}

  async sync(ports: readonly ServicePort[]): Promise<NftSyncResult> {
    const t0 = performance.now();
    const next = generateNftRules(ports, this.rules, this.fragments);
    const full = this.applied === undefined;
    const script = this.applied ? nftDiff(this.applied, next) : nftFullText(next);
    const t1 = performance.now();
    try {
      await this.runner.apply(script);
    } catch (err) {
      // What the table holds is unknown now (a concurrent change, a bug): start over next time.
      this.applied = undefined;
      throw err;
    }
    this.applied = next;
    const commands = countLines(script);
    if (commands > 0) this.log.debug(`nftables: ${full ? 'replaced the table' : 'updated'} with ${commands} commands`);
    return { full, commands, generateMs: t1 - t0, applyMs: performance.now() - t1 };
  }

  /** Removes the table (and with it every chain, map and affinity entry). */
  async cleanup(): Promise<void> {
    await this.runner.apply(nftDeleteText());
    this.applied = undefined;
    this.log.info('nftables proxy table removed');
  }
}

function countLines(script: string): number {
  let n = 0;
  for (let i = script.indexOf('\n'); i !== -1; i = script.indexOf('\n', i + 1)) n++;
  return n;
}
