// Hard eviction thresholds as the kubelet's --eviction-hard takes them:
// `memory.available<100Mi,nodefs.available<10%` — a signal, `<`, and a quantity or a
// percentage of the signal's capacity. Without the flag the kubelet's Linux defaults apply
// (Kubernetes v1.33); a flag value replaces them all, an empty one turns hard eviction off.
import { parseQuantity } from '../../api/validation/quantity.js';

export const SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available'] as const;
export type Signal = (typeof SIGNALS)[number];

export interface Threshold {
  signal: Signal;
  /** Absolute amount (bytes, inodes or processes), or a fraction (0.1 = 10%) of capacity. */
  value: { quantity: number; text: string } | { percentage: number };
}

export const DEFAULT_EVICTION_HARD = 'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,imagefs.inodesFree<5%';

function isSignal(s: string): s is Signal {
  return (SIGNALS as readonly string[]).includes(s);
}

/** Parses the flag's value; throws an Error naming the bad entry. */
export function parseEvictionHard(text: string): Threshold[] {
  const out: Threshold[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const lt = item.indexOf('<');
    if (lt <= 0) throw new Error(`eviction threshold "${item}": expected SIGNAL<QUANTITY, e.g. memory.available<100Mi`);
    const signal = item.slice(0, lt).trim();
    const value = item.slice(lt + 1).trim();
    if (!isSignal(signal)) throw new Error(`eviction threshold "${item}": unknown signal "${signal}" (known: ${SIGNALS.join(', ')})`);
    if (out.some((t) => t.signal === signal)) throw new Error(`eviction threshold "${item}": ${signal} is given twice`);
    if (value.endsWith('%')) {
      const p = Number(value.slice(0, -1));
      if (!Number.isFinite(p) || p < 0 || p > 100 || value.length === 1) throw new Error(`eviction threshold "${item}": percentage must be within 0%–100%`);
      // 0% is how Kubernetes turns a default threshold off.
      if (p > 0) out.push({ signal, value: { percentage: p / 100 } });
      continue;
    }
    const q = parseQuantity(value);
    if (q === undefined || q < 0) throw new Error(`eviction threshold "${item}": "${value}" is not a quantity`);
    if (q > 0) out.push({ signal, value: { quantity: q, text: value } });
  }
  return out;
}

/** The amount under which the threshold is met, for a signal whose capacity is `capacity`. */
export function thresholdAmount(t: Threshold, capacity: number): number {
  return 'quantity' in t.value ? t.value.quantity : Math.ceil(t.value.percentage * capacity);
}
