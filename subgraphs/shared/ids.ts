import { randomBytes } from 'node:crypto';

/** A new opaque id with its type prefix (`cpn_`, `frq_`, ...): time-ordered, then 64 random bits. */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
}
