import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import {
  type BaseSQLiteDatabase,
  index,
  integer,
  primaryKey,
  type SQLiteTransactionConfig,
  sqliteTable,
  text,
} from 'drizzle-orm/sqlite-core';
import { type UserError, userError } from '../contract/errors.ts';

/**
 * Idempotency for every mutation that moves money or stock, shared by the subgraphs that have them.
 *
 * Each such subgraph has a table named `idempotency_keys` with the columns `caller`, `key`, `operation`,
 * `request_hash`, `response_json`, `created_at` (timestamp in ms) and a unique index on (caller, key),
 * defined in its tables.ts with `idempotencyKeysTable()` (or `idempotencyKeyColumns()`). The helpers below
 * talk to that table with plain SQL so they work with any subgraph's drizzle schema, and they run inside the
 * rule's own transaction: the key is stored together with the effect or not at all, so a crash between the
 * two can never leave an effect without its key (or the reverse).
 *
 * Two entry points: `idempotentTransaction` for mutations that must carry a key (money and stock), and
 * `createOnceForKey` for creates whose key is optional.
 */

/** A drizzle handle on a synchronous SQLite database or transaction (better-sqlite3), of any schema. */
// biome-ignore lint/suspicious/noExplicitAny: works with every subgraph's drizzle schema
export type SyncSqlite = BaseSQLiteDatabase<'sync', any, any>;

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** The columns every `idempotency_keys` table has; fresh builders on every call, one set per table. */
export function idempotencyKeyColumns() {
  return {
    caller: text('caller').notNull(),
    key: text('key').notNull(),
    operation: text('operation').notNull(),
    requestHash: text('request_hash').notNull(),
    responseJson: text('response_json').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  };
}

/**
 * The `idempotency_keys` table for a subgraph's tables.ts: primary key (caller, key) and an index on
 * `created_at`. Call it once per subgraph schema (`export const idempotencyKeys = idempotencyKeysTable();`).
 */
export function idempotencyKeysTable() {
  return sqliteTable('idempotency_keys', idempotencyKeyColumns(), (t) => [
    primaryKey({ columns: [t.caller, t.key] }),
    index('idempotency_keys_created_idx').on(t.createdAt),
  ]);
}

/** Who used a key, which operation, and a fingerprint of the input the key was first sent with. */
interface IdempotencyEntry {
  caller: string;
  key: string;
  operation: string;
  hash: string;
}

/** A stable fingerprint of an operation's input (without its idempotency key). */
function requestHash(operation: string, request: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, request]))
    .digest('hex');
}

/** The user error for a missing or oversized key, or null when the key is usable. */
export function invalidKey(key: string): UserError | null {
  if (key.trim().length > 0 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH) return null;
  return userError(
    'INVALID_IDEMPOTENCY_KEY',
    `Send a non-empty idempotencyKey of at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, unique to this request.`,
    ['input', 'idempotencyKey'],
  );
}

/** The user error for a key reused with a different input or operation. */
function keyReused(): UserError {
  return userError(
    'IDEMPOTENCY_KEY_REUSED',
    'This idempotency key was already used with a different input: use a new key for a new request.',
    ['input', 'idempotencyKey'],
  );
}

/**
 * What `response_json` holds: the value `remember` picked from a successful result, or, for a refused request
 * (stored by `idempotentTransaction`), `{ "refused": [...userErrors] }`.
 */
type PriorOutcome<T> = { response: T } | { refused: UserError[] };

function isRefusal(value: unknown): value is { refused: UserError[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    Array.isArray((value as { refused?: unknown }).refused)
  );
}

/**
 * Looks up (caller, key): `undefined` when unused, `{ reused }` when it was used for another operation or
 * input, else the stored outcome to replay (a success's `response`, or the user errors it was `refused` with).
 */
function findPrior<T>(tx: SyncSqlite, entry: IdempotencyEntry): PriorOutcome<T> | { reused: UserError } | undefined {
  const row = tx.get<{ operation: string; request_hash: string; response_json: string } | undefined>(
    sql`select operation, request_hash, response_json from idempotency_keys
        where caller = ${entry.caller} and key = ${entry.key}`,
  );
  if (!row) return undefined;
  if (row.operation !== entry.operation || row.request_hash !== entry.hash) return { reused: keyReused() };
  const stored: unknown = JSON.parse(row.response_json);
  if (isRefusal(stored)) return { refused: stored.refused };
  return { response: stored as T };
}

/** Stores the outcome of the first request under (caller, key): what to replay for the same request. */
function savePrior(tx: SyncSqlite, entry: IdempotencyEntry & { response: unknown; now: Date }): void {
  tx.run(
    sql`insert into idempotency_keys (caller, key, operation, request_hash, response_json, created_at)
        values (${entry.caller}, ${entry.key}, ${entry.operation}, ${entry.hash},
                ${JSON.stringify(entry.response)}, ${entry.now.getTime()})`,
  );
}

/** The steps of one idempotent request; `refuse` turns one user error into the mutation's result. */
export interface IdempotentSteps<TResult extends { userErrors: UserError[] }, TStored> {
  attempt(): TResult;
  remember(result: TResult): TStored;
  replay(stored: TStored): TResult;
  refuse(error: UserError): TResult;
}

