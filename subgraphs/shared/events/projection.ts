import { sql } from 'drizzle-orm';
import type { SyncSqlite } from '../idempotency.ts';
import type { DeliveredEvent, Publisher } from './types.ts';

/** Applies one event of a publisher to a consumer's tables, inside the consumer's transaction. */
export type EventHandler = (tx: SyncSqlite, event: DeliveredEvent) => void;

/**
 * What a consuming subgraph keeps from other subgraphs' events: per publisher, the handler of its events (types it
 * does not use it just skips: the cursor still moves past them), and the tables it maintains, which a rebuild
 * empties before replaying the publishers' whole history.
 */
export interface Projection {
  sources: Partial<Record<Publisher, EventHandler>>;
  tables: readonly string[];
}

/** A payload version a handler does not know: the consumer stops at it (and says so) rather than guess. */
export class UnknownEventVersion extends Error {
  constructor(event: DeliveredEvent, known: number) {
    super(
      `${event.publisher} event ${event.position} (${event.type}, ${event.eventId}) has payload version ` +
        `${event.version}; this consumer knows up to ${known}: deploy the newer version of this subgraph.`,
    );
  }
}

/** The position of the last event of `publisher` applied here (0 when none). */
export function readCursor(db: SyncSqlite, publisher: Publisher): number {
  return (
    db.get<{ position: number } | undefined>(sql`select position from event_cursors where publisher = ${publisher}`)
      ?.position ?? 0
  );
}

function writeCursor(tx: SyncSqlite, publisher: Publisher, position: number): void {
  tx.run(
    sql`insert into event_cursors (publisher, position) values (${publisher}, ${position})
        on conflict (publisher) do update set position = excluded.position`,
  );
}

/**
 * Applies a batch of one publisher's events, in order, exactly once: in one immediate transaction (concurrent
 * consumers of the same database, several workers or a rebuild, take turns) that reads the cursor, applies only
 * the events past it and moves it to the last. An event delivered again (a repeated pull, a NATS redelivery)
 * is behind the cursor and changes nothing. Returns how many events were applied and the cursor after.
 */
export function applyEvents(
  db: SyncSqlite,
  publisher: Publisher,
  handler: EventHandler,
  events: readonly DeliveredEvent[],
): { applied: number; position: number } {
  return db.transaction(
    (tx) => {
      let position = readCursor(tx, publisher);
      let applied = 0;
      for (const event of events) {
        if (event.position <= position) continue;
        handler(tx, event);
        position = event.position;
        applied++;
      }
      if (applied > 0) writeCursor(tx, publisher, position);
      return { applied, position };
    },
    { behavior: 'immediate' },
  );
}

/** Empties a projection's tables and cursors, in the caller's transaction (the first step of a rebuild). */
export function clearProjection(tx: SyncSqlite, projection: Projection): void {
  for (const table of projection.tables) tx.run(sql.raw(`delete from "${table}"`));
  for (const publisher of Object.keys(projection.sources)) {
    tx.run(sql`delete from event_cursors where publisher = ${publisher}`);
  }
}
