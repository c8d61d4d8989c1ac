// Running nft: a script through `nft -f -` (one atomic transaction per call), listing a table,
// and a check that nftables works here at all (binary, privileges, nat support). With `netns`,
// every command runs inside that network namespace (`ip netns exec`), as tests and benchmarks do.
import { runRuleCommand } from './command.js';
import { NFT_TABLE } from './nft-rules.js';

export interface NftRunnerOptions {
  /** Run inside this named network namespace. */
  netns?: string;
}

export class NftError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${command} exited with ${code ?? 'a signal'}: ${firstLines(stderr)}`);
  }
}

// nft echoes the whole offending command under an error; a 10,000-element line is no message.
const firstLines = (text: string): string =>
  text
    .trim()
    .split('\n')
    .slice(0, 6)
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join('\n');

export class NftRunner {
  constructor(private readonly options: NftRunnerOptions = {}) {}

  /** Applies an nft script atomically: all of it or, on an error, none of it. */
  async apply(script: string): Promise<void> {
    if (script === '') return;
    await this.run(['-f', '-'], script);
  }

  /** The table as `nft list table` prints it; undefined when it does not exist. */
  async list(table = NFT_TABLE): Promise<string | undefined> {
    try {
      return await this.run(['list', 'table', 'ip', table]);
    } catch (err) {
      if (err instanceof NftError) return undefined;
      throw err;
    }
  }

  /**
   * Resolves with why nftables cannot carry the proxy here, or undefined when it can: `nft`
   * checks (without committing) a table with a nat chain, which needs the binary, root and the
   * kernel's nf_tables with NAT.
   */
  async unusableReason(): Promise<string | undefined> {
    const probe = `add table ip ${NFT_TABLE}-probe\nadd chain ip ${NFT_TABLE}-probe nat-probe { type nat hook output priority -100; policy accept; }\n`;
    try {
      await this.run(['--check', '-f', '-'], probe);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  private run(args: string[], stdin?: string): Promise<string> {
    return runRuleCommand('nft', args, { netns: this.options.netns, stdin }, (code, stderr) => new NftError(`nft ${args.join(' ')}`, code, stderr));
  }

}
