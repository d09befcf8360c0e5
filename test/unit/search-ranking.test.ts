import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXED, KFC_XIHU } from '../../seeds/fixtures.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { indexMerchantsEvent } from '../../subgraphs/offers/search/projection.ts';
import { type SearchArgs, search } from '../../subgraphs/offers/search/query.ts';
import type { DeliveredEvent, StorePayload } from '../../subgraphs/shared/events/types.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { testDataDir } from '../support/temp.ts';

// The search rule on the seeded index (no GraphQL): the relevance cases of issue 13.
let database: ReturnType<typeof openSubgraphDatabase<typeof import('../../subgraphs/offers/tables.ts'), unknown>>;
const db = () => database.db as unknown as SyncSqlite;
const run = (args: SearchArgs) => search(db(), args);
const top = (query: string, extra: Partial<SearchArgs> = {}) => run({ query, first: 5, ...extra }).hits[0]?.entityId;
const ids = (args: SearchArgs) => run(args).hits.map((h) => h.entityId);

beforeAll(() => {
  const dir = testDataDir('lg-search-');
  seedDataDir(dir);
  // biome-ignore lint/suspicious/noExplicitAny: the loaders type does not matter to a rule
  database = openSubgraphDatabase(offers as any, dir) as typeof database;
});
afterAll(() => database.close());

let position = 1_000_000;
/** A store indexed as merchants' `store.created` would index it. */
function indexStore(payload: StorePayload): void {
  const event: DeliveredEvent = {
    publisher: 'merchants',
    position: position++,
    eventId: `evt_test_${position}`,
    type: 'store.created',
    entityId: payload.storeId,
    version: 1,
    payload,
    occurredAt: new Date().toISOString(),
  };
  db().transaction((tx) => indexMerchantsEvent(tx, event));
}

describe('search relevance', () => {
  it('exact: the brand whose name is the query comes first, in any case', () => {
    expect(top('KFC')).toBe(FIXED.merchants.kfc);
    expect(top('kfc')).toBe(FIXED.merchants.kfc);
    expect(top('New Hope Dairy')).toBe(FIXED.merchants.newhope);
  });

  it('prefix and substring: "burg" finds Burger King, "Muj" finds Muji', () => {
    expect(top('burg')).toBe('mer_burgerking');
    expect(top('Muj')).toBe('mer_muji');
  });

  it('Chinese: 肯德基 finds KFC, 新希望 New Hope, 瑞幸咖啡 Luckin; two characters (携程, 周黑) too', () => {
    expect(top('肯德基')).toBe(FIXED.merchants.kfc);
    expect(top('新希望')).toBe(FIXED.merchants.newhope);
    expect(top('瑞幸咖啡')).toBe('mer_luckin');
    expect(top('携程')).toBe('mer_ctrip');
    expect(top('周黑')).toBe('mer_zhouheiya');
    // A store of KFC is found by the brand's Chinese name too.
    expect(ids({ query: '肯德基', types: ['STORE'], first: 20 })).toContain(FIXED.kfcStoreXihu);
  });

  it('typo: one wrong, missing or extra letter in a word of five letters or more still finds the brand', () => {
    expect(top('Burgr King')).toBe('mer_burgerking'); // a letter missing
    expect(top('Luckim')).toBe('mer_luckin'); // a letter wrong
    expect(top('Luckinn Coffee')).toBe('mer_luckin'); // a letter too many
    // Two letters off is no longer a typo; nor is a short word's (too many neighbours).
    expect(run({ query: 'Lackim' }).hits).toEqual([]);
    expect(run({ query: 'Mujj' }).hits.map((h) => h.entityId)).not.toContain('mer_muji');
  });

  it('a result found through a typo correction counts half', () => {
    const hits = run({ query: 'Luckim', first: 50 }).hits;
    expect(hits.length).toBeGreaterThan(0);
    const exact = run({ query: 'Luckin', first: 50 }).hits;
    // Half, and no name bonus: "Luckim" is in no name.
    expect(hits[0]?.score).toBeCloseTo((exact[0]?.score ?? 0) / 2 / (1 + 6 / 'Luckin Coffee'.length));
  });

  it('near vs far: of two stores matching alike, the nearer one ranks first, seen from either end', () => {
    const store = (storeId: string, lat: number, lng: number): StorePayload => ({
      storeId,
      merchantId: 'mer_kfc',
      name: `Zanzibar Corner ${storeId.slice(-1)}`,
      address: '1 Test Road',
      city: 'Hangzhou',
      lat,
      lng,
      openingHours: '08:00-20:00',
    });
    indexStore(store('sto_test_a', KFC_XIHU.lat, KFC_XIHU.lng));
    indexStore(store('sto_test_b', 31.2304, 121.4737));
    const fromXihu = run({ query: 'Zanzibar', near: { lat: KFC_XIHU.lat, lng: KFC_XIHU.lng } }).hits;
    expect(fromXihu.map((h) => h.entityId)).toEqual(['sto_test_a', 'sto_test_b']);
    expect(fromXihu[0]?.distanceMeters).toBe(0);
    expect(fromXihu[1]?.distanceMeters).toBeGreaterThan(150_000);
    const fromShanghai = run({ query: 'Zanzibar', near: { lat: 31.2304, lng: 121.4737 } }).hits;
    expect(fromShanghai.map((h) => h.entityId)).toEqual(['sto_test_b', 'sto_test_a']);
    // Without near: no distances, and the order is the text's alone (a tie, broken by id).
    const plain = run({ query: 'Zanzibar' }).hits;
    expect(plain.map((h) => [h.entityId, h.distanceMeters])).toEqual([
      ['sto_test_a', null],
      ['sto_test_b', null],
    ]);
  });

  it('types: only the kinds asked for', () => {
    const hits = run({ query: 'KFC', types: ['POST', 'MINI_PROGRAM'], first: 100 }).hits;
    expect(hits.length).toBeGreaterThan(1);
    expect(new Set(hits.map((h) => h.type))).toEqual(new Set(['POST', 'MINI_PROGRAM']));
  });

  it('query syntax is text: quotes, operators and stars match literally or not at all, never an error', () => {
    for (const query of ['"KFC', 'KFC OR', 'NEAR(a b)', '***', "K'F'C", 'kfc -muji']) {
      expect(() => run({ query }), query).not.toThrow();
    }
  });
});
