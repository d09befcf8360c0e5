import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpEventFeed, LIVE_PUBLISHERS } from '../../gateway/subscriptions/event-feed.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import { IDENTITY_HEADER } from '../../subgraphs/contract/identity.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { offersProjection } from '../../subgraphs/offers/projections.ts';
import { openDatabase } from '../../subgraphs/shared/db.ts';
import { signEventsRequest } from '../../subgraphs/shared/events/endpoint.ts';
import { startHttpConsumer } from '../../subgraphs/shared/events/http-consumer.ts';
import { recordEvent } from '../../subgraphs/shared/events/outbox.ts';
import { type EventHandler, readCursor } from '../../subgraphs/shared/events/projection.ts';
import type { DeliveredEvent } from '../../subgraphs/shared/events/types.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { eventually } from '../support/processes.ts';
import { readRows } from '../support/sqlite.ts';
import { testDataDir } from '../support/temp.ts';

// Embedded delivery for real: merchants serves its outbox on GET /events, offers, content and social pull it over
// HTTP and keep their projections; the consumer is also fed duplicates by a publisher that ignores the cursor.
const SECRET = 'events-delivery-secret';
const silent = pino({ level: 'silent' });
const dataDir = testDataDir('lg-events-');
// biome-ignore lint/suspicious/noExplicitAny: each subgraph has its own tables
const running: Record<string, StartedSubgraph<any>> = {};
const origin = (name: string) => new URL(running[name]?.url ?? 'http://invalid').origin;

beforeAll(async () => {
  seedDataDir(dataDir);
  for (const name of ['merchants', 'offers', 'content', 'social'] as const) {
    running[name] = await SUBGRAPHS[name].start({
      dataDir,
      port: 0,
      subgraphSecret: SECRET,
      scheduler: false,
      logger: silent,
      events: { publisherUrl: (publisher) => running[publisher] && origin(publisher), waitMs: 2000 },
    });
  }
});
afterAll(async () => {
  for (const subgraph of Object.values(running).reverse()) await subgraph.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type Json = any;
const pull = (target: string, headers: Record<string, string> = {}) =>
  fetch(`${origin('merchants')}${target}`, { headers }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Json,
  }));
const signed = (target: string) => ({ [IDENTITY_HEADER]: signEventsRequest(target, SECRET) });

/** Records a store.created in merchants' outbox, as D's createStore does, in a transaction of its own. */
function createStoreEvent(storeId: string, merchantId = 'mer_kfc') {
  const db = running.merchants?.database.db as SyncSqlite;
  db.transaction((tx) =>
    recordEvent(tx, {
      type: 'store.created',
      entityId: storeId,
      payload: {
        storeId,
        merchantId,
        name: storeId,
        address: '1 Test Road',
        city: 'Hangzhou',
        lat: 30.25,
        lng: 120.16,
        openingHours: '10:00-22:00',
      },
    }),
  );
}

describe('GET /events', () => {
  it('refuses an unsigned pull, a signature for another URL and bad parameters, as GraphQL JSON', async () => {
    expect(await pull('/events?after=0')).toMatchObject({
      status: 401,
      body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] },
    });
    expect((await pull('/events?after=0', signed('/events?after=5'))).status).toBe(401);
    const bad = await pull('/events?after=-1', signed('/events?after=-1'));
    expect(bad).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
    expect(bad.body.errors[0].message).toMatch(/after must be a whole number/);
    expect((await pull('/events?limit=5000', signed('/events?limit=5000'))).status).toBe(400);
  });

  it("answers the seed's history in order from a cursor, with the publisher's last position", async () => {
    const { status, body } = await pull('/events?after=0&limit=5', signed('/events?after=0&limit=5'));
    expect(status).toBe(200);
    expect(body.events.map((e: DeliveredEvent) => e.position)).toEqual([1, 2, 3, 4, 5]);
    expect(body.events[0]).toMatchObject({ publisher: 'merchants', type: 'merchant.created', version: 1 });
    expect(body.latest).toBeGreaterThanOrEqual(90);
  });

  it('holds a pull with nothing new until an event is recorded (long-poll)', async () => {
    const latest = (await pull('/events?after=0&limit=1', signed('/events?after=0&limit=1'))).body.latest;
    const target = `/events?after=${latest}&wait=5000`;
    const started = Date.now();
    const answer = pull(target, signed(target));
    setTimeout(() => createStoreEvent('sto_longpoll'), 300);
    const { body } = await answer;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(body.events.map((e: DeliveredEvent) => e.entityId)).toEqual(['sto_longpoll']);
  });
});

