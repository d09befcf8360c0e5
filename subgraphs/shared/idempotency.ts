import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import {
  type BaseSQLiteDatabase,
  index,
  primaryKey,
  type SQLiteColumn,
  type SQLiteTable,
  type SQLiteTransactionConfig,
  sqliteTable,
  text,
} from 'drizzle-orm/sqlite-core';
import { type UserError, userError } from '../contract/errors.ts';
import { idempotencyCaller, type MerchantActor, type UserActor } from './actors.ts';
import { timestampMs } from './columns.ts';

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
 * `idempotentStep` inside a rule's own transaction (creates, whose key is optional). Both replay by id.
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
    createdAt: timestampMs('created_at').notNull(),
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
function invalidKey(key: string): UserError | null {
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
 * What `response_json` holds: the ids of a successful result's entities (`{ "couponId": "cpn_..." }`), or, for a
 * refused request whose refusals are replayed, `{ "refused": [...userErrors] }`.
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

/** The tables of the entities a mutation's result carries, by result field: `{ iou: ious, repayment: iouRepayments }`. */
export type ResultEntities = Record<string, SQLiteTable & { id: SQLiteColumn }>;

/** The entities of a repeated request, selected again by the ids the first one stored (null if gone). */
export type ReplayedRows<E extends ResultEntities> = { [K in keyof E]: E[K]['$inferSelect'] | null };

/** A mutation's result: its user errors, and (when it succeeded) the entities named by `ResultEntities`. */
export type ResultOf<E extends ResultEntities> = { userErrors: UserError[] } & {
  [K in keyof E]?: { id: string } | null;
};

/**
 * One idempotent mutation: what it does the first time, how a bad or reused key becomes its result, and which
 * entities of its result are stored by id. A repeat replays by id: each entity is selected again from its table
 * (as it is now), and `replay` (default: those rows and no user errors) builds the result from them.
 */
export interface IdempotentSteps<TResult extends ResultOf<E>, E extends ResultEntities> {
  entities: E;
  attempt(): TResult;
  refuse(error: UserError): TResult;
  replay?(rows: ReplayedRows<E>): TResult;
}

/** What a key stores for a success: `{ couponId }`, `{ iouId, repaymentId }`, one `<field>Id` per entity. */
function storedIds<E extends ResultEntities>(entities: E, result: ResultOf<E>): Record<string, string> {
  return Object.fromEntries(Object.keys(entities).map((field) => [`${field}Id`, result[field]?.id ?? '']));
}

function replayById<TResult extends ResultOf<E>, E extends ResultEntities>(
  tx: SyncSqlite,
  steps: IdempotentSteps<TResult, E>,
  ids: Record<string, string>,
): TResult {
  const rows = Object.fromEntries(
    Object.entries(steps.entities).map(([field, table]) => [
      field,
      tx
        .select()
        .from(table as SQLiteTable)
        .where(eq(table.id, ids[`${field}Id`] ?? ''))
        .get() ?? null,
    ]),
  ) as ReplayedRows<E>;
  // Without a `replay`, the result is exactly its entities (the constraint on TResult names each of them).
  return steps.replay ? steps.replay(rows) : ({ ...rows, userErrors: [] } as unknown as TResult);
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

/** One request to an idempotent mutation: who sent it, the key (optional for creates), the operation, its input. */
export interface IdempotentRequest {
  actor: UserActor | MerchantActor;
  key: string | null | undefined;
  operation: string;
  /** The input without its idempotency key, fingerprinted by `requestHash`. */
  request: unknown;
  now: Date;
}

/**
 * Runs one idempotent mutation inside the caller's transaction, so the key is stored with the effect or not at all.
 * Without a key every call runs `attempt` (only where the key is optional: use `idempotentTransaction` for money and
 * stock). With one: a bad key is refused, a key used for another operation or input is IDEMPOTENCY_KEY_REUSED, a
 * repeat replays the stored outcome, and a first request runs `attempt` and stores its entities' ids.
 *
 * `refusals` says what happens to a result with user errors: `'replay'` (what the spec asks of every mutation that
 * moves money or stock) stores its user errors too, so the same key and input return the same refusal and change
 * nothing, even once the rule would pass; `'forget'` stores nothing for it, so the same key can be retried once the
 * problem is fixed.
 */
export function idempotentStep<TResult extends ResultOf<E>, E extends ResultEntities>(
  tx: SyncSqlite,
  call: IdempotentRequest,
  steps: IdempotentSteps<TResult, E>,
  refusals: 'replay' | 'forget',
): TResult {
  if (call.key === undefined || call.key === null) return steps.attempt();
  const badKey = invalidKey(call.key);
  if (badKey) return steps.refuse(badKey);
  const entry = {
    caller: idempotencyCaller(call.actor),
    key: call.key,
    operation: call.operation,
    hash: requestHash(call.operation, call.request),
    now: call.now,
  };
  const prior = findPrior<Record<string, string>>(tx, entry);
  if (prior && 'reused' in prior) return steps.refuse(prior.reused);
  if (prior && 'refused' in prior) return refusedWith(steps.refuse, prior.refused);
  if (prior) return replayById(tx, steps, prior.response);
  const result = steps.attempt();
  if (result.userErrors.length === 0) savePrior(tx, { ...entry, response: storedIds(steps.entities, result) });
  else if (refusals === 'replay') savePrior(tx, { ...entry, response: { refused: result.userErrors } });
  return result;
}

/** A synchronous drizzle database whose `transaction` hands the callback a `TTx`. */
interface SyncTransactions<TTx> {
  transaction<T>(run: (tx: TTx) => T, config?: SQLiteTransactionConfig): T;
}

/**
 * A whole idempotent mutation: `idempotentStep` with refusals replayed, in one immediate transaction, with the steps
 * `steps` builds for that transaction. A mutation that moves money or stock declares its key `String!`, so it always
 * has one (an empty or oversized key is refused before anything is read); a create may leave it optional, and without
 * a key every call creates.
 *
 * Every outcome of the first request is stored, refusals included: the same key with the same input returns the
 * first result (the same entities, as they are now, or the same user errors) and changes nothing; the same key with
 * another input is IDEMPOTENCY_KEY_REUSED. A bad key is not stored (there is nothing to store it under), and an
 * exception rolls the whole transaction back, key included, so such a request can be retried.
 */
export function idempotentTransaction<TTx extends SyncSqlite, TResult extends ResultOf<E>, E extends ResultEntities>(
  db: SyncTransactions<TTx>,
  call: IdempotentRequest,
  steps: (tx: TTx) => IdempotentSteps<TResult, E>,
): TResult {
  // A bad key must not wait for the write lock to be told so: a deferred transaction that runs no statement takes none.
  const badKey = call.key === undefined || call.key === null ? null : invalidKey(call.key);
  if (badKey) return db.transaction((tx) => steps(tx).refuse(badKey));
  return db.transaction((tx) => idempotentStep(tx, call, steps(tx), 'replay'), { behavior: 'immediate' });
}
