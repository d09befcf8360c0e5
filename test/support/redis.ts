import net from 'node:net';
import { Redis } from 'ioredis';

/** The machine's Redis (a real server on loopback), or LIFEGRAPH_TEST_REDIS_URL. */
export const TEST_REDIS_URL = process.env.LIFEGRAPH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether the test Redis answers. When it does not, suites that need it are skipped with a message saying so,
 * except under CI=true, where they must run: this then throws, and the suite fails.
 */
export async function redisAnswers(suite: string): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch (error) {
    const why = `${suite}: Redis at ${TEST_REDIS_URL} does not answer (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${why}; CI must run this suite`);
    console.warn(`${why}; skipping`);
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix` (each test names its buckets uniquely, and cleans them up). */
export async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/**
 * A TCP proxy in front of the test Redis: `cut()` closes every connection and stops accepting (Redis, as the gateway
 * sees it, has gone away), `restore()` accepts again on the same port. The real server is never touched.
 */
export async function redisProxy(): Promise<{
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Keeps the connections open but drops every answer from then on (a Redis that accepts but never answers). */
  stall(): void;
  close(): Promise<void>;
}> {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const serve = () =>
    net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream);
      upstream.on('data', (data) => {
        if (!stalled) client.write(data);
      });
    });
  let server = serve();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut,
    async restore() {
      server = serve();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    stall: () => {
      stalled = true;
    },
    close: () => (server.listening ? cut() : Promise.resolve()),
  };
}