describe('consumers', () => {
  it('a store created in merchants reaches the projections of offers, content and social within a second', async () => {
    const started = Date.now();
    createStoreEvent('sto_delivered');
    const has = (name: string, table: string) =>
      readRows(dataDir, name, `select * from ${table} where store_id = 'sto_delivered'`).length === 1;
    await eventually(
      () => has('offers', 'store_merchants') && has('content', 'store_directory') && has('social', 'store_directory'),
      'the new store in every projection',
      3000,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("shows each consumer's position and lag in /readyz and the lag metric in /metrics", async () => {
    await eventually(async () => {
      const ready: Json = await fetch(`${origin('offers')}/readyz`).then((r) => r.json());
      const merchants = ready.events.consumers.find((c: { publisher: string }) => c.publisher === 'merchants');
      return ready.events.transport === 'http' && merchants?.lag === 0 && merchants.position >= 90;
    }, 'offers caught up in /readyz');
    const metrics = await fetch(`${origin('offers')}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^lifegraph_event_consumer_lag\{publisher="merchants"\} 0$/m);
  });

  it('applies an event delivered twice (a publisher that repeats itself) exactly once', async () => {
    // A publisher that answers every pull with the same three events, whatever the cursor.
    const events: DeliveredEvent[] = [1, 2, 3].map((position) => ({
      publisher: 'content',
      position,
      eventId: `evt_dup_${position}`,
      type: 'post.published',
      entityId: `pst_${position}`,
      version: 1,
      payload: {} as DeliveredEvent<'post.published'>['payload'],
      occurredAt: new Date().toISOString(),
    }));
    let pulls = 0;
    const repeating = http.createServer((_req, res) => {
      pulls++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ events, latest: 3 }));
    });
    await new Promise<void>((resolve) => repeating.listen(0, '127.0.0.1', resolve));
    const database = openDatabase({
      file: `${testDataDir('lg-events-dup-')}/offers.sqlite`,
      schema: {},
      migrationsFolder: new URL('../../subgraphs/offers/migrations', import.meta.url).pathname,
    });
    const applied: number[] = [];
    const consumer = startHttpConsumer({
      publisher: 'content',
      url: () => `http://127.0.0.1:${(repeating.address() as AddressInfo).port}`,
      db: database.db,
      handler: (_tx, event) => applied.push(event.position),
      secret: SECRET,
      logger: silent,
    });
    try {
      await eventually(() => pulls >= 5, 'five pulls of the same events');
      expect(applied).toEqual([1, 2, 3]);
      expect(readCursor(database.db, 'content')).toBe(3);
      expect(consumer.status()).toMatchObject({ position: 3, latest: 3, lag: 0, lastError: null });
    } finally {
      await consumer.stop();
      repeating.close();
      database.close();
    }
  });
});

describe('a payload version the consumer does not know', () => {
  it('stops the consumer at that event, saying why, with the lag showing what waits behind it', async () => {
    const event = (position: number, version: number): DeliveredEvent => ({
      publisher: 'merchants',
      position,
      eventId: `evt_v_${position}`,
      type: 'merchant.settlement_rate_changed',
      entityId: 'mer_kfc',
      version,
      payload: { merchantId: 'mer_kfc', settlementRateBps: 100 + position, previousRateBps: 0 },
      occurredAt: new Date().toISOString(),
    });
    const future = http.createServer((req, res) => {
      const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('after'));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ events: after < 1 ? [event(1, 1)] : [event(2, 2), event(3, 1)], latest: 3 }));
    });
    await new Promise<void>((resolve) => future.listen(0, '127.0.0.1', resolve));
    const database = openDatabase({
      file: `${testDataDir('lg-events-version-')}/offers.sqlite`,
      schema: {},
      migrationsFolder: new URL('../../subgraphs/offers/migrations', import.meta.url).pathname,
    });
    const consumer = startHttpConsumer({
      publisher: 'merchants',
      url: () => `http://127.0.0.1:${(future.address() as AddressInfo).port}`,
      db: database.db,
      handler: offersProjection.sources.merchants as EventHandler,
      secret: SECRET,
      logger: silent,
    });
    try {
      await eventually(() => consumer.status().lastError !== null, 'the consumer stopped at event 2');
      expect(consumer.status()).toMatchObject({ position: 1, latest: 3, lag: 2 });
      expect(consumer.status().lastError).toMatch(/payload version 2; this consumer knows up to 1: deploy the newer/);
      // Event 1 applied; event 3, behind the unknown one, not: order is kept.
      expect(readCursor(database.db, 'merchants')).toBe(1);
      expect(database.sqlite.prepare('select settlement_rate_bps from merchant_terms').pluck().all()).toEqual([101]);
    } finally {
      await consumer.stop();
      future.close();
      database.close();
    }
  });
});

