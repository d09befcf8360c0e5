import type { UserError } from '../../shared/errors.ts';
import { idempotent, invalidKey, requestHash, type SyncSqlite } from '../../shared/idempotency.ts';
import type { Identity } from '../../shared/identity.ts';

/** Whose key it is: a user and a partner key never share a key space. */
const callerOf = (identity: Identity) => `${identity.kind}:${identity.subject}`;

/**
 * Runs `attempt` at most once per (caller, key) when the client sent an idempotency key; without a key
 * every call runs. Call it inside the rule's transaction, so the key is stored with the rows or not at all.
 * The same key with a different input is IDEMPOTENCY_KEY_REUSED.
 */
export function onceForKey<TResult extends { userErrors: UserError[] }>(
  tx: SyncSqlite,
  call: { caller: Identity; now: Date; operation: string; key: string | null | undefined; request: unknown },
  steps: {
    attempt(): TResult;
    /** The id of what a successful attempt created, stored to replay it. */
    createdId(result: TResult): string;
    replay(id: string): TResult;
    refuse(error: UserError): TResult;
  },
): TResult {
  if (call.key === undefined || call.key === null) return steps.attempt();
  const badKey = invalidKey(call.key);
  if (badKey) return steps.refuse(badKey);
  const entry = {
    caller: callerOf(call.caller),
    key: call.key,
    operation: call.operation,
    hash: requestHash(call.operation, call.request),
    now: call.now,
  };
  return idempotent(tx, entry, {
    attempt: steps.attempt,
    remember: (result) => ({ id: steps.createdId(result) }),
    replay: ({ id }: { id: string }) => steps.replay(id),
    refuse: steps.refuse,
  });
}