/** A refused result with every one of `errors` (refuse builds the empty result, the errors replace its one). */
function refusedWith<TResult extends { userErrors: UserError[] }>(
  refuse: (error: UserError) => TResult,
  errors: UserError[],
): TResult {
  const [first] = errors;
  if (!first) throw new Error('a refused idempotent request must have user errors');
  return { ...refuse(first), userErrors: errors };
}

/**
 * Runs one idempotent step inside the caller's transaction: replays the stored outcome for a repeated
 * request, refuses a reused key, or runs `attempt` and stores what `remember` picks from a successful result.
 *
 * `refusals` says what happens to a result with user errors: `'replay'` (what the spec asks of every
 * mutation that moves money or stock, and what `idempotentTransaction` does) stores its user errors too, so
 * the same key and input return the same refusal and change nothing, even once the rule would pass;
 * `'forget'` stores nothing for it, so the same key can be retried once the problem is fixed.
 */
function idempotent<TResult extends { userErrors: UserError[] }, TStored>(
  tx: SyncSqlite,
  entry: IdempotencyEntry & { now: Date },
  steps: IdempotentSteps<TResult, TStored>,
  refusals: 'replay' | 'forget' = 'forget',
): TResult {
  const prior = findPrior<TStored>(tx, entry);
  if (prior && 'reused' in prior) return steps.refuse(prior.reused);
  if (prior && 'refused' in prior) return refusedWith(steps.refuse, prior.refused);
  if (prior) return steps.replay(prior.response);
  const result = steps.attempt();
  if (result.userErrors.length === 0) savePrior(tx, { ...entry, response: steps.remember(result) });
  else if (refusals === 'replay') savePrior(tx, { ...entry, response: { refused: result.userErrors } });
  return result;
}

/** A synchronous drizzle database whose `transaction` hands the callback a `TTx`. */
interface SyncTransactions<TTx> {
  transaction<T>(run: (tx: TTx) => T, config?: SQLiteTransactionConfig): T;
}

/** One request to a mutation that needs an idempotency key: who sent it, the key, the operation, its input. */
export interface IdempotentRequest {
  caller: string;
  key: string;
  operation: string;
  /** The input without its idempotency key, fingerprinted by `requestHash`. */
  request: unknown;
  now: Date;
}

/**
 * A whole mutation that needs an idempotency key: refuses a missing or oversized key before anything is
 * read, then runs `idempotent` in one immediate transaction, with the steps `steps` builds for that
 * transaction. `refuse` turns a bad or reused key into the mutation's result.
 *
 * Every outcome of the first request is stored, refusals included: the same key with the same input
 * returns the first result (the same entity, or the same user errors) and changes nothing; the same key
 * with another input is IDEMPOTENCY_KEY_REUSED. A bad key is not stored (there is nothing to store it
 * under), and an exception rolls the whole transaction back, key included, so such a request can be retried.
 */
export function idempotentTransaction<TTx extends SyncSqlite, TResult extends { userErrors: UserError[] }, TStored>(
  db: SyncTransactions<TTx>,
  call: IdempotentRequest,
  refuse: (error: UserError) => TResult,
  steps: (tx: TTx) => { attempt(): TResult; remember(result: TResult): TStored; replay(stored: TStored): TResult },
): TResult {
  const badKey = invalidKey(call.key);
  if (badKey) return refuse(badKey);
  const entry = {
    caller: call.caller,
    key: call.key,
    operation: call.operation,
    hash: requestHash(call.operation, call.request),
    now: call.now,
  };
  return db.transaction((tx) => idempotent(tx, entry, { ...steps(tx), refuse }, 'replay'), { behavior: 'immediate' });
}

/** A create mutation whose idempotency key is optional: the caller, the key (if any), the operation, its input. */
export interface OptionalKeyRequest extends Omit<IdempotentRequest, 'key'> {
  key: string | null | undefined;
}

/**
 * For mutations whose idempotency key is optional (creates): without a key every call runs `attempt`;
 * with one, the id of what the first call created is stored and replayed, exactly as `idempotent` does.
 * Call it inside the rule's transaction. `refusals` as for `idempotent`.
 */
export function createOnceForKey<TResult extends { userErrors: UserError[] }>(
  tx: SyncSqlite,
  call: OptionalKeyRequest,
  steps: {
    attempt(): TResult;
    /** The id of what a successful attempt created, stored to replay it. */
    createdId(result: TResult): string;
    replay(id: string): TResult;
    refuse(error: UserError): TResult;
  },
  refusals: 'replay' | 'forget',
): TResult {
  if (call.key === undefined || call.key === null) return steps.attempt();
  const badKey = invalidKey(call.key);
  if (badKey) return steps.refuse(badKey);
  const entry = {
    caller: call.caller,
    key: call.key,
    operation: call.operation,
    hash: requestHash(call.operation, call.request),
    now: call.now,
  };
  return idempotent(
    tx,
    entry,
    {
      attempt: steps.attempt,
      remember: (result) => ({ id: steps.createdId(result) }),
      replay: ({ id }: { id: string }) => steps.replay(id),
      refuse: steps.refuse,
    },
    refusals,
  );
}
