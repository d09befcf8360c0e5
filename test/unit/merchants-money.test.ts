import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeMerchants } from '../../seeds/write-merchants.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/identity.ts';
import { SCOPES } from '../../subgraphs/contract/scopes.ts';
import { merchants } from '../../subgraphs/merchants/index.ts';
import { CIRCLE_MIN_ONLINE_MS, joinConsumptionCircle } from '../../subgraphs/merchants/rules/consumption-circle.ts';
import * as tables from '../../subgraphs/merchants/tables.ts';
import { asMerchant } from '../../subgraphs/shared/actors.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { partner, staff } from '../support/identities.ts';
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

/**
 * The merchants subgraph's state-changing rule (issue #4): joining the consumption circle. It moves no money or stock,
 * but it must still be all-or-nothing, exact at the 30-day edge, safe to repeat and safe under races.
 */
const world = buildWorld(1);
let database: SubgraphDatabase<typeof tables>;
beforeEach(() => {
  database = openSubgraphDatabase(merchants, testDataDir('lg-merchants-money-'));
  writeMerchants(database.db, world);
});
afterEach(() => database.close());

/** Staff of every merchant these tests join to the circle. */
const STAFF = staff(
  'usr_0001',
  ['merchant:offers'],
  ['mer_burgerking', 'mer_muji', 'mer_luckin', 'mer_kfc', 'mer_nope'],
);
const row = (id: string) => database.db.select().from(tables.merchants).where(eq(tables.merchants.id, id)).get();
/** Gives the merchant exactly one mini program, online since `at`. */
const onlineSince = (merchantId: string, at: Date) =>
  database.db
    .update(tables.miniPrograms)
    .set({ onlineSince: at })
    .where(eq(tables.miniPrograms.merchantId, merchantId))
    .run();

describe('the 30-day edge', () => {
  it('one millisecond short of 30 days is NOT_ELIGIBLE; exactly 30 days joins at now', () => {
    const launched = new Date(SEED_EPOCH.getTime() - CIRCLE_MIN_ONLINE_MS + 1);
    onlineSince('mer_burgerking', launched);
    const early = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId: 'mer_burgerking' });
    expect(early.userErrors).toMatchObject([{ code: 'NOT_ELIGIBLE', field: ['merchantId'] }]);
    expect(early.userErrors[0]?.message).toContain(new Date(SEED_EPOCH.getTime() + 1).toISOString());
    expect(row('mer_burgerking')?.joinedCircleAt).toBeNull();
    const onTime = new Date(SEED_EPOCH.getTime() + 1);
    const joined = joinAs(database.db, onTime, STAFF, { merchantId: 'mer_burgerking' });
    expect(joined.userErrors).toEqual([]);
    expect(joined.merchant?.joinedCircleAt).toEqual(onTime);
    expect(row('mer_burgerking')?.joinedCircleAt).toEqual(onTime);
  });
});

describe('user errors: a stable code, the merchantId field, nothing written', () => {
  it.each([
    ['NOT_FOUND', 'mer_nope', () => {}],
    ['ALREADY_MEMBER', 'mer_kfc', () => {}],
    [
      'MERCHANT_SUSPENDED',
      'mer_muji',
      () =>
        database.db
          .update(tables.merchants)
          .set({ status: 'SUSPENDED' })
          .where(eq(tables.merchants.id, 'mer_muji'))
          .run(),
    ],
    [
      'NOT_ELIGIBLE',
      'mer_luckin',
      () => database.db.delete(tables.miniPrograms).where(eq(tables.miniPrograms.merchantId, 'mer_luckin')).run(),
    ],
  ])('%s (%s)', (code, merchantId, arrange) => {
    arrange();
    const before = row(merchantId);
    const result = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId });
    expect(result.userErrors).toHaveLength(1);
    expect(result.userErrors[0]).toMatchObject({ code, field: ['merchantId'], message: expect.any(String) });
    expect(row(merchantId)).toEqual(before);
  });

  it('a repeat keeps the first joining time, whenever it comes', () => {
    const first = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId: 'mer_burgerking' });
    expect(first.userErrors).toEqual([]);
    const later = new Date(SEED_EPOCH.getTime() + 86_400_000);
    for (let i = 0; i < 3; i++) {
      const again = joinAs(database.db, later, STAFF, { merchantId: 'mer_burgerking' });
      expect(again.userErrors.map((e) => e.code)).toEqual(['ALREADY_MEMBER']);
      expect(again.merchant?.joinedCircleAt).toEqual(SEED_EPOCH);
    }
    expect(row('mer_burgerking')?.joinedCircleAt).toEqual(SEED_EPOCH);
  });
});

describe('failure injection', () => {
  it('a failure after the write rolls the join back; the next attempt succeeds', () => {
    expect(() =>
      joinAs(
        database.db,
        SEED_EPOCH,
        STAFF,
        { merchantId: 'mer_burgerking' },
        {
          afterStep: () => {
            throw new Error('process died');
          },
        },
      ),
    ).toThrow('process died');
    expect(row('mer_burgerking')?.joinedCircleAt).toBeNull();
    const retry = joinAs(database.db, SEED_EPOCH, STAFF, { merchantId: 'mer_burgerking' });
    expect(retry.userErrors).toEqual([]);
    expect(row('mer_burgerking')?.joinedCircleAt).toEqual(SEED_EPOCH);
  });
});

describe('access is checked before anything is read or written', () => {
  /** The refusal's code, or ALLOWED; a refusal must come before the rule has run a single SQL statement. */
  const code = (caller: Identity) => {
    const before = database.stats.statements;
    try {
      joinAs(database.db, SEED_EPOCH, caller, { merchantId: 'mer_burgerking' });
      return 'ALLOWED';
    } catch (error) {
      expect(database.stats.statements).toBe(before);
      return (error as { extensions?: { code?: string } }).extensions?.code;
    }
  };
  it('anonymous, no scope, other merchant: refused; partner key with the merchant on its allow-list: allowed', () => {
    const partnerOf = (merchantIds: string[]) => partner('key_1', ['merchant:offers'], merchantIds);
    expect(code(ANONYMOUS)).toBe('UNAUTHENTICATED');
    expect(code({ ...STAFF, scopes: ['merchant:content'] })).toBe('FORBIDDEN');
    expect(code(partnerOf(['mer_newhope']))).toBe('FORBIDDEN');
    expect(row('mer_burgerking')?.joinedCircleAt).toBeNull();
    expect(code(partnerOf(['mer_newhope', 'mer_burgerking']))).toBe('ALLOWED');
  });
});

describe('deadlines', () => {
  it('the merchants subgraph has none: eligibility is computed from `now` on every read, never stored', () => {
    expect(merchants.jobs).toEqual([]);
  });
});
