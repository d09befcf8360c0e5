import { DEFAULT_PORTS, readIntegerEnv } from '../../contract/settings.ts';
import { PUBLISHERS, type Publisher } from './types.ts';

/** The variable naming where a publisher's `/events` is, when it is not on this host at its port. */
export const eventsUrlVariable = (publisher: Publisher) => `LIFEGRAPH_${publisher.toUpperCase()}_EVENTS_URL`;

/** Every variable the event backbone reads, for the settings check at start. */
export const EVENT_VARIABLES = [
  'LIFEGRAPH_NATS_URL',
  'LIFEGRAPH_NATS_PREFIX',
  ...PUBLISHERS.map(eventsUrlVariable),
] as const;

function httpUrl(key: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`${key}="${value}" is not allowed: use the publisher's base URL, e.g. http://10.0.0.5:4001.`);
  }
  return url.origin;
}

/**
 * The publisher's base URL for embedded delivery: `LIFEGRAPH_<PUBLISHER>_EVENTS_URL` when set, else this host at the
 * publisher's port (`LIFEGRAPH_<PUBLISHER>_PORT` or its default), which is where `npm start` runs it.
 */
export function publisherUrlFromEnv(publisher: Publisher, env: NodeJS.ProcessEnv = process.env): string {
  const key = eventsUrlVariable(publisher);
  const value = env[key]?.trim();
  if (value) return httpUrl(key, value);
  const portKey = `LIFEGRAPH_${publisher.toUpperCase()}_PORT`;
  const port = readIntegerEnv(portKey, { defaultValue: DEFAULT_PORTS[publisher], min: 0, max: 65535, env });
  return `http://127.0.0.1:${port}`;
}

/** `LIFEGRAPH_NATS_URL` (one or more comma-separated nats:// or tls:// servers), or undefined: embedded delivery. */
export function natsServersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const value = env.LIFEGRAPH_NATS_URL?.trim();
  if (!value) return undefined;
  const servers = value.split(',').map((s) => s.trim());
  for (const server of servers) {
    let url: URL | undefined;
    try {
      url = new URL(server);
    } catch {}
    if (!url || !['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol) || !url.hostname) {
      throw new Error(
        `LIFEGRAPH_NATS_URL="${value}" is not allowed: use nats://host:4222 (several comma-separated), or unset it for embedded delivery.`,
      );
    }
  }
  return servers;
}

/**
 * `LIFEGRAPH_NATS_PREFIX`: the first part of the stream names (`<PREFIX>_MERCHANTS`) and subjects
 * (`<prefix>.events.merchants.*`), so environments sharing a NATS cluster keep apart; default LIFEGRAPH.
 */
export function natsPrefixFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.LIFEGRAPH_NATS_PREFIX?.trim();
  if (!value) return 'LIFEGRAPH';
  if (!/^[A-Z][A-Z0-9_]{0,31}$/.test(value)) {
    throw new Error(
      `LIFEGRAPH_NATS_PREFIX="${value}" is not allowed: use 1 to 32 capital letters, digits and underscores, starting with a letter (e.g. LIFEGRAPH_STAGING).`,
    );
  }
  return value;
}

/** Reads every event setting once, throwing the first bad one as one line (for the subgraph command's start). */
export function checkEventSettings(env: NodeJS.ProcessEnv = process.env): void {
  natsServersFromEnv(env);
  natsPrefixFromEnv(env);
  for (const publisher of PUBLISHERS) publisherUrlFromEnv(publisher, env);
}
