// Running iptables: restore input through `iptables-restore --noflush` (one atomic transaction
// per call), jumps from built-in chains kept with -C/-I, and listing chains by name. With
// `netns`, every command runs inside that network namespace (`ip netns exec`), which is how
// tests and benchmarks stay off the host's tables.
import { runRuleCommand } from './command.js';
import type { Jump, Table } from './iptables-rules.js';

export interface IptablesRunnerOptions {
  /** Run inside this named network namespace. */
  netns?: string;
  /** Seconds to wait for the xtables lock (`-w`); default 5. */
  lockWaitSeconds?: number;
}

export class IptablesError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${command} exited with ${code ?? 'a signal'}: ${stderr.trim()}`);
  }
}

export class IptablesRunner {
  constructor(private readonly options: IptablesRunnerOptions = {}) {}

  /** Applies restore input atomically, leaving chains it does not mention untouched. */
  async restore(input: string): Promise<void> {
    if (input === '') return;
    await this.run('iptables-restore', ['-w', String(this.options.lockWaitSeconds ?? 5), '--noflush'], input);
  }

  /** Chain names in `table` (built-in and user-defined). */
  async chains(table: Table): Promise<string[]> {
    const text = await this.run('iptables-save', ['-t', table]);
    return text
      .split('\n')
      .filter((l) => l.startsWith(':'))
      .map((l) => l.slice(1).split(' ')[0] ?? '');
  }

  /** The rules of one table as iptables-save prints them. */
  async save(table: Table): Promise<string> {
    return this.run('iptables-save', ['-t', table]);
  }

  /** Inserts the jump at the top of its chain unless an identical rule is there. */
  async ensureJump(jump: Jump): Promise<void> {
    try {
      await this.iptables(jump.table, ['-C', jump.chain, ...jump.args]);
    } catch (err) {
      if (!(err instanceof IptablesError)) throw err;
      await this.iptables(jump.table, ['-I', jump.chain, ...jump.args]);
    }
  }

  /** Removes every copy of the jump; absent is fine. */
  async deleteJump(jump: Jump): Promise<void> {
    for (let i = 0; i < 100; i++) {
      try {
        await this.iptables(jump.table, ['-D', jump.chain, ...jump.args]);
      } catch (err) {
        if (err instanceof IptablesError) return;
        throw err;
      }
    }
  }

  async iptables(table: Table, args: string[]): Promise<string> {
    return this.run('iptables', ['-w', String(this.options.lockWaitSeconds ?? 5), '-t', table, ...args]);
  }

  private run(command: string, args: string[], stdin?: string): Promise<string> {
    return runRuleCommand(command, args, { netns: this.options.netns, stdin }, (code, stderr) => new IptablesError(`${command} ${args.slice(0, 4).join(' ')}`, code, stderr));
  }

}
