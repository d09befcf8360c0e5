import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { SyncSqlite } from '../idempotency.ts';
import type { ConsumerStatus, RunningConsumer } from './http-consumer.ts';
import { type OutboxRow, onEventRecorded, toDelivered } from './outbox.ts';
import { applyEvents, type EventHandler, readCursor } from './projection.ts';
import type { DeliveredEvent, Publisher } from './types.ts';

/**
 * Delivery over NATS JetStream (LIFEGRAPH_NATS_URL): one stream per publisher, `LIFEGRAPH_<PUBLISHER>` on subjects
 * `lifegraph.events.<publisher>.<type>`, fed by a relay in each publisher process; one durable pull consumer per
 * consuming subgraph, named after it, shared by all its replicas. At-least-once all the way: the relay publishes
 * each committed outbox row with its event id as the JetStream message id (the stream drops a repeat within its
 * duplicate window) and marks it published after the broker's ack; the consumer acks a message after applying it
 * with the cursor (projection.ts), so a redelivered one changes nothing. One unacknowledged message at a time keeps
 * each publisher's order across replicas.
 */

/** Names of a publisher's stream and subjects; `prefix` lets tests use streams of their own. */
export function streamNames(publisher: Publisher, prefix = 'LIFEGRAPH') {
  return {
    stream: `${prefix}_${publisher.toUpperCase()}`,
    subjects: `${prefix.toLowerCase()}.events.${publisher}.>`,
    subject: (type: string) => `${prefix.toLowerCase()}.events.${publisher}.${type}`,
  };
}

/** How long the stream remembers message ids to drop repeats: longer than any relay retry. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
const RELAY_BATCH = 100;
/**
 * How long the stream waits for a delivered message's ack before giving it to another replica: applying one takes
 * milliseconds, so this is how long a consumer that died holding a message delays its successor.
 */
const ACK_WAIT_MS = 5000;
const POLL_MS = 200;
/**
 * How often an idle replica asks the broker for the consumer's pending count: a message's `pending` is only what was
 * left when it was delivered, and replicas share the consumer, so without asking an idle one would show a stale lag.
 */
const LAG_REFRESH_MS = 1000;
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;

interface NatsOptions {
  servers: string[];
  logger: Logger;
  /** Stream and subject prefix (default LIFEGRAPH / lifegraph). */
  prefix?: string;
}

/** What a session gets besides its connection. */
interface SessionControl {
  stopped(): boolean;
  /** Registers what stopping must do first (end an iteration that a drain would not end). */
  onStop(cleanup: () => void): void;
  /** Waits `ms`, or less when woken (`wake`) or stopped. */
  pause(ms: number): Promise<void>;
}

/** Connects (retrying forever) and runs `session` on the connection until stopped or the connection closes. */
function supervise(
  options: NatsOptions,
  what: string,
  session: (nc: NatsConnection, control: SessionControl) => Promise<void>,
  onError: (message: string | null) => void,
) {
  let stopped = false;
  let nc: NatsConnection | undefined;
  let cleanup: (() => void) | undefined;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const run = async () => {
    let backoff = MIN_BACKOFF_MS;
    let failing = false;
    while (!stopped) {
      try {
        nc = await connect({ servers: options.servers, maxReconnectAttempts: -1, name: `lifegraph ${what}` });
        if (failing) options.logger.info(`${what}: connected to NATS again`);
        failing = false;
        onError(null);
        backoff = MIN_BACKOFF_MS;
        await session(nc, {
          stopped: () => stopped,
          onStop: (c) => {
            cleanup = c;
          },
          pause: sleep,
        });
        // A session that ended by itself (its consumer deleted, the server gone): start again, but not in a spin.
        if (!stopped) await sleep(backoff);
      } catch (error) {
        if (stopped) break;
        const message = `${what}: ${(error as Error).message}`;
        if (!failing) options.logger.warn({ err: error }, message);
        failing = true;
        onError(message);
        await sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      } finally {
        await nc?.close().catch(() => {});
        nc = undefined;
      }
    }
  };
  const running = run();
  return {
    stop: async () => {
      stopped = true;
      wake?.();
      // A pull consumer's iteration does not end on drain by itself: stop it first, then drain (at most 2 s).
      cleanup?.();
      const drained = nc?.drain().catch(() => {});
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await nc?.close().catch(() => {});
      await running;
    },
    wake: () => wake?.(),
  };
}

