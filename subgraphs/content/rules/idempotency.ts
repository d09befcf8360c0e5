import type { UserError } from '../../contract/errors.ts';
import type { Identity } from '../../contract/identity.ts';
import { idempotentStep, type ResultEntities, type SyncSqlite } from '../../shared/idempotency.ts';

/**
 * Runs `attempt` at most once per (caller, key) when the client sent an idempotency key; without a key
 * every call runs. Publishing moves no money or stock, so a refused request stores nothing.
 */
export function onceForKey<TResult extends { userErrors: UserError[] }, E extends ResultEntities>(
  tx: SyncSqlite,
  call: { caller: Identity; now: Date; operation: string; key: string | null | undefined; request: unknown },
  steps: Parameters<typeof idempotentStep<TResult & { [K in keyof E]?: { id: string } | null }, E>>[2],
): TResult {
  // Interim: the caller stays `${kind}:${subject}` until the keys are migrated to the subject id.
  const actor = { kind: 'user' as const, userId: `${call.caller.kind}:${call.caller.subject}` };
  return idempotentStep(tx, { ...call, actor }, steps, 'forget');
}
