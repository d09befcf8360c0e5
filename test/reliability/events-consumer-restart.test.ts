import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { recordEvent } from '../../subgraphs/shared/events/outbox.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { deleteStreams, natsAnswers, TEST_NATS_URL } from '../support/nats.ts';
import { eventually, type SpawnedProcess, spawnTsx } from '../support/processes.ts';
import { readRows } from '../support/sqlite.ts';
import { testDataDir } from '../support/temp.ts';

// A consumer killed with SIGKILL while events flow, and started again: it goes on from its cursor, so every event
// recorded before, during and after its death is applied (each store ends as its last event says: created, moved,
// and every third one closed; the cursor is the publisher's last position). That a repeat is applied once is
// shown with a counting handler in events-delivery and events-nats.
const SECRET = 'events-restart-secret';
const STORES = 120;
const natsAvailable = await natsAnswers('a NATS consumer killed and restarted');
const PREFIX = `LGR${randomUUID().slice(0, 8).toUpperCase()}`;

describe.each([
  { transport: 'http', run: true },
  { transport: 'nats', run: natsAvailable },
])('a consumer killed and restarted ($transport)', ({ transport, run }) => {
  const nats = transport === 'nats';
  const dataDir = testDataDir('lg-events-restart-');
  let merchants: StartedSubgraph;

  beforeAll(async () => {
    if (!run) return;
    seedDataDir(dataDir);
    merchants = await SUBGRAPHS.merchants.start({
      dataDir,
      port: 0,
      subgraphSecret: SECRET,
      scheduler: false,
      logger: pino({ level: 'silent' }),
      events: nats ? { natsServers: [TEST_NATS_URL], natsPrefix: PREFIX } : { natsServers: [] },
    });
  });
  afterAll(async () => {
    await merchants?.stop();
    if (nats && run) await deleteStreams(PREFIX);
  });

  /** offers in a process of its own, pulling merchants' events from the in-process merchants (or from NATS). */
  async function startOffers(): Promise<SpawnedProcess> {
    const offers = spawnTsx('subgraphs/cli.ts', ['offers', '--port', '0', '--data-dir', dataDir], {
      LIFEGRAPH_SUBGRAPH_SECRET: SECRET,
      LIFEGRAPH_MERCHANTS_EVENTS_URL: new URL(merchants.url).origin,
      LIFEGRAPH_NATS_URL: nats ? TEST_NATS_URL : '',
      LIFEGRAPH_NATS_PREFIX: nats ? PREFIX : '',
      LOG_LEVEL: 'warn',
    });
    await offers.waitFor(/^offers http:\/\/localhost:\d+\/graphql/m, 20_000);
    return offers;
  }

  /** Three events for each of the stores from..to: created, moved, and every third one closed, a transaction each. */
  function recordStores(from: number, to: number) {
    const db = merchants.database.db as SyncSqlite;
    for (let i = from; i < to; i++) {
      const storeId = `sto_restart_${i}`;
      const payload = (lat: number) => ({
        storeId,
        merchantId: i % 2 ? 'mer_kfc' : 'mer_newhope',
        name: storeId,
        address: `${i} Restart Road`,
        city: 'Hangzhou',
        lat,
        lng: 120.2,
        openingHours: '10:00-22:00',
      });
      db.transaction((tx) => {
        recordEvent(tx, { type: 'store.created', entityId: storeId, payload: payload(30.1) });
        recordEvent(tx, { type: 'store.updated', entityId: storeId, payload: payload(30.2) });
        if (i % 3 === 0) {
          const closed = { storeId, merchantId: payload(0).merchantId, closedAt: new Date().toISOString() };
          recordEvent(tx, { type: 'store.closed', entityId: storeId, payload: closed });
        }
      });
    }
  }

  const cursor = () =>
    (
      readRows(dataDir, 'offers', "select position from event_cursors where publisher = 'merchants'") as {
        position: number;
      }[]
    )[0]?.position ?? 0;
  const latest = () =>
    (readRows(dataDir, 'merchants', 'select max(id) as n from outbox_events') as { n: number }[])[0]?.n;

  it.skipIf(!run)(
    'catches up from its cursor: every event applied in order, closed stores stay closed, the cursor at the last',
    async () => {
      const first = await startOffers();
      recordStores(0, STORES / 3);
      await eventually(() => cursor() > 100, 'offers applying events');
      // Killed while events keep coming: some pulled batches may never have been applied.
      const writing = (async () => {
        for (let i = STORES / 3; i < STORES; i += 10) {
          recordStores(i, i + 10);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      first.killGroup('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      await writing;
      const behind = cursor();
      expect(behind).toBeLessThan(latest() ?? 0);

      const second = await startOffers();
      try {
        await eventually(() => cursor() === latest(), 'offers at the last event again', 15_000);
        const open = readRows(
          dataDir,
          'offers',
          "select store_id as id from store_merchants where store_id like 'sto_restart_%' order by store_id",
        ) as { id: string }[];
        const expected = Array.from({ length: STORES }, (_, i) => i)
          .filter((i) => i % 3 !== 0)
          .map((i) => `sto_restart_${i}`)
          .sort();
        expect(open.map((s) => s.id)).toEqual(expected);
      } finally {
        second.killGroup('SIGTERM');
        await second.exited;
      }
    },
  );
});
