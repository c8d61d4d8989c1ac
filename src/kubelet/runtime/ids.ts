import { randomBytes } from 'node:crypto';

/** A sandbox or container id: 64 hex digits, like containerd's. */
export function newRuntimeId(): string {
  return randomBytes(32).toString('hex');
}
