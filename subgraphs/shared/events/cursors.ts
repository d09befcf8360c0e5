import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The `event_cursors` table of a consuming subgraph: per publisher, the position (outbox id) of the last event
 * applied. It is updated in the same transaction as the event's effect, so an event delivered twice (a retried
 * pull, a redelivered NATS message) finds its position already passed and changes nothing.
 */
export function eventCursorsTable() {
  return sqliteTable('event_cursors', {
    publisher: text('publisher').primaryKey(),
    position: integer('position').notNull(),
  });
}
