import { IDENTITY_HEADER } from '../../contract/identity.ts';
import type { SyncSqlite } from '../idempotency.ts';
import { EVENTS_PATH, type EventsPage, MAX_EVENTS_LIMIT, signEventsRequest } from './endpoint.ts';
import { readEvents } from './outbox.ts';
import { applyEvents, clearProjection, type EventHandler, type Projection } from './projection.ts';
import type { DeliveredEvent, Publisher } from './types.ts';

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
  return rebuildFromHistory(consumerDb, projection, function* (publisher) {
    const source = publisherDb(publisher);
    let after = 0;
    for (;;) {
      const page = readEvents(source, publisher, after, PAGE);
      if (page.length === 0) return;
      yield page;
      after = page.at(-1)?.position ?? after;
    }
  });
}

/** As `rebuildProjection`, from each publisher's history as pages of events in order (e.g. pulled over HTTP first). */
export function rebuildFromHistory(
  consumerDb: SyncSqlite,
  projection: Projection,
  history: (publisher: Publisher) => Iterable<readonly DeliveredEvent[]>,
): RebuiltSource[] {
  return consumerDb.transaction(
    (tx) => {
      clearProjection(tx, projection);
      const rebuilt: RebuiltSource[] = [];
      for (const [publisher, handler] of Object.entries(projection.sources) as [Publisher, EventHandler][]) {
        let events = 0;
        let position = 0;
        for (const page of history(publisher)) {
          position = applyEvents(tx, publisher, handler, page).position;
          events += page.length;
        }
        rebuilt.push({ publisher, events, position });
      }
      return rebuilt;
    },
    { behavior: 'immediate' },
  );
}

/**
 * A publisher's whole history pulled over its `GET /events` (signed with the subgraph secret), for a rebuild where
 * the publisher's database is on another machine.
 */
export async function pullHistory(baseUrl: string, publisher: Publisher, secret: string): Promise<DeliveredEvent[][]> {
  const pages: DeliveredEvent[][] = [];
  let after = 0;
  for (;;) {
    const target = `${EVENTS_PATH}?after=${after}&limit=${MAX_EVENTS_LIMIT}`;
    const response = await fetch(new URL(target, baseUrl), {
      headers: { [IDENTITY_HEADER]: signEventsRequest(target, secret) },
    });
    if (!response.ok) {
      throw new Error(
        `${publisher} at ${baseUrl} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    }
    const { events } = (await response.json()) as EventsPage;
    if (events.length === 0) return pages;
    pages.push(events);
    after = events.at(-1)?.position ?? after;
  }
}
