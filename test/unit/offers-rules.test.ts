import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH, type World } from '../../seeds/world.ts';
import { writeOffers } from '../../seeds/write-offers.ts';
import type { OffersDb } from '../../subgraphs/offers/context.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { claimCoupon } from '../../subgraphs/offers/rules/claim-coupon.ts';
import { couponStatus, templateStatus } from '../../subgraphs/offers/rules/status.ts';
import { coupons, couponTemplates, groupBuyGroups, groupBuyMembers } from '../../subgraphs/offers/tables.ts';
import { asUser } from '../../subgraphs/shared/actors.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { ALICE, BOB, CAROL, seedUserId, user } from '../support/identities.ts';
import { testDataDir } from '../support/temp.ts';

const DAY = 86_400_000;
const NOW = new Date(SEED_EPOCH.getTime() + DAY);
const world: World = buildWorld(1);
let db: OffersDb;

beforeEach(() => {
  const database = openSubgraphDatabase(offers, testDataDir('lg-'));
  writeOffers(database.db, world);
  db = database.db;
});

const template = (id: string) => db.select().from(couponTemplates).where(eq(couponTemplates.id, id)).get();
const couponCount = () => db.select().from(coupons).all().length;

describe('offers seed writer', () => {
  it('derives remaining stock from the claimed coupons', () => {
    for (const t of world.couponTemplates) {
      const claimed = world.coupons.filter((c) => c.templateId === t.id).length;
      expect(template(t.id)?.remainingStock).toBe(t.totalStock - claimed);
    }
    expect(couponCount()).toBe(world.coupons.length);
  });

  it('stores forming groups with their members paying the group price', () => {
    const group = db.select().from(groupBuyGroups).where(eq(groupBuyGroups.id, 'gbg_kfc_1')).get();
    expect(group).toMatchObject({ status: 'FORMING', leaderId: 'usr_carol', memberCount: 1 });
    const members = db.select().from(groupBuyMembers).where(eq(groupBuyMembers.groupId, 'gbg_kfc_1')).all();
    const price = world.groupBuyCampaigns.find((c) => c.id === 'gbc_kfc_1')?.groupPriceFen;
    expect(members).toEqual([expect.objectContaining({ userId: 'usr_carol', position: 1, paidFen: price })]);
  });

  // CPU time, not wall time: on the shared 2-core machine other suites' processes stretch the wall clock several
  // times over (3.6 s at load 13 for ~0.45 s of CPU). Each test file is its own process (pool: forks), so this
  // process's CPU is the writer's. About 0.45 s since the search index's statements are compiled once (0.65 s before).
  it('writes scale 10 in about a second of CPU', () => {
    const big = buildWorld(10);
    const target = openSubgraphDatabase(offers, testDataDir('lg-')).db;
    const started = process.cpuUsage();
    writeOffers(target, big);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(1500);
  });
});

describe('offers tables', () => {
  it('refuse negative stock whatever code writes it', () => {
    const oversell = () =>
      db.update(couponTemplates).set({ remainingStock: -1 }).where(eq(couponTemplates.id, 'cpt_kfc_1')).run();
    expect(oversell).toThrow(/CHECK constraint/);
  });
  it('refuse a group with more members than its size', () => {
    const overfill = () =>
      db.update(groupBuyGroups).set({ memberCount: 99 }).where(eq(groupBuyGroups.id, 'gbg_kfc_1')).run();
    expect(overfill).toThrow(/CHECK constraint/);
  });
});

describe('statuses', () => {
  const window = { claimStartsAt: new Date(1000), claimEndsAt: new Date(2000), remainingStock: 1 };
  it('reads a template by its window first, then its stock', () => {
    expect(templateStatus(window, new Date(999))).toBe('UPCOMING');
    expect(templateStatus(window, new Date(1000))).toBe('ACTIVE');
    expect(templateStatus({ ...window, remainingStock: 0 }, new Date(1500))).toBe('SOLD_OUT');
    expect(templateStatus({ ...window, remainingStock: 0 }, new Date(2000))).toBe('ENDED');
  });
  it('reads an unused coupon past its expiry as EXPIRED', () => {
    const c = { status: 'AVAILABLE' as const, expiresAt: new Date(1000) };
    expect(couponStatus(c, new Date(999))).toBe('AVAILABLE');
    expect(couponStatus(c, new Date(1000))).toBe('EXPIRED');
    expect(couponStatus({ ...c, status: 'REDEEMED' }, new Date(5000))).toBe('REDEEMED');
  });
});

