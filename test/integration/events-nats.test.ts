import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { openDatabase } from '../../subgraphs/shared/db.ts';
import { startNatsConsumer, streamNames } from '../../subgraphs/shared/events/nats.ts';
import { recordEvent } from '../../subgraphs/shared/events/outbox.ts';
import { readCursor } from '../../subgraphs/shared/events/projection.ts';
import type { DeliveredEvent } from '../../subgraphs/shared/events/types.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { deleteStreams, natsAnswers, TEST_NATS_URL } from '../support/nats.ts';
import { eventually } from '../support/processes.ts';
import { readRows } from '../support/sqlite.ts';
import { testDataDir } from '../support/temp.ts';

// The same backbone over the machine's NATS JetStream: merchants' relay moves its outbox to its stream, offers and
// content consume it with durable consumers. Streams of this run only (a prefix of its own), deleted afterwards.
const available = await natsAnswers('events over NATS');
const PREFIX = `LGT${randomUUID().slice(0, 8).toUpperCase()}`;
const silent = pino({ level: 'silent' });
const dataDir = testDataDir('lg-events-nats-');
// biome-ignore lint/suspicious/noExplicitAny: each subgraph has its own tables
const running: Record<string, StartedSubgraph<any>> = {};
const events = { natsServers: [TEST_NATS_URL], natsPrefix: PREFIX };

