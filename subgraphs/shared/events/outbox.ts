/**
 * The transactional outbox every publishing subgraph has (issue 12).
 *
 * API: a subgraph's tables.ts declares `export const outboxEvents = outboxEventsTable();`, and a rule that changes
 * a fact other subgraphs use calls `recordEvent(tx, { type, entityId, payload })` with the drizzle transaction it
 * writes the change in (`db.transaction((tx) => { ...; recordEvent(tx, {...}); })`), so the event row exists if and
 * only if the change commits. `type` is one of `EventType` (types.ts), whose `payload` type it checks; `version`
 * defaults to the type's current version (EVENT_VERSIONS), `occurredAt` to now (pass the rule's clock). The row's
 * `id` (AUTOINCREMENT, never reused) is the per-publisher sequence: SQLite has one writer at a time, so ids are
 * committed in order and a consumer's cursor is the last id it applied. `event_id` (`evt_` + UUID) is the global
 * id brokers deduplicate by. Delivery (HTTP long-poll, NATS relay) reads rows with `readEvents`; nothing here
 * sends anything. Calling recordEvent outside a transaction works but loses the iff: always pass the tx.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestampMs } from '../columns.ts';
import type { SyncSqlite } from '../idempotency.ts';
import { type DeliveredEvent, EVENT_VERSIONS, type EventPayloads, type EventType, type Publisher } from './types.ts';

/**
 * The `outbox_events` table for a subgraph's tables.ts. `published_at` is set by the NATS relay once the broker
 * acknowledged the row; the HTTP endpoint does not use it (consumers pull by cursor).
 */
export function outboxEventsTable() {
  return sqliteTable(
    'outbox_events',
    {
      id: integer('id').primaryKey({ autoIncrement: true }),
      eventId: text('event_id').notNull().unique(),
      type: text('type').$type<EventType>().notNull(),
      entityId: text('entity_id').notNull(),
      version: integer('version').notNull(),
      payload: text('payload').notNull(),
      occurredAt: timestampMs('occurred_at').notNull(),
      publishedAt: timestampMs('published_at'),
    },
    (t) => [index('outbox_events_unpublished_idx').on(t.publishedAt, t.id)],
  );
}

/** What a rule records: the event's type, the entity it is about, and its payload. */
export interface NewEvent<T extends EventType> {
  type: T;
  entityId: string;
  payload: EventPayloads[T];
  /** The payload's version; the type's current one (EVENT_VERSIONS) when omitted. */
  version?: number;
  /** When the fact changed: the rule's clock. Now when omitted. */
  occurredAt?: Date;
}

/** Listeners woken after a write that recorded an event (the long-poll endpoint), by database handle. */
const written = new Set<() => void>();

/**
 * Inserts the event in the caller's transaction and returns its event id. Listeners (`onEventRecorded`) are
 * woken on the next turn of the event loop, after the synchronous transaction has committed or rolled back;
 * they re-read the table, so a rolled-back event wakes them for nothing and is never seen.
 */
export function recordEvent<T extends EventType>(tx: SyncSqlite, event: NewEvent<T>): string {
  const eventId = `evt_${randomUUID()}`;
  const occurredAt = (event.occurredAt ?? new Date()).getTime();
  tx.run(
    sql`insert into outbox_events (event_id, type, entity_id, version, payload, occurred_at)
        values (${eventId}, ${event.type}, ${event.entityId}, ${event.version ?? EVENT_VERSIONS[event.type]},
                ${JSON.stringify(event.payload)}, ${occurredAt})`,
  );
  if (written.size > 0) setImmediate(notifyWritten);
  return eventId;
}

function notifyWritten(): void {
  for (const listener of written) listener();
}

/** Calls `listener` after each write that recorded an event in this process; returns the unsubscribe. */
export function onEventRecorded(listener: () => void): () => void {
  written.add(listener);
  return () => written.delete(listener);
}

interface OutboxRow {
  id: number;
  event_id: string;
  type: EventType;
  entity_id: string;
  version: number;
  payload: string;
  occurred_at: number;
}

/** The events after `position`, oldest first, at most `limit` of them, as delivered to consumers. */
export function readEvents(db: SyncSqlite, publisher: Publisher, after: number, limit: number): DeliveredEvent[] {
  const rows = db.all<OutboxRow>(
    sql`select id, event_id, type, entity_id, version, payload, occurred_at from outbox_events
        where id > ${after} order by id limit ${limit}`,
  );
  return rows.map((row) => toDelivered(publisher, row));
}

/** The last position recorded (0 when none): how far the publisher is, for consumers' lag. */
export function latestPosition(db: SyncSqlite): number {
  return db.get<{ last: number | null }>(sql`select max(id) as last from outbox_events`)?.last ?? 0;
}

/** An outbox row as a consumer sees it. */
export function toDelivered(publisher: Publisher, row: OutboxRow): DeliveredEvent {
  return {
    publisher,
    position: row.id,
    eventId: row.event_id,
    type: row.type,
    entityId: row.entity_id,
    version: row.version,
    payload: JSON.parse(row.payload),
    occurredAt: new Date(row.occurred_at).toISOString(),
  };
}

export type { OutboxRow };
