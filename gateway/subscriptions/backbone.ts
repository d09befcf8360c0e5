/**
 * The event backbone's wire format as the gateway reads it (the gateway imports nothing of subgraphs/ but the
 * contract): `GET /events` pages (subgraphs/shared/events/endpoint.ts; the pull itself is the contract's
 * events-pull.ts), JetStream names (events/nats.ts) and the
 * payload fields subscriptions route by (events/types.ts).
 */
export type Publisher = 'merchants' | 'content' | 'offers' | 'social';

/** One event as delivered over HTTP or NATS; `payload` holds the fields routing.ts reads. */
export interface DeliveredEvent {
  publisher: Publisher;
  position: number;
  type: string;
  entityId: string;
  payload: Record<string, unknown>;
  occurredAt: string;
}

export interface EventsPage {
  events: DeliveredEvent[];
  latest: number;
}

/** A publisher's JetStream stream (`<PREFIX>_<PUBLISHER>`), as the subgraphs' relays create it. */
export const streamName = (publisher: Publisher, prefix = 'LIFEGRAPH') => `${prefix}_${publisher.toUpperCase()}`;

/** LIFEGRAPH_NATS_URL as a list of servers (validated by the subgraphs' settings check), or undefined. */
export function natsServersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const value = env.LIFEGRAPH_NATS_URL?.trim();
  return value ? value.split(',').map((s) => s.trim()) : undefined;
}

export const natsPrefixFromEnv = (env: NodeJS.ProcessEnv = process.env) =>
  env.LIFEGRAPH_NATS_PREFIX?.trim() || 'LIFEGRAPH';
