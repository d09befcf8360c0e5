import type { Logger } from 'pino';
import { pullEvents } from '../../contract/events-pull.ts';
import type { SyncSqlite } from '../idempotency.ts';
import type { EventsPage } from './endpoint.ts';
import { applyEvents, type EventHandler, readCursor } from './projection.ts';
import type { Publisher } from './types.ts';

/** Where one consumer stands with one publisher: what `/readyz` and the lag metric show. */
export interface ConsumerStatus {
  publisher: Publisher;
  transport: 'http' | 'nats';
  /** The last event applied here. */
  position: number;
  /** The publisher's last event, as last heard from it. */
  latest: number;
  /** Events behind: latest − position. */
  lag: number;
  /** Why the last attempt failed (null once one succeeds again). */
  lastError: string | null;
}

export interface RunningConsumer {
  status(): ConsumerStatus;
  stop(): Promise<void>;
}

export interface HttpConsumerOptions {
  publisher: Publisher;
  /** The publisher's base URL (`http://host:port`), asked before each pull; undefined while it is not known. */
  url: () => string | undefined;
  db: SyncSqlite;
  handler: EventHandler;
  secret: string;
  logger: Logger;
  /** Called after every pull, applied or not, and every failure (for the lag metric). */
  onStatus?: (status: ConsumerStatus) => void;
  waitMs?: number;
  batch?: number;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;
/** Failures in a row (about two seconds of them) before an outage is logged, once. */
const WARN_AFTER_FAILURES = 4;

/**
 * Pulls one publisher's events from its cursor, over and over (long-polls of `waitMs`), applying each batch with
 * the cursor in one transaction (projection.ts), so a batch pulled twice is applied once. A failed pull or apply is
 * retried from the cursor after a growing pause (250 ms up to 5 s), and logged once per outage that outlasts a start.
 */
export function startHttpConsumer(options: HttpConsumerOptions): RunningConsumer {
  const { publisher, db, handler, logger } = options;
  const waitMs = options.waitMs ?? 20_000;
  const batch = options.batch ?? 100;
  const position = readCursor(db, publisher);
  const status: ConsumerStatus = { publisher, transport: 'http', position, latest: position, lag: 0, lastError: null };
  const abort = new AbortController();
  let stopped = false;
  let backoff = MIN_BACKOFF_MS;
  let failures = 0;
  let pause: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      pause = { timer: setTimeout(resolve, ms), resolve };
    });

  // After a failure the next pull does not wait: recovery shows at once, not after a whole long poll.
  let recovering = false;
  /** Pulls once; true when the answer came back empty long before its wait was up (see pullEvents). */
  const pullOnce = async (): Promise<boolean> => {
    const base = options.url();
    if (!base) throw new Error(`the URL of ${publisher} is not known yet`);
    const cursor = readCursor(db, publisher);
    const { page, early } = await pullEvents<EventsPage>({
      publisher,
      origin: base,
      after: cursor,
      limit: batch,
      waitMs: recovering ? 0 : waitMs,
      secret: options.secret,
      stop: abort.signal,
    });
    const applied = page.events.length > 0 ? applyEvents(db, publisher, handler, page.events) : null;
    status.position = applied?.position ?? cursor;
    status.latest = Math.max(page.latest, status.position);
    status.lag = status.latest - status.position;
    return early;
  };

  const loop = async () => {
    while (!stopped) {
      try {
        const early = await pullOnce();
        if (failures >= WARN_AFTER_FAILURES) logger.info({ publisher }, `events from ${publisher}: pulling again`);
        failures = 0;
        status.lastError = null;
        recovering = false;
        backoff = MIN_BACKOFF_MS;
        // Something between did not hold the poll: pulling again at once would spin (see pullEvents).
        if (early) await sleep(MIN_BACKOFF_MS);
      } catch (error) {
        if (stopped) break;
        // fetch's own message is only "fetch failed"; the reason (ECONNREFUSED, a reset) is its cause.
        const cause = (error as Error & { cause?: Error }).cause?.message;
        const message = cause ? `${(error as Error).message}: ${cause}` : (error as Error).message;
        recovering = true;
        // Under npm start the subgraphs start together: a publisher not listening yet for a second is no news.
        if (++failures === WARN_AFTER_FAILURES) {
          logger.warn({ publisher, err: error }, `events from ${publisher}: ${message}`);
        }
        // The cursor is not read again here: the database itself may be what failed.
        status.lastError = message;
        options.onStatus?.(status);
        await sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        continue;
      }
      options.onStatus?.(status);
    }
  };
  const running = loop();
  return {
    status: () => ({ ...status }),
    stop: async () => {
      stopped = true;
      abort.abort();
      if (pause) {
        clearTimeout(pause.timer);
        pause.resolve();
      }
      await running;
    },
  };
}