/** Creates the publisher's stream, or leaves it as it is. */
async function ensureStream(nc: NatsConnection, publisher: Publisher, prefix?: string) {
  const names = streamNames(publisher, prefix);
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(names.stream);
  } catch {
    await jsm.streams.add({
      name: names.stream,
      subjects: [names.subjects],
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
  }
  return names;
}

/**
 * Moves the publisher's committed outbox rows to its stream, oldest first, one acknowledged publish at a time, and
 * marks each published once the stream acknowledged it. Woken by events recorded in this process, and polls for
 * the others' (other workers, CLIs).
 */
export function startNatsRelay(options: NatsOptions & { publisher: Publisher; db: SyncSqlite }) {
  const { publisher, db } = options;
  let unsubscribe = () => {};
  const supervisor = supervise(
    options,
    `${publisher} event relay`,
    async (nc, { stopped, pause }) => {
      const names = await ensureStream(nc, publisher, options.prefix);
      const js = jetstream(nc);
      unsubscribe();
      unsubscribe = onEventRecorded(() => supervisor.wake());
      while (!stopped()) {
        const rows = db.all<OutboxRow>(
          sql`select id, event_id, type, entity_id, version, payload, occurred_at from outbox_events
              where published_at is null order by id limit ${RELAY_BATCH}`,
        );
        for (const row of rows) {
          if (stopped()) return;
          const event = toDelivered(publisher, row);
          await js.publish(names.subject(event.type), JSON.stringify(event), { msgID: event.eventId });
          db.run(sql`update outbox_events set published_at = ${Date.now()} where id = ${row.id}`);
        }
        if (rows.length < RELAY_BATCH) await pause(POLL_MS);
      }
    },
    () => {},
  );
  return {
    stop: async () => {
      unsubscribe();
      await supervisor.stop();
    },
  };
}

/**
 * The durable consumer `consumer` of a publisher's stream: applies each message with the cursor, then acks it; its
 * lag is the number of the stream's messages not yet delivered to it.
 */
export function startNatsConsumer(
  options: NatsOptions & { publisher: Publisher; consumer: string; db: SyncSqlite; handler: EventHandler },
): RunningConsumer {
  const { publisher, db, handler } = options;
  const position = readCursor(db, publisher);
  const status: ConsumerStatus = { publisher, transport: 'nats', position, latest: position, lag: 0, lastError: null };
  const supervisor = supervise(
    options,
    `${options.consumer} consumer of ${publisher} events`,
    async (nc, { stopped, onStop }) => {
      const names = await ensureStream(nc, publisher, options.prefix);
      const jsm = await jetstreamManager(nc);
      const config = { max_ack_pending: 1, ack_wait: nanos(ACK_WAIT_MS) };
      await jsm.consumers
        .add(names.stream, {
          ...config,
          durable_name: options.consumer,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
        })
        // It exists with other settings (an older version made it): bring those up to date.
        .catch(() => jsm.consumers.update(names.stream, options.consumer, config));
      const consumer = await jetstream(nc).consumers.get(names.stream, options.consumer);
      const messages = await consumer.consume({ max_messages: 100 });
      onStop(() => messages.stop());
      let lastMessageAt = Date.now();
      const refreshLag = setInterval(() => {
        if (Date.now() - lastMessageAt < LAG_REFRESH_MS) return;
        consumer
          .info()
          .then((info) => {
            // Undelivered plus delivered but not yet acknowledged (by any replica): the events still to apply.
            status.position = readCursor(db, publisher);
            status.lag = info.num_pending + info.num_ack_pending;
            status.latest = status.position + status.lag;
          })
          // A broken connection is reported by the session's own failure handling; a stopped one has closed the db.
          .catch(() => {});
      }, LAG_REFRESH_MS);
      refreshLag.unref();
      // The connection closing for good ends the iteration below, and with it this session.
      nc.closed().then(
        () => messages.stop(),
        () => messages.stop(),
      );
      try {
        for await (const message of messages) {
          const event = message.json<DeliveredEvent>();
          const applied = applyEvents(db, publisher, handler, [event]);
          message.ack();
          lastMessageAt = Date.now();
          // `pending`: the stream's messages not yet delivered to this consumer, the events still to apply.
          status.position = applied.position;
          status.lag = message.info.pending;
          status.latest = status.position + status.lag;
          if (stopped()) break;
        }
      } finally {
        clearInterval(refreshLag);
      }
    },
    (error) => {
      status.lastError = error;
    },
  );
  return {
    status: () => ({ ...status }),
    stop: () => supervisor.stop(),
  };
}
