import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { type UserError, userError } from '../../shared/errors.ts';
import type { SocialDb } from '../context.ts';
import { idempotencyKeys } from '../tables.ts';

const MAX_KEY_LENGTH = 200;

/** A stable fingerprint of an operation's input (without its idempotency key). */
export function requestHash(operation: string, request: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, request]))
    .digest('hex');
}

/** The user error for a missing or oversized key, or null when the key is usable. */
export function invalidKey(key: string): UserError | null {
  if (key.trim().length > 0 && key.length <= MAX_KEY_LENGTH) return null;
  return userError(
    'INVALID_IDEMPOTENCY_KEY',
    `Send a non-empty idempotencyKey of at most ${MAX_KEY_LENGTH} characters, unique to this request.`,
    ['input', 'idempotencyKey'],
  );
}

/**
 * Looks up (caller, key): `undefined` when unused, `{ reused }` when it was used for another operation or
 * input, else the stored response to replay.
 */
export function findPrior<T>(
  tx: SocialDb,
  entry: { caller: string; key: string; operation: string; hash: string },
): { response: T } | { reused: UserError } | undefined {
  const row = tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.caller, entry.caller), eq(idempotencyKeys.key, entry.key)))
    .get();
  if (!row) return undefined;
  if (row.operation !== entry.operation || row.requestHash !== entry.hash) {
    return {
      reused: userError(
        'IDEMPOTENCY_KEY_REUSED',
        'This idempotency key was already used with a different input: use a new key for a new request.',
        ['input', 'idempotencyKey'],
      ),
    };
  }
  return { response: JSON.parse(row.responseJson) as T };
}

/** Stores the response of the first successful request under (caller, key). */
export function savePrior(
  tx: SocialDb,
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
