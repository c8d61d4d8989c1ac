// Flag parsing shared by the subcommands: `--name value` or `--name=value`, booleans, and a
// generated --help text, so every flag is documented where it is declared.
import { parseArgs } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in --help; the parsed value falls back to it. */
  default?: string;
  placeholder?: string;
  multiple?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

export type ParsedFlags<S extends FlagSpecs> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : S[K]['multiple'] extends true ? string[] : string | undefined;
};

export class UsageError extends Error {}

export function helpText(usage: string, summary: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.type === 'string' ? ` ${s.placeholder ?? 'VALUE'}` : ''}`;
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return `${left.padEnd(34)} ${s.description}${def}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nFlags:\n${rows.join('\n')}\n  --help                           Show this help\n`;
}

/** Returns undefined when --help was asked for (after printing it). Throws UsageError. */
export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S, help: string): ParsedFlags<S> | undefined {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const [name, s] of Object.entries(specs)) options[name] = s.multiple ? { type: s.type, multiple: true } : { type: s.type };
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values['help'] === true) {
    process.stdout.write(help);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) {
    const v = values[name];
    if (s.type === 'boolean') out[name] = v === true;
    else if (s.multiple) out[name] = Array.isArray(v) ? v : [];
    else out[name] = typeof v === 'string' ? v : s.default;
  }
  return out as ParsedFlags<S>;
}
