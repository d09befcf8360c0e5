import type { SyncSqlite } from '../idempotency.ts';
import { readEvents } from './outbox.ts';
import { applyEvents, clearProjection, type Projection } from './projection.ts';
import type { Publisher } from './types.ts';

const PAGE = 1000;

/** What a rebuild replayed from one publisher: its events read, and the cursor it left. */
export interface RebuiltSource {
  publisher: Publisher;
  events: number;
  position: number;
}

/**
 * Rebuilds a consumer's projection from its publishers' whole history, in one immediate transaction on the consumer's
 * database: its tables and cursors emptied, then every event of every publisher applied in order, as the consumers
 * would. A consumer running meanwhile waits for it, then goes on from the rebuilt cursor; a failure changes nothing.
 * `publisherDb` gives the publisher's database (read-only use), in the same data directory.
 */
export function rebuildProjection(
  consumerDb: SyncSqlite,
  projection: Projection,
  publisherDb: (publisher: Publisher) => SyncSqlite,
): RebuiltSource[] {
  return consumerDb.transaction(
    (tx) => {
      clearProjection(tx, projection);
      const rebuilt: RebuiltSource[] = [];
      for (const [publisher, handler] of Object.entries(projection.sources) as [
        Publisher,
        NonNullable<Projection['sources'][Publisher]>,
      ][]) {
        const source = publisherDb(publisher);
        let after = 0;
        let events = 0;
        for (;;) {
          const page = readEvents(source, publisher, after, PAGE);
          if (page.length === 0) break;
          applyEvents(tx, publisher, handler, page);
          events += page.length;
          after = page.at(-1)?.position ?? after;
        }
        rebuilt.push({ publisher, events, position: after });
      }
      return rebuilt;
    },
    { behavior: 'immediate' },
  );
}
