import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeMerchants } from '../../seeds/write-merchants.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/identity.ts';
import { SCOPES } from '../../subgraphs/contract/scopes.ts';
import { merchants } from '../../subgraphs/merchants/index.ts';
import { findStoresNear, listMerchants } from '../../subgraphs/merchants/queries.ts';
import { eligibleAt, isEligible, joinConsumptionCircle } from '../../subgraphs/merchants/rules/consumption-circle.ts';
import * as tables from '../../subgraphs/merchants/tables.ts';
import { asMerchant } from '../../subgraphs/shared/actors.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { distanceMeters } from '../../subgraphs/shared/geo.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { partner, staff } from '../support/identities.ts';
import { WEST_LAKE } from '../support/operations.ts';
import { testDataDir } from '../support/temp.ts';

/** Joins as the Mutation resolver does: the caller becomes a merchant actor (or is refused), then the rule runs. */
function joinAs(
  db: SubgraphDatabase<typeof tables>['db'],
  now: Date,
  caller: Identity,
  input: { merchantId: string },
  options?: Parameters<typeof joinConsumptionCircle>[3],
) {
  return joinConsumptionCircle(db, now, asMerchant(caller, input.merchantId, SCOPES.offers), options);
}

const DAY = 86_400_000;
/** Staff of every merchant these tests join, with the scope joining needs. */
/** Staff of every merchant these tests join to the circle. */
const STAFF = staff(
  'usr_0001',
  ['merchant:offers'],
  ['mer_burgerking', 'mer_eleme', 'mer_luckin', 'mer_muji', 'mer_nope'],
);
const world = buildWorld(1);
let database: SubgraphDatabase<typeof tables>;

beforeAll(() => {
  database = openSubgraphDatabase(merchants, testDataDir('lg-'));
  writeMerchants(database.db, world);
});
afterAll(() => database?.close());

const merchantRow = (id: string) =>
  database.db.select().from(tables.merchants).where(eq(tables.merchants.id, id)).get();

describe('seed writer', () => {
  it('stores every merchants-side record of the world', async () => {
    const count = (t: Parameters<typeof database.db.$count>[0]) => database.db.$count(t);
    expect(await count(tables.categories)).toBe(world.categories.length);
    expect(await count(tables.serviceProviders)).toBe(world.serviceProviders.length);
    expect(await count(tables.merchants)).toBe(world.merchants.length);
    expect(await count(tables.stores)).toBe(world.stores.length);
    expect(await count(tables.miniPrograms)).toBe(world.miniPrograms.length);
    expect(merchantRow('mer_kfc')).toMatchObject({ name: 'KFC', settlementRateBps: 110, categoryId: 'cat_fast_food' });
  });

  it('writes scale 10 in a couple of seconds', async () => {
    const big = buildWorld(10);
    const db = openSubgraphDatabase(merchants, testDataDir('lg-'));
    const started = Date.now();
    writeMerchants(db.db, big);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await db.db.$count(tables.stores)).toBe(big.stores.length);
    db.close();
  });
});

describe('consumption circle eligibility', () => {
  const online = (daysAgo: number) => ({ onlineSince: new Date(SEED_EPOCH.getTime() - daysAgo * DAY) });

  it('needs a mini program online for at least 30 days', () => {
    expect(isEligible([], SEED_EPOCH)).toBe(false);
    expect(isEligible([online(29)], SEED_EPOCH)).toBe(false);
    expect(isEligible([online(30)], SEED_EPOCH)).toBe(true);
    expect(isEligible([online(2), online(45)], SEED_EPOCH)).toBe(true);
    expect(eligibleAt([online(5), online(10)])).toEqual(new Date(SEED_EPOCH.getTime() + 20 * DAY));
    expect(eligibleAt([])).toBeNull();
  });
});

describe('joinConsumptionCircle', () => {
  it('joins an eligible merchant at now, once', () => {
    const result = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId: 'mer_burgerking' });
    expect(result.userErrors).toEqual([]);
    expect(result.merchant?.joinedCircleAt).toEqual(SEED_EPOCH);
    const again = joinAs(database.db, new Date(SEED_EPOCH.getTime() + DAY), STAFF, {
      merchantId: 'mer_burgerking',
    });
    expect(again.userErrors.map((e) => e.code)).toEqual(['ALREADY_MEMBER']);
    expect(merchantRow('mer_burgerking')?.joinedCircleAt).toEqual(SEED_EPOCH);
  });

  it('refuses a merchant whose mini program is too young, saying when it becomes eligible', () => {
    const result = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId: 'mer_eleme' });
    expect(result.userErrors).toHaveLength(1);
    expect(result.userErrors[0]).toMatchObject({ code: 'NOT_ELIGIBLE', field: ['merchantId'] });
    expect(result.userErrors[0]?.message).toContain(new Date(SEED_EPOCH.getTime() + 25 * DAY).toISOString());
    expect(merchantRow('mer_eleme')?.joinedCircleAt).toBeNull();
    // Once 30 days have passed, the same merchant may join.
    const later = joinAs(database.db, new Date(SEED_EPOCH.getTime() + 25 * DAY), STAFF, {
      merchantId: 'mer_eleme',
    });
    expect(later.userErrors).toEqual([]);
  });

  it('refuses a merchant without mini programs and a suspended merchant', () => {
    database.db.delete(tables.miniPrograms).where(eq(tables.miniPrograms.merchantId, 'mer_luckin')).run();
    const none = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId: 'mer_luckin' });
    expect(none.userErrors[0]).toMatchObject({ code: 'NOT_ELIGIBLE', message: expect.stringContaining('launch one') });
    database.db.update(tables.merchants).set({ status: 'SUSPENDED' }).where(eq(tables.merchants.id, 'mer_muji')).run();
    const suspended = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId: 'mer_muji' });
    expect(suspended.userErrors.map((e) => e.code)).toEqual(['MERCHANT_SUSPENDED']);
    expect(merchantRow('mer_muji')?.joinedCircleAt).toBeNull();
  });

  it('reports an unknown merchant as NOT_FOUND', () => {
    const result = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId: 'mer_nope' });
    expect(result).toMatchObject({ merchant: null, userErrors: [{ code: 'NOT_FOUND' }] });
  });
});

