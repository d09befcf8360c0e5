import type { UserError } from '../../contract/errors.ts';
import type { Identity } from '../../contract/identity.ts';
import { createOnceForKey, type SyncSqlite } from '../../shared/idempotency.ts';

/** Whose key it is: a user and a partner key never share a key space. */
const callerOf = (identity: Identity) => `${identity.kind}:${identity.subject}`;

/**
 * Runs `attempt` at most once per (caller, key) when the client sent an idempotency key; without a key
 * every call runs. Call it inside the rule's transaction, so the key is stored with the rows or not at all.
 * The same key with a different input is IDEMPOTENCY_KEY_REUSED. Publishing moves no money or stock, so a
 * refused request stores nothing: the same key can be retried once the problem is fixed.
 */
export function onceForKey<TResult extends { userErrors: UserError[] }>(
  tx: SyncSqlite,
  call: { caller: Identity; now: Date; operation: string; key: string | null | undefined; request: unknown },
  steps: Parameters<typeof createOnceForKey<TResult>>[2],
): TResult {
  return createOnceForKey(tx, { ...call, caller: callerOf(call.caller) }, steps, 'forget');
}
