import { readIntegerEnv } from '../../subgraphs/contract/index.ts';

/** Limits of live subscriptions (README "Live subscriptions"). */
export interface SubscriptionSettings {
  /** Subscriptions one WebSocket connection may hold at once. */
  perConnection: number;
  /** Subscriptions one caller (partner key, user, or client address when anonymous) may hold in this process. */
  perCaller: number;
  /** Events queued for a subscriber that does not keep up before it is told and disconnected. */
  maxQueued: number;
  /** WebSocket ping interval (a connection that misses a pong is closed); SSE sends a comment every 12 s. */
  keepAliveMs: number;
  /** How often the credentials of open subscriptions are checked again (a revoked or expired key ends them). */
  recheckMs: number;
}

export const DEFAULT_SUBSCRIPTION_SETTINGS: SubscriptionSettings = {
  perConnection: 20,
  perCaller: 200,
  maxQueued: 100,
  keepAliveMs: 12_000,
  recheckMs: 60_000,
};

/** The settings from `LIFEGRAPH_SUBSCRIPTIONS_*`, failing fast on a bad value. */
export function subscriptionSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SubscriptionSettings {
  const d = DEFAULT_SUBSCRIPTION_SETTINGS;
  const read = (key: string, defaultValue: number, min: number, max: number) =>
    readIntegerEnv(key, { defaultValue, min, max, env });
  return {
    perConnection: read('LIFEGRAPH_SUBSCRIPTIONS_PER_CONNECTION', d.perConnection, 1, 1000),
    perCaller: read('LIFEGRAPH_SUBSCRIPTIONS_PER_CALLER', d.perCaller, 1, 100_000),
    maxQueued: read('LIFEGRAPH_SUBSCRIPTIONS_QUEUE', d.maxQueued, 1, 10_000),
    keepAliveMs: read('LIFEGRAPH_SUBSCRIPTIONS_KEEPALIVE_MS', d.keepAliveMs, 1000, 600_000),
    recheckMs: read('LIFEGRAPH_SUBSCRIPTIONS_RECHECK_MS', d.recheckMs, 1000, 3_600_000),
  };
}