describe('findStoresNear', () => {
  it('returns stores within the radius, nearest first, with exact distances', () => {
    const rows = findStoresNear(database.db, WEST_LAKE, 5000, { offset: 0, limit: 100 });
    expect(rows[0]?.id).toBe('sto_kfc_hz_1');
    const expected = world.stores
      .map((s) => ({ id: s.id, d: distanceMeters(WEST_LAKE, s) }))
      .filter((s) => s.d <= 5000)
      .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id));
    expect(rows.map((r) => ({ id: r.id, d: r.distanceMeters }))).toEqual(expected);
    expect(expected.length).toBeGreaterThan(3);
  });

  it('pages by offset and finds nothing far from any store', () => {
    const all = findStoresNear(database.db, WEST_LAKE, 5000, { offset: 0, limit: 100 });
    const second = findStoresNear(database.db, WEST_LAKE, 5000, { offset: 2, limit: 2 });
    // One extra row tells the connection whether a next page exists.
    expect(second.map((r) => r.id)).toEqual(all.slice(2, 5).map((r) => r.id));
    expect(findStoresNear(database.db, { lat: 0, lng: 0 }, 50_000, { offset: 0, limit: 10 })).toEqual([]);
  });

  it('rejects bad radii and coordinates with BAD_USER_INPUT', () => {
    const page = { offset: 0, limit: 10 };
    /** The refusal as [code, argumentName, message], or null when the call went through. */
    const refusal = (location: { lat: number; lng: number }, radius: number) => {
      try {
        findStoresNear(database.db, location, radius, page);
        return null;
      } catch (error) {
        const { extensions, message } = error as { extensions?: Record<string, unknown>; message: string };
        return [extensions?.code, extensions?.argumentName, message];
      }
    };
    for (const radius of [0, -1, 50_001]) {
      expect(refusal(WEST_LAKE, radius)).toEqual([
        'BAD_USER_INPUT',
        'radiusMeters',
        expect.stringMatching(/radiusMeters/),
      ]);
    }
    expect(refusal({ lat: 91, lng: 0 }, 100)).toEqual(['BAD_USER_INPUT', 'location', expect.stringMatching(/lat/)]);
    expect(refusal({ lat: 0, lng: 181 }, 100)).toEqual(['BAD_USER_INPUT', 'location', expect.stringMatching(/lng/)]);
  });
});

describe('listMerchants', () => {
  it('filters by category code and orders by id', () => {
    const fastFood = listMerchants(database.db, 'fast_food', { offset: 0, limit: 100 });
    const expected = world.merchants.filter((m) => m.categoryId === 'cat_fast_food').map((m) => m.id);
    expect(fastFood.map((m) => m.id)).toEqual([...expected].sort());
    expect(listMerchants(database.db, 'no_such_code', { offset: 0, limit: 10 })).toEqual([]);
    expect(listMerchants(database.db, null, { offset: 0, limit: 3 })).toHaveLength(4);
  });
});

describe('joinConsumptionCircle access', () => {
  const code = (caller: Identity) => {
    try {
      joinAs(database.db, SEED_EPOCH, caller, { merchantId: 'mer_local_0001' });
    } catch (error) {
      return (error as { extensions?: { code?: string } }).extensions?.code;
    }
    return 'ALLOWED';
  };

  it('needs merchant:offers for this merchant, from staff users or partner keys alike, and writes nothing otherwise', () => {
    expect(code(ANONYMOUS)).toBe('UNAUTHENTICATED');
    expect(code(staff('x', [], ['mer_local_0001']))).toBe('FORBIDDEN');
    expect(code(staff('x', ['merchant:content', 'merchant:finance'], ['mer_local_0001']))).toBe('FORBIDDEN');
    expect(code(staff('x', ['merchant:offers'], ['mer_kfc']))).toBe('FORBIDDEN');
    expect(code(partner('x', ['merchant:offers'], ['mer_newhope']))).toBe('FORBIDDEN');
    expect(merchantRow('mer_local_0001')?.joinedCircleAt).toBeNull();
    expect(code(partner('x', ['merchant:offers'], ['mer_newhope', 'mer_local_0001']))).toBe('ALLOWED');
    expect(merchantRow('mer_local_0001')?.joinedCircleAt).toEqual(SEED_EPOCH);
  });
});
