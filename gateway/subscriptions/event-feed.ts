import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { pullEvents } from '../../subgraphs/contract/index.ts';
import { type DeliveredEvent, type EventsPage, type Publisher, streamName } from './backbone.ts';

/** The publishers whose events subscriptions deliver. */
export const LIVE_PUBLISHERS: readonly Publisher[] = ['content', 'offers', 'social'];

/** Events from the backbone as they happen, from the moment the feed starts (nothing older is replayed). */
export interface EventFeed {
  stop(): Promise<void>;
}

export interface FeedOptions {
  onEvent: (event: DeliveredEvent) => void;
  logger: Logger;
}

const MIN_BACKOFF_MS = 250;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
/** The largest `after` /events takes (15 digits). */
const BEYOND_ANY_POSITION = 999_999_999_999_999;
const MAX_BACKOFF_MS = 5000;

/**
 * Long-polls each publisher's signed `GET /events`, starting after its latest event, with the cursor in memory: a
 * gateway has no database to keep one in, and an event missed while the gateway was down is of no use to a
 * subscriber who was not connected either. Each gateway process pulls for itself, so each sees every event.
 */
export function httpEventFeed(
  options: FeedOptions & {
    originOf: (publisher: Publisher) => string | undefined;
    secret: string;
    waitMs?: number;
    /** Where to resume a publisher (after this position); undefined starts after its latest event. */
    resumeAfter?: (publisher: Publisher) => Promise<number | undefined>;
  },
): EventFeed {
  const abort = new AbortController();
  let stopped = false;
  const pull = (publisher: Publisher, after: number, limit: number, waitMs: number) => {
    const origin = options.originOf(publisher);
    if (!origin) throw new Error(`the URL of ${publisher} is not known`);
    return pullEvents<EventsPage>({
      publisher,
      origin,
      after,
      limit,
      waitMs,
      secret: options.secret,
      stop: abort.signal,
    });
  };
  const follow = async (publisher: Publisher) => {
    let cursor: number | undefined;
    let backoff = MIN_BACKOFF_MS;
    let warned = false;
    while (!stopped) {
      try {
        // The latest position first: asking after a position no outbox reaches returns no event, and where it is.
        if (cursor === undefined) cursor = await options.resumeAfter?.(publisher);
        if (cursor === undefined) cursor = (await pull(publisher, BEYOND_ANY_POSITION, 1, 0)).page.latest;
        const { page, early } = await pull(publisher, cursor, 100, options.waitMs ?? 20_000);
        for (const event of page.events) {
          cursor = event.position;
          options.onEvent(event);
        }
        backoff = MIN_BACKOFF_MS;
        warned = false;
        // Something between did not hold the poll: pulling again at once would spin (see pullEvents).
        if (early) await pause(MIN_BACKOFF_MS);
      } catch (error) {
        if (stopped) return;
        if (!warned) options.logger.warn({ err: error, publisher }, `live subscriptions: events from ${publisher}`);
        warned = true;
        await pause(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  };
  const running = Promise.all(LIVE_PUBLISHERS.map(follow));
  return {
    stop: async () => {
      stopped = true;
      abort.abort();
      await running;
    },
  };
}

/**
 * With NATS, an ordered (ephemeral) consumer per publisher stream and gateway process, delivering only new
 * messages: every gateway process receives every event (fan-out), none acknowledges for another.
 */
export function natsEventFeed(options: FeedOptions & { servers: string[]; prefix?: string }): EventFeed {
  let nc: NatsConnection | undefined;
  let stopped = false;
  const run = async () => {
    nc = await connect({ servers: options.servers, maxReconnectAttempts: -1, name: 'lifegraph gateway subscriptions' });
    const js = jetstream(nc);
    await Promise.all(
      LIVE_PUBLISHERS.map(async (publisher) => {
        const stream = streamName(publisher, options.prefix);
        while (!stopped) {
          try {
            const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.New });
            const messages = await consumer.consume();
            for await (const message of messages) {
              if (stopped) break;
              options.onEvent(message.json<DeliveredEvent>());
            }
          } catch (error) {
            if (stopped) return;
            // The stream may not exist yet (its relay creates it): try again shortly.
            options.logger.debug({ err: error, publisher }, 'live subscriptions: NATS consumer');
            await new Promise((resolve) => setTimeout(resolve, MIN_BACKOFF_MS).unref());
          }
        }
      }),
    );
  };
  const running = run().catch((error) => options.logger.error({ err: error }, 'live subscriptions: NATS feed'));
  return {
    stop: async () => {
      stopped = true;
      await nc?.drain().catch(() => {});
      await nc?.close().catch(() => {});
      await running;
    },
  };
}