describe('a publisher stopping', () => {
  it('answers its waiting pulls 503 at once, before its connection closes', async () => {
    const dir = testDataDir('lg-events-stop-');
    seedDataDir(dir);
    const publisher = await SUBGRAPHS.merchants.start({
      dataDir: dir,
      port: 0,
      subgraphSecret: SECRET,
      scheduler: false,
      logger: silent,
    });
    const target = '/events?after=1000000&wait=10000';
    const held = fetch(`${new URL(publisher.url).origin}${target}`, { headers: signed(target) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await publisher.stop();
    const answer = await held;
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as Json).errors[0].extensions.code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('a publisher that does not hold the long poll', () => {
  // Something between (a proxy with a short timeout, a stand-in) answers every pull at once with no event: the
  // pullers pause instead of pulling again in a loop that would take a core.
  async function emptyAtOnce() {
    let pulls = 0;
    const server = http.createServer((_req, res) => {
      pulls++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ events: [], latest: 0 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, pulls: () => pulls, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }
  const second = () => new Promise((resolve) => setTimeout(resolve, 1000));

  it('is pulled a few times a second by a subgraph consumer, which still says it is caught up', async () => {
    const publisher = await emptyAtOnce();
    const database = openDatabase({
      file: `${testDataDir('lg-events-empty-')}/offers.sqlite`,
      schema: {},
      migrationsFolder: new URL('../../subgraphs/offers/migrations', import.meta.url).pathname,
    });
    const consumer = startHttpConsumer({
      publisher: 'content',
      url: () => publisher.origin,
      db: database.db,
      handler: () => {},
      secret: SECRET,
      logger: silent,
      waitMs: 2000,
    });
    try {
      await second();
      // One pull, then one every 250 ms: about five (a loop would have made thousands).
      expect(publisher.pulls()).toBeGreaterThanOrEqual(2);
      expect(publisher.pulls()).toBeLessThanOrEqual(8);
      expect(consumer.status()).toMatchObject({ lag: 0, lastError: null });
    } finally {
      await consumer.stop();
      publisher.server.close();
      database.close();
    }
  });

  it('is pulled a few times a second by the gateway feed of each live publisher', async () => {
    const publisher = await emptyAtOnce();
    const feed = httpEventFeed({
      originOf: () => publisher.origin,
      secret: SECRET,
      waitMs: 2000,
      logger: silent,
      onEvent: () => {},
    });
    try {
      await second();
      // Per publisher: the latest position, then a pull every 250 ms.
      expect(publisher.pulls()).toBeGreaterThanOrEqual(2 * LIVE_PUBLISHERS.length);
      expect(publisher.pulls()).toBeLessThanOrEqual(8 * LIVE_PUBLISHERS.length);
    } finally {
      await feed.stop();
      publisher.server.close();
    }
  });
});