describe.skipIf(!available)('events over NATS JetStream', () => {
  beforeAll(async () => {
    seedDataDir(dataDir);
    for (const name of ['merchants', 'offers', 'content'] as const) {
      running[name] = await SUBGRAPHS[name].start({
        dataDir,
        port: 0,
        subgraphSecret: 'nats-secret',
        scheduler: false,
        logger: silent,
        events,
      });
    }
  });
  afterAll(async () => {
    for (const subgraph of Object.values(running).reverse()) await subgraph.stop();
    await deleteStreams(PREFIX);
  });

  it("relays the seed's history and a new store to the stream; both consumers apply it within a second", async () => {
    const db = running.merchants?.database.db as SyncSqlite;
    await eventually(
      () => readRows(dataDir, 'merchants', 'select id from outbox_events where published_at is null').length === 0,
      'every seeded event published',
    );
    const started = Date.now();
    db.transaction((tx) =>
      recordEvent(tx, {
        type: 'store.created',
        entityId: 'sto_nats',
        payload: {
          storeId: 'sto_nats',
          merchantId: 'mer_newhope',
          name: 'NATS store',
          address: '2 Broker Street',
          city: 'Shanghai',
          lat: 31.23,
          lng: 121.47,
          openingHours: '09:00-21:00',
        },
      }),
    );
    await eventually(
      () =>
        readRows(dataDir, 'offers', "select 1 from store_merchants where store_id = 'sto_nats'").length === 1 &&
        readRows(dataDir, 'content', "select 1 from store_directory where store_id = 'sto_nats'").length === 1,
      'the store in both projections',
      5000,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    const ready = (await fetch(new URL('/readyz', running.offers?.url)).then((r) => r.json())) as {
      events: { transport: string; consumers: { publisher: string; position: number; lag: number }[] };
    };
    // offers also reads content's and its own events (the search index); merchants' is the one this test feeds.
    const fromMerchants = ready.events.consumers.find((c) => c.publisher === 'merchants');
    expect(ready.events.transport).toBe('nats');
    expect(fromMerchants).toMatchObject({ lag: 0 });
    expect(fromMerchants?.position).toBe(readRows(dataDir, 'merchants', 'select id from outbox_events').length);
  });

  it('applies an event published twice, and shared by two replicas of a consumer, exactly once and in order', async () => {
    // A publisher of its own (the stream `<prefix>_SOCIAL`), fed by hand: every event twice under different
    // message ids (so the stream keeps both, as after a relay crash outside the duplicate window).
    const names = streamNames('social', PREFIX);
    const nc = await connect({ servers: TEST_NATS_URL });
    const databases = [0, 1].map(() =>
      openDatabase({
        file: `${testDataDir('lg-events-nats-dup-')}/offers.sqlite`,
        schema: {},
        migrationsFolder: new URL('../../subgraphs/offers/migrations', import.meta.url).pathname,
      }),
    );
    // Two replicas share one database (as two workers of a subgraph do) and one durable consumer.
    const shared = databases[0]?.db as SyncSqlite;
    const applied: number[] = [];
    const replicas = [0, 1].map(() =>
      startNatsConsumer({
        servers: [TEST_NATS_URL],
        prefix: PREFIX,
        logger: silent,
        publisher: 'social',
        consumer: 'dup-test',
        db: shared,
        handler: (_tx, event) => applied.push(event.position),
      }),
    );
    try {
      // The consumers create the stream when they start; wait for it before publishing.
      const js = jetstream(nc);
      await eventually(async () => {
        try {
          await js.streams.get(names.stream);
          return true;
        } catch {
          return false;
        }
      }, 'the stream exists');
      for (const position of [1, 2, 3, 4, 5]) {
        const event = profileChanged('dup', position, 'usr_alice');
        const acks = [];
        for (const copy of ['a', 'b', 'b']) {
          acks.push(
            await js.publish(names.subject(event.type), JSON.stringify(event), { msgID: `${event.eventId}-${copy}` }),
          );
        }
        // The second 'b' has the same message id as the first: the stream drops it.
        expect(acks.map((a) => a.duplicate)).toEqual([false, false, true]);
      }
      await eventually(() => readCursor(shared, 'social') === 5, 'all five applied', 5000);
      await eventually(() => replicas.every((r) => r.status().lag === 0), 'both replicas see nothing pending', 5000);
      expect(applied).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      await nc.close();
      for (const d of databases) d.close();
    }
  });

  it('shows the lag of an idle replica: events held back by another are counted, then applied when released', async () => {
    // A message held unacknowledged by one replica blocks the others (one in flight keeps the order): the idle
    // replica must report the events still to apply, not the zero it saw last.
    // A stream of its own (the prefix starts with PREFIX, so afterAll deletes it too).
    const prefix = `${PREFIX}H`;
    const names = streamNames('social', prefix);
    const nc = await connect({ servers: TEST_NATS_URL });
    const database = openDatabase({
      file: `${testDataDir('lg-events-nats-held-')}/offers.sqlite`,
      schema: {},
      migrationsFolder: new URL('../../subgraphs/offers/migrations', import.meta.url).pathname,
    });
    const db = database.db as SyncSqlite;
    const applied: number[] = [];
    const start = () =>
      startNatsConsumer({
        servers: [TEST_NATS_URL],
        prefix,
        logger: silent,
        publisher: 'social',
        consumer: 'held-test',
        db,
        handler: (_tx, event) => applied.push(event.position),
      });
    const js = jetstream(nc);
    // The first replica creates the stream (if needed) and the durable consumer, then goes.
    const first = start();
    await eventually(async () => {
      try {
        await js.consumers.get(names.stream, 'held-test').then((c) => c.info());
        return true;
      } catch {
        return false;
      }
    }, 'the consumer exists');
    await first.stop();
    for (const position of [1, 2, 3]) {
      const event = profileChanged('held', position, 'usr_bob');
      await js.publish(names.subject(event.type), JSON.stringify(event), { msgID: event.eventId });
    }
    // Another replica (this test) takes the consumer's next message and holds it.
    const consumer = await js.consumers.get(names.stream, 'held-test');
    const held = await consumer.next({ expires: 5000 });
    expect(held?.json<DeliveredEvent>().position).toBe(1);
    const idle = start();
    try {
      await eventually(() => idle.status().lag === 3, 'the idle replica reports the three events to apply', 5000);
      expect(applied).toEqual([]);
      held?.nak();
      await eventually(() => readCursor(db, 'social') === 3, 'all three applied once released', 10_000);
      await eventually(() => idle.status().lag === 0, 'nothing pending afterwards', 5000);
      expect(applied).toEqual([1, 2, 3]);
    } finally {
      await idle.stop();
      await nc.close();
      database.close();
    }
  });
});

/** Social's `user.profile_changed` at `position`, as its relay publishes it, with the event id `evt_<tag>_<position>`. */
function profileChanged(tag: string, position: number, userId: string): DeliveredEvent {
  return {
    publisher: 'social',
    position,
    eventId: `evt_${tag}_${position}`,
    type: 'user.profile_changed',
    entityId: userId,
    version: 1,
    payload: { userId, nickname: `${tag}${position}`, avatarUrl: null, realNameVerified: false },
    occurredAt: new Date().toISOString(),
  };
}
