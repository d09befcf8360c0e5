import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { openDatabaseFile } from '../../contract/database-files.ts';
import type { SyncSqlite } from '../idempotency.ts';
import { EVENTS_PATH, eventsHandler } from './endpoint.ts';
import { type ConsumerStatus, type RunningConsumer, startHttpConsumer } from './http-consumer.ts';
import { startNatsConsumer, startNatsRelay } from './nats.ts';
import type { EventHandler, Projection } from './projection.ts';
import { natsPrefixFromEnv, natsServersFromEnv, publisherUrlFromEnv } from './settings.ts';
import type { Publisher } from './types.ts';

export interface EventsOptions {
  name: Publisher;
  /** The subgraph's SQLite file: the backbone works on a connection of its own to it (see startEvents). */
  file: string;
  app: Express;
  registry: Registry;
  secret: string;
  logger: Logger;
  /** What this subgraph keeps from other subgraphs' events; none: it only publishes. */
  projection?: Projection;
  /** Where a publisher's `/events` is; from the environment when not given (settings.ts). */
  publisherUrl?: (publisher: Publisher) => string | undefined;
  /** Run the consumers (default true). */
  consume?: boolean;
  /** NATS servers; from LIFEGRAPH_NATS_URL when not given; an empty list forces embedded delivery. */
  natsServers?: string[];
  /** Stream and subject prefix (tests use their own streams). */
  natsPrefix?: string;
  /** Long-poll length of embedded pulls (tests shorten it). */
  waitMs?: number;
}

/** What `/readyz` shows of the event backbone: the transport and, per publisher consumed, where it stands. */
export interface EventsReadiness {
  transport: 'http' | 'nats';
  consumers: ConsumerStatus[];
}

export interface RunningEvents {
  readiness(): EventsReadiness;
  stop(): Promise<void>;
}

/**
 * The event backbone of one subgraph process: its `GET /events` (served with either transport, for rebuilds and
 * pulls), with NATS its relay to JetStream, and a consumer per publisher its projection reads, over JetStream when
 * NATS is configured and by long-polling the publisher's `/events` otherwise. Lag is the metric
 * `lifegraph_event_consumer_lag{publisher}` and part of `/readyz`.
 */
export function startEvents(options: EventsOptions): RunningEvents {
  const { name, logger } = options;
  // A connection of its own: waiting pulls re-read the outbox every 200 ms and consumers write projections, and none
  // of that may count as the statements of the subgraph's requests (the N+1 tests and benchmarks count them).
  const connection = openDatabaseFile({ file: options.file, prepare: (sqlite) => drizzle(sqlite) });
  const db: SyncSqlite = connection.prepared;
  const endpoint = eventsHandler(name, db, options.secret);
  options.app.get(EVENTS_PATH, endpoint.handler);
  const nats = options.natsServers ?? natsServersFromEnv() ?? [];
  const transport = nats.length > 0 ? 'nats' : 'http';
  const natsPrefix = options.natsPrefix ?? (transport === 'nats' ? natsPrefixFromEnv() : undefined);
  const relay =
    transport === 'nats'
      ? startNatsRelay({ servers: nats, publisher: name, db, logger, prefix: natsPrefix })
      : undefined;
  const consumers: RunningConsumer[] = [];
  if (options.consume !== false && options.projection) {
    for (const [publisher, handler] of Object.entries(options.projection.sources) as [Publisher, EventHandler][]) {
      const common = { publisher, db, handler, logger };
      consumers.push(
        transport === 'nats'
          ? startNatsConsumer({ ...common, servers: nats, consumer: name, prefix: natsPrefix })
          : startHttpConsumer({
              ...common,
              url: () => (options.publisherUrl ?? publisherUrlFromEnv)(publisher),
              secret: options.secret,
              waitMs: options.waitMs,
            }),
      );
    }
  }
  new Gauge({
    name: 'lifegraph_event_consumer_lag',
    help: "Events a consuming subgraph has not applied yet, by publisher: the publisher's last event as last heard from it, minus the last applied here.",
    labelNames: ['publisher'] as const,
    registers: [options.registry],
    collect() {
      for (const c of consumers) {
        const status = c.status();
        this.set({ publisher: status.publisher }, status.lag);
      }
    },
  });
  return {
    readiness: () => ({ transport, consumers: consumers.map((c) => c.status()) }),
    stop: async () => {
      await Promise.all(consumers.map((c) => c.stop()));
      await relay?.stop();
      endpoint.close();
      connection.sqlite.close();
    },
  };
}
