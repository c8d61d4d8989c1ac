// Runs a rule tool (iptables*, nft) with optional stdin, in the host's network namespace or, for
// tests, inside a named one through `ip netns exec`; its stdout, or the error `fail` makes.
import { spawn } from 'node:child_process';

export function runRuleCommand(
  command: string,
  args: readonly string[],
  o: { netns?: string; stdin?: string },
  fail: (code: number | null, stderr: string) => Error,
): Promise<string> {
  const [bin, argv] = o.netns ? ['ip', ['netns', 'exec', o.netns, command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(fail(code, Buffer.concat(err).toString('utf8')));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.stdin ?? '');
  });
}
