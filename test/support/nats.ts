import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** The machine's NATS server with JetStream (a real server on loopback), or LIFEGRAPH_TEST_NATS_URL. */
export const TEST_NATS_URL = process.env.LIFEGRAPH_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * Whether the test NATS answers with JetStream enabled. When it does not, suites that need it are skipped with a
 * message saying so, except under CI=true, where they must run: this then throws, and the suite fails.
 */
export async function natsAnswers(suite: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: TEST_NATS_URL, timeout: 1000, reconnect: false });
    try {
      await (await jetstreamManager(nc)).getAccountInfo();
    } finally {
      await nc.close();
    }
    return true;
  } catch (error) {
    const why = `${suite}: NATS JetStream at ${TEST_NATS_URL} does not answer (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${why}; CI must run this suite`);
    console.warn(`${why}; skipping`);
    return false;
  }
}

/** Deletes the streams whose names start with `prefix` (each suite uses streams of its own). */
export async function deleteStreams(prefix: string): Promise<void> {
  const nc = await connect({ servers: TEST_NATS_URL, timeout: 1000, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}
