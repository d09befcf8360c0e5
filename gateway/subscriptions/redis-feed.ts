import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DeliveredEvent, Publisher } from './backbone.ts';
import type { EventFeed, FeedOptions } from './event-feed.ts';

/** How long a leader's lease lasts without renewal, and how often every process renews or tries to take it. */
const LEASE_MS = 5000;
const RENEW_MS = 1500;

/** Renews the lease only if this process still holds it (another may have taken it after a pause). */
const RENEW_IF_HOLDER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_HOLDER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface RedisFeedOptions extends FeedOptions {
  url: string;
  /** Key and channel prefix (default `lifegraph`), so several graphs can share one Redis. */
  prefix?: string;
  /** Starts pulling the backbone, from `resumeAfter` per publisher, into `onEvent`. */
  pull: (
    onEvent: (event: DeliveredEvent) => void,
    resumeAfter: (publisher: Publisher) => Promise<number | undefined>,
  ) => EventFeed;
}

/**
 * With Redis, one gateway process (the holder of a lease in Redis) pulls the backbone and publishes each event on
 * a channel every gateway process subscribes to: the subgraphs serve one long-poll per graph instead of one per
 * gateway process. The leader keeps its cursor in Redis, so a new leader (the old one died or lost Redis) resumes
 * where the old one stopped; an event published twice across a handover is delivered once (positions only grow).
 */
export function redisEventFeed(options: RedisFeedOptions): EventFeed {
  const prefix = options.prefix ?? 'lifegraph';
  const keys = { lease: `${prefix}:live:leader`, cursor: `${prefix}:live:cursor`, channel: `${prefix}:live:events` };
  const self = randomUUID();
  const commands = new Redis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  const subscriber = new Redis(options.url, { maxRetriesPerRequest: null });
  let warned = false;
  const warn = (error: unknown, what: string) => {
    if (!warned) options.logger.warn({ err: error }, `live subscriptions: Redis ${what}`);
    warned = true;
  };
  commands.on('error', (error) => warn(error, 'commands'));
  subscriber.on('error', (error) => warn(error, 'subscription'));

  const delivered = new Map<Publisher, number>();
  subscriber.on('message', (_channel: string, message: string) => {
    const event = JSON.parse(message) as DeliveredEvent;
    if (event.position <= (delivered.get(event.publisher) ?? 0)) return;
    delivered.set(event.publisher, event.position);
    options.onEvent(event);
  });
  const subscribed = subscriber.subscribe(keys.channel).catch((error) => warn(error, 'subscribe'));

  let pulling: EventFeed | undefined;
  const publish = (event: DeliveredEvent) => {
    // One connection sends in order: the cursor never runs ahead of what was published before it.
    commands
      .multi()
      .publish(keys.channel, JSON.stringify(event))
      .hset(keys.cursor, event.publisher, event.position)
      .exec()
      .catch((error) => warn(error, 'publish'));
  };
  const resumeAfter = async (publisher: Publisher) => {
    const stored = await commands.hget(keys.cursor, publisher);
    return stored === null ? undefined : Number(stored);
  };
  const stopPulling = async () => {
    const feed = pulling;
    pulling = undefined;
    await feed?.stop();
  };
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      const held = pulling
        ? (await commands.eval(RENEW_IF_HOLDER, 1, keys.lease, self, LEASE_MS)) === 1
        : (await commands.set(keys.lease, self, 'PX', LEASE_MS, 'NX')) === 'OK';
      warned = false;
      if (held && !pulling) {
        options.logger.info('live subscriptions: this process pulls the event backbone for the others (Redis lease)');
        pulling = options.pull(publish, resumeAfter);
      } else if (!held && pulling) await stopPulling();
    } catch (error) {
      warn(error, 'lease');
      // Without Redis this process cannot tell whether it still leads: stop pulling, so two never both publish.
      await stopPulling();
    } finally {
      ticking = false;
    }
  };
  const leasing = subscribed.then(tick);
  const timer = setInterval(() => void tick(), RENEW_MS);
  timer.unref();

  return {
    stop: async () => {
      clearInterval(timer);
      await leasing;
      const led = pulling !== undefined;
      await stopPulling();
      // Hand the lease over now rather than after it expires: another process resumes from the stored cursor.
      if (led) await commands.eval(RELEASE_IF_HOLDER, 1, keys.lease, self).catch(() => {});
      subscriber.disconnect();
      commands.disconnect();
    },
  };
}