describe('claimCoupon', () => {
  const input = { templateId: 'cpt_kfc_2', idempotencyKey: 'k1' };

  it('claims one coupon, takes one from stock and sets the expiry from validDays', () => {
    const before = template('cpt_kfc_2')?.remainingStock ?? 0;
    const result = claimCoupon(db, NOW, asUser(CAROL), { ...input, liveStreamId: 'lvs_kfc_1' });
    expect(result.userErrors).toEqual([]);
    expect(result.coupon).toMatchObject({
      templateId: 'cpt_kfc_2',
      userId: 'usr_carol',
      status: 'AVAILABLE',
      claimedAt: NOW,
      expiresAt: new Date(NOW.getTime() + 7 * DAY),
      liveStreamId: 'lvs_kfc_1',
    });
    expect(template('cpt_kfc_2')?.remainingStock).toBe(before - 1);
  });

  it('replays the first result for the same key and input, and changes nothing', () => {
    const first = claimCoupon(db, NOW, asUser(CAROL), input);
    const stock = template('cpt_kfc_2')?.remainingStock;
    const again = claimCoupon(db, NOW, asUser(CAROL), input);
    expect(again).toEqual(first);
    expect(template('cpt_kfc_2')?.remainingStock).toBe(stock);
  });

  it('refuses a key reused with a different input', () => {
    claimCoupon(db, NOW, asUser(CAROL), input);
    const count = couponCount();
    const reused = claimCoupon(db, NOW, asUser(CAROL), { ...input, templateId: 'cpt_kfc_1' });
    expect(reused).toMatchObject({ coupon: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED' }] });
    expect(couponCount()).toBe(count);
  });

  it('keeps keys per caller: another user may use the same key', () => {
    claimCoupon(db, NOW, asUser(CAROL), input);
    expect(claimCoupon(db, NOW, asUser(BOB), input).userErrors).toEqual([]);
  });

  it('enforces the per-user limit', () => {
    // usr_alice already holds one cpt_kfc_1 coupon and the limit is 2.
    expect(claimCoupon(db, NOW, asUser(ALICE), { templateId: 'cpt_kfc_1', idempotencyKey: 'a' }).userErrors).toEqual(
      [],
    );
    const stock = template('cpt_kfc_1')?.remainingStock;
    const third = claimCoupon(db, NOW, asUser(ALICE), { templateId: 'cpt_kfc_1', idempotencyKey: 'b' });
    expect(third).toMatchObject({ coupon: null, userErrors: [{ code: 'LIMIT_REACHED' }] });
    expect(template('cpt_kfc_1')?.remainingStock).toBe(stock);
  });

  it('never sells more than the stock', () => {
    db.update(couponTemplates).set({ remainingStock: 3 }).where(eq(couponTemplates.id, 'cpt_kfc_2')).run();
    const results = Array.from({ length: 10 }, (_, i) =>
      claimCoupon(db, NOW, asUser(user(seedUserId(400 + i))), { ...input, idempotencyKey: `k${i}` }),
    );
    expect(results.filter((r) => r.coupon)).toHaveLength(3);
    expect(results.slice(3).every((r) => r.userErrors[0]?.code === 'SOLD_OUT')).toBe(true);
    expect(template('cpt_kfc_2')?.remainingStock).toBe(0);
  });

  it('refuses claims outside the window and unknown templates, changing nothing', () => {
    const count = couponCount();
    const t = world.couponTemplates.find((x) => x.id === 'cpt_kfc_2');
    if (!t) throw new Error('seed world lost cpt_kfc_2');
    const early = claimCoupon(db, new Date(t.claimStartsAt.getTime() - 1), asUser(CAROL), input);
    const late = claimCoupon(db, t.claimEndsAt, asUser(CAROL), { ...input, idempotencyKey: 'k2' });
    const missing = claimCoupon(db, NOW, asUser(CAROL), { templateId: 'cpt_nope', idempotencyKey: 'k3' });
    expect(early.userErrors[0]?.code).toBe('NOT_STARTED');
    expect(late.userErrors[0]?.code).toBe('ENDED');
    expect(missing.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'templateId'] });
    expect(couponCount()).toBe(count);
  });

  it('replays a refusal for the same key and input, even once the window is open; a new key claims', () => {
    const t = world.couponTemplates.find((x) => x.id === 'cpt_kfc_2');
    if (!t) throw new Error('seed world lost cpt_kfc_2');
    const early = claimCoupon(db, new Date(t.claimStartsAt.getTime() - 1), asUser(CAROL), input);
    expect(early).toMatchObject({ coupon: null, userErrors: [{ code: 'NOT_STARTED' }] });
    const count = couponCount();
    const stock = template('cpt_kfc_2')?.remainingStock;
    // The clock moves into the window: the same key and input return the first outcome and change nothing.
    expect(claimCoupon(db, NOW, asUser(CAROL), input)).toEqual(early);
    expect(couponCount()).toBe(count);
    expect(template('cpt_kfc_2')?.remainingStock).toBe(stock);
    // Another input under that key is still a reuse.
    expect(claimCoupon(db, NOW, asUser(CAROL), { ...input, templateId: 'cpt_kfc_1' }).userErrors).toMatchObject([
      { code: 'IDEMPOTENCY_KEY_REUSED' },
    ]);
    // A new key is a new request.
    const fresh = claimCoupon(db, NOW, asUser(CAROL), { ...input, idempotencyKey: 'k-new' });
    expect(fresh.userErrors).toEqual([]);
    expect(fresh.coupon).toMatchObject({ templateId: 'cpt_kfc_2', userId: 'usr_carol' });
    expect(couponCount()).toBe(count + 1);
  });
});
