import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { type UserError, userError } from '../../shared/errors.ts';
import type { OffersTx } from '../db.ts';
import { idempotencyKeys } from '../tables.ts';

/** A stable fingerprint of an operation's input (without its idempotency key). */
export function requestHash(operation: string, request: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, request]))
    .digest('hex');
}

/** The user error for a key reused with a different input. */
export function keyReused(): UserError {
  return userError(
    'IDEMPOTENCY_KEY_REUSED',
    'This idempotency key was already used with a different input: use a new key for a new request.',
    ['input', 'idempotencyKey'],
  );
}

/**
 * Looks up a (caller, key) pair: `undefined` when unused, `{ reused }` when it was used for another input,
 * else the stored response to replay.
 */
export function findPrior<T>(
  tx: OffersTx,
  caller: string,
  key: string,
  operation: string,
  hash: string,
): { response: T } | { reused: UserError } | undefined {
  const row = tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.caller, caller), eq(idempotencyKeys.key, key)))
    .get();
  if (!row) return undefined;
  if (row.operation !== operation || row.requestHash !== hash) return { reused: keyReused() };
  return { response: JSON.parse(row.responseJson) as T };
}

/** Stores the response of the first successful request under (caller, key). */
export function savePrior(
  tx: OffersTx,
  entry: { caller: string; key: string; operation: string; hash: string; response: unknown; now: Date },
): void {
  tx.insert(idempotencyKeys)
    .values({
      caller: entry.caller,
      key: entry.key,
      operation: entry.operation,
      requestHash: entry.hash,
      responseJson: JSON.stringify(entry.response),
      createdAt: entry.now,
    })
    .run();
}
