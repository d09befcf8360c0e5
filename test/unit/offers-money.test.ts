import { createHash } from 'node:crypto';
import { and, eq, lte } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeOffers } from '../../seeds/write-offers.ts';
import { SCOPES } from '../../subgraphs/contract/scopes.ts';
import type {
  CreateCouponTemplateInput,
  CreateGroupBuyCampaignInput,
} from '../../subgraphs/offers/__generated__/resolvers-types.ts';
import type { OffersDb } from '../../subgraphs/offers/context.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { claimCoupon } from '../../subgraphs/offers/rules/claim-coupon.ts';
import { createCouponTemplate, createGroupBuyCampaign } from '../../subgraphs/offers/rules/create-offers.ts';
import { joinGroupBuy, startGroupBuy } from '../../subgraphs/offers/rules/group-buy.ts';
import { expireCoupons, expireGroupBuys } from '../../subgraphs/offers/rules/jobs.ts';
import { couponDiscountFen, redeemCoupon } from '../../subgraphs/offers/rules/redeem-coupon.ts';
import {
  commissions,
  coupons,
  couponTemplates,
  groupBuyCampaigns,
  groupBuyGroups,
  groupBuyMembers,
  idempotencyKeys,
  settlements,
} from '../../subgraphs/offers/tables.ts';
import { asMerchant, asUser, SYSTEM } from '../../subgraphs/shared/actors.ts';
import { runJobsOnce } from '../../subgraphs/shared/jobs.ts';
import { MAX_FEN } from '../../subgraphs/shared/money.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { ALICE, BOB, CAROL, KFC_OFFERS_STAFF, partner, user } from '../support/identities.ts';
import { testDataDir } from '../support/temp.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
const NOW = new Date(SEED_EPOCH.getTime() + DAY);
const world = buildWorld(1);
/** Who creates offers and redeems in these tests: KFC staff, the caller their idempotency keys are stored under. */
const STAFF = asMerchant(KFC_OFFERS_STAFF, 'mer_kfc', SCOPES.offers);
/** A partner key acting for KFC: another caller, so another key space. */
const KFC_PARTNER = asMerchant(partner('key_partner', [SCOPES.offers], ['mer_kfc']), 'mer_kfc', SCOPES.offers);
let db: OffersDb;

beforeEach(() => {
  const database = openSubgraphDatabase(offers, testDataDir('lg-money-'));
  writeOffers(database.db, world);
  db = database.db;
});

/** Every row a money rule can touch, to prove a refused or interrupted call changed nothing. */
const snapshot = () => ({
  templates: db.select().from(couponTemplates).all(),
  coupons: db.select().from(coupons).all(),
  groups: db.select().from(groupBuyGroups).all(),
  members: db.select().from(groupBuyMembers).all(),
  settlements: db.select().from(settlements).all(),
  commissions: db.select().from(commissions).all(),
  keys: db.select().from(idempotencyKeys).all(),
});
/**
 * `snapshot()` without the refusals stored under their keys: a refused request stores its user errors under
 * its idempotency key (to replay them for the same key and input), and changes nothing else.
 */
const effects = () => {
  const all = snapshot();
  return { ...all, keys: all.keys.filter((k) => !k.responseJson.startsWith('{"refused":')) };
};
const codes = (r: { userErrors: { code: string }[] }) => r.userErrors.map((e) => e.code);
const boom = (at: string) => (step: string) => {
  if (step === at) throw new Error(`injected failure after ${step}`);
};

const templateInput = (over: Partial<CreateCouponTemplateInput> = {}): CreateCouponTemplateInput => ({
  merchantId: 'mer_kfc',
  title: '15% off, up to ¥20',
  kind: 'PERCENT_OFF',
  percentOff: 15,
  capFen: 2000,
  minSpendFen: 100,
  totalStock: 10,
  perUserLimit: 1,
  claimStartsAt: NOW,
  claimEndsAt: new Date(NOW.getTime() + 30 * DAY),
  validDays: 7,
  ...over,
});
const campaignInput = (over: Partial<CreateGroupBuyCampaignInput> = {}): CreateGroupBuyCampaignInput => ({
  merchantId: 'mer_kfc',
  title: 'Family bucket for 3',
  groupSize: 3,
  groupPriceFen: 3333,
  originalPriceFen: 5000,
  fillWithinMinutes: 60,
  startsAt: NOW,
  endsAt: new Date(NOW.getTime() + 30 * DAY),
  ...over,
});

/** A fresh coupon of a new template for `userId`. */
function couponFor(userId: string, over: Partial<CreateCouponTemplateInput> = {}) {
  const { couponTemplate } = createCouponTemplate(db, NOW, STAFF, templateInput(over));
  const templateId = couponTemplate?.id as string;
  const { coupon } = claimCoupon(db, NOW, asUser(user(userId)), { templateId, idempotencyKey: `claim-${templateId}` });
  return coupon?.id as string;
}

describe('discount arithmetic', () => {
  it('rounds percent discounts half-up to the fen, then caps them', () => {
    const pct = { kind: 'PERCENT_OFF' as const, faceValueFen: null, percentOff: 15, capFen: 2000 };
    expect(couponDiscountFen(pct, 330)).toBe(50); // 49.5 → 50
    expect(couponDiscountFen(pct, 329)).toBe(49); // 49.35 → 49
    expect(couponDiscountFen(pct, 10)).toBe(2); // 1.5 → 2
    expect(couponDiscountFen(pct, 3)).toBe(0); // 0.45 → 0
    expect(couponDiscountFen(pct, 13_333)).toBe(2000); // 1999.95 → 2000, exactly the cap
    expect(couponDiscountFen(pct, 1_000_000)).toBe(2000); // capped
    expect(couponDiscountFen({ ...pct, capFen: null }, 1_000_000)).toBe(150_000);
    expect(couponDiscountFen({ ...pct, percentOff: 99, capFen: null }, 1)).toBe(1); // 0.99 → 1
  });

  it('never gives more than the order for fixed amounts', () => {
    const fixed = { kind: 'FIXED_AMOUNT' as const, faceValueFen: 1000, percentOff: null, capFen: null };
    expect(couponDiscountFen(fixed, 5000)).toBe(1000);
    expect(couponDiscountFen(fixed, 300)).toBe(300);
  });
});

describe('redeemCoupon', () => {
  const redeem = (over: Partial<Parameters<typeof redeemCoupon>[3]> = {}, now = NOW, options = {}) =>
    redeemCoupon(
      db,
      now,
      STAFF,
      { couponId: 'cpn_000001', storeId: 'sto_kfc_hz_1', orderAmountFen: 5500, idempotencyKey: 'r1', ...over },
      options,
    );

  it('settles the payable amount and records the platform fee, rounded half-up', () => {
    // Alice's seeded KFC coupon: ¥10 off ¥50. KFC's rate is 110 bps: 4500 × 1.1% = 49.5 → 50.
    const result = redeem();
    expect(result.userErrors).toEqual([]);
    expect(result).toMatchObject({ discountFen: 1000, payableFen: 4500 });
    expect(result.coupon).toMatchObject({ status: 'REDEEMED', redeemedStoreId: 'sto_kfc_hz_1', orderAmountFen: 5500 });
    expect(result.commission).toMatchObject({ kind: 'PLATFORM_FEE', rateBps: 110, baseAmountFen: 4500, amountFen: 50 });
    expect(db.select().from(settlements).all()).toEqual([
      expect.objectContaining({
        merchantId: 'mer_kfc',
        sourceKind: 'COUPON_REDEMPTION',
        sourceId: 'cpn_000001',
        amountFen: 4500,
        liveStreamId: null,
      }),
    ]);
  });

  it('rounds the commission down below half a fen', () => {
    // 4499 × 1.1% = 49.489 → 49.
    expect(redeem({ orderAmountFen: 5499 }).commission).toMatchObject({ baseAmountFen: 4499, amountFen: 49 });
  });

  it('computes percent discounts with the cap on a real coupon', () => {
    const couponId = couponFor('usr_alice');
    const result = redeem({ couponId, orderAmountFen: 330 });
    expect(result).toMatchObject({ discountFen: 50, payableFen: 280, userErrors: [] });
    // 280 × 1.1% = 3.08 → 3.
    expect(result.commission).toMatchObject({ amountFen: 3 });
  });

  it('carries the live stream of the claim to the settlement', () => {
    const result = redeem({ couponId: 'cpn_000003' });
    expect(result.userErrors).toEqual([]);
    expect(db.select().from(settlements).get()).toMatchObject({ liveStreamId: 'lvs_kfc_1', amountFen: 4500 });
  });

  it('replays the same key and input, and refuses the same key with another input', () => {
    const first = redeem();
    const again = redeem();
    expect(again).toEqual(first);
    expect(db.select().from(settlements).all()).toHaveLength(1);
    expect(db.select().from(commissions).all()).toHaveLength(1);
    const before = effects();
    expect(codes(redeem({ orderAmountFen: 6000 }))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(codes(redeem({ idempotencyKey: 'r2' }))).toEqual(['ALREADY_REDEEMED']);
    expect(effects()).toEqual(before);
  });

  it('stores an out-of-bounds amount under its key: a corrected amount with that key is IDEMPOTENCY_KEY_REUSED', () => {
    expect(codes(redeem({ orderAmountFen: MAX_FEN + 1, idempotencyKey: 'big' }))).toEqual(['INVALID_INPUT']);
    const before = effects();
    expect(codes(redeem({ orderAmountFen: MAX_FEN + 1, idempotencyKey: 'big' }))).toEqual(['INVALID_INPUT']);
    expect(codes(redeem({ orderAmountFen: 5500, idempotencyKey: 'big' }))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(effects()).toEqual(before);
    expect(db.select().from(coupons).where(eq(coupons.id, 'cpn_000001')).get()?.status).toBe('AVAILABLE');
  });

  it('replays a redemption stored before the amount bound existed, though its amount is now out of bounds', () => {
    const first = redeem({ idempotencyKey: 'old' });
    expect(first.userErrors).toEqual([]);
    // As if the key had been stored for an amount above MAX_FEN by the code before the bound: the stored
    // fingerprint is the one idempotency.ts computes for that request (operation and input without the key).
    const request = { couponId: 'cpn_000001', storeId: 'sto_kfc_hz_1', orderAmountFen: MAX_FEN + 1 };
    const hash = createHash('sha256')
      .update(JSON.stringify(['redeemCoupon', request]))
      .digest('hex');
    db.update(idempotencyKeys).set({ requestHash: hash }).where(eq(idempotencyKeys.key, 'old')).run();
    const retry = redeem({ orderAmountFen: MAX_FEN + 1, idempotencyKey: 'old' });
    expect(retry.userErrors).toEqual([]);
    expect(retry.coupon).toEqual(first.coupon);
    expect(db.select().from(settlements).all()).toHaveLength(1);
  });

  it('refuses every broken rule with a stable code and changes nothing', () => {
    const expiring = couponFor('usr_bob', { validDays: 1, minSpendFen: 0 });
    const before = effects();
    expect(codes(redeem({ orderAmountFen: 4999, idempotencyKey: 'b1' }))).toEqual(['MIN_SPEND_NOT_MET']);
    expect(codes(redeem({ storeId: 'sto_newhope_hz_1', idempotencyKey: 'b2' }))).toEqual(['STORE_MISMATCH']);
    expect(codes(redeem({ storeId: 'sto_nope', idempotencyKey: 'b3' }))).toEqual(['NOT_FOUND']);
    expect(codes(redeem({ couponId: 'cpn_nope', idempotencyKey: 'b4' }))).toEqual(['NOT_FOUND']);
    expect(codes(redeem({ orderAmountFen: 0, idempotencyKey: 'b5' }))).toEqual(['INVALID_INPUT']);
    expect(codes(redeem({ idempotencyKey: ' ' }))).toEqual(['INVALID_IDEMPOTENCY_KEY']);
    expect(codes(redeem({ couponId: expiring, idempotencyKey: 'b6' }, new Date(NOW.getTime() + DAY)))).toEqual([
      'COUPON_EXPIRED',
    ]);
    expect(effects()).toEqual(before);
    // The same key and input replay the first refusal, even once the order would qualify.
    expect(codes(redeem({ orderAmountFen: 4999, idempotencyKey: 'b1' }))).toEqual(['MIN_SPEND_NOT_MET']);
    expect(effects()).toEqual(before);
  });

  it.each(['coupon-redeemed', 'settled'])('leaves nothing behind when it fails after %s', (step) => {
    const before = snapshot();
    expect(() => redeem({}, NOW, { afterStep: boom(step) })).toThrow(/injected/);
    expect(snapshot()).toEqual(before);
    // …and the same request then succeeds normally.
    expect(redeem().userErrors).toEqual([]);
  });
});

describe('claimCoupon failure injection', () => {
  it('keeps the stock when the claim fails after taking it', () => {
    const before = snapshot();
    const claim = () =>
      claimCoupon(
        db,
        NOW,
        asUser(CAROL),
        { templateId: 'cpt_kfc_1', idempotencyKey: 'c1' },
        { afterStep: boom('stock-taken') },
      );
    expect(claim).toThrow(/injected/);
    expect(snapshot()).toEqual(before);
  });
});

describe('createCouponTemplate and createGroupBuyCampaign', () => {
  it('store valid templates with their whole stock claimable', () => {
    const { couponTemplate, userErrors } = createCouponTemplate(
      db,
      NOW,
      STAFF,
      templateInput({ title: '  Trimmed  ' }),
    );
    expect(userErrors).toEqual([]);
    expect(couponTemplate).toMatchObject({ title: 'Trimmed', totalStock: 10, remainingStock: 10, faceValueFen: null });
  });

  it('report every bad field of a template at once', () => {
    const before = snapshot();
    const result = createCouponTemplate(db, NOW, STAFF, {
      ...templateInput({ kind: 'FIXED_AMOUNT', faceValueFen: 0, percentOff: 10, capFen: 5 }),
      merchantId: 'mer_nope',
      title: ' ',
      minSpendFen: -1,
      totalStock: 0,
      perUserLimit: 0,
      claimEndsAt: new Date(NOW.getTime() - DAY),
      validDays: 0,
    });
    expect(result.couponTemplate).toBeNull();
    expect(result.userErrors.every((e) => e.code === 'INVALID_INPUT')).toBe(true);
    expect(result.userErrors.map((e) => e.field?.[1]).sort()).toEqual(
      [
        'merchantId',
        'title',
        'faceValueFen',
        'percentOff',
        'capFen',
        'minSpendFen',
        'totalStock',
        'perUserLimit',
        'claimEndsAt',
        'claimEndsAt',
        'validDays',
      ].sort(),
    );
    const percent = createCouponTemplate(db, NOW, STAFF, templateInput({ percentOff: 100, faceValueFen: 500 }));
    expect(percent.userErrors.map((e) => e.field?.[1])).toEqual(['percentOff', 'faceValueFen']);
    expect(snapshot()).toEqual(before);
  });

  it('validate campaigns: size, prices, time to fill and window', () => {
    expect(createGroupBuyCampaign(db, NOW, STAFF, campaignInput()).groupBuyCampaign).toMatchObject({ groupSize: 3 });
    const bad = createGroupBuyCampaign(
      db,
      NOW,
      STAFF,
      campaignInput({
        groupSize: 1,
        groupPriceFen: 6000,
        fillWithinMinutes: 0,
        startsAt: new Date(NOW.getTime() + 40 * DAY),
      }),
    );
    expect(bad.groupBuyCampaign).toBeNull();
    expect(bad.userErrors.map((e) => [e.code, e.field?.[1]])).toEqual([
      ['INVALID_INPUT', 'groupSize'],
      ['INVALID_INPUT', 'groupPriceFen'],
      ['INVALID_INPUT', 'fillWithinMinutes'],
      ['INVALID_INPUT', 'endsAt'],
    ]);
  });
});

describe('createCouponTemplate and createGroupBuyCampaign with an idempotency key', () => {
  const templateCount = () => db.select().from(couponTemplates).all().length;

  it('create a template once per key and input; another input under the key is IDEMPOTENCY_KEY_REUSED', () => {
    const first = createCouponTemplate(db, NOW, STAFF, templateInput({ idempotencyKey: 't1' }));
    expect(first.userErrors).toEqual([]);
    const count = templateCount();
    // An absent field and an explicit null are the same input; a retry a day later still replays.
    const later = new Date(NOW.getTime() + DAY);
    const again = createCouponTemplate(db, later, STAFF, {
      ...templateInput({ idempotencyKey: 't1' }),
      faceValueFen: null,
    });
    expect(again).toEqual(first);
    expect(templateCount()).toBe(count);
    expect(
      codes(createCouponTemplate(db, NOW, STAFF, templateInput({ idempotencyKey: 't1', totalStock: 11 }))),
    ).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    // Keys belong to their caller; no key always creates.
    expect(
      createCouponTemplate(db, NOW, KFC_PARTNER, templateInput({ idempotencyKey: 't1' })).couponTemplate?.id,
    ).not.toBe(first.couponTemplate?.id);
    createCouponTemplate(db, NOW, STAFF, templateInput());
    createCouponTemplate(db, NOW, STAFF, templateInput({ idempotencyKey: null }));
    expect(templateCount()).toBe(count + 3);
    expect(codes(createCouponTemplate(db, NOW, STAFF, templateInput({ idempotencyKey: ' ' })))).toEqual([
      'INVALID_IDEMPOTENCY_KEY',
    ]);
  });

  it('replay a refused create for the same key and input', () => {
    const refused = createCouponTemplate(
      db,
      NOW,
      STAFF,
      templateInput({ idempotencyKey: 't2', merchantId: 'mer_nope' }),
    );
    expect(codes(refused)).toEqual(['INVALID_INPUT']);
    const count = templateCount();
    expect(
      createCouponTemplate(db, NOW, STAFF, templateInput({ idempotencyKey: 't2', merchantId: 'mer_nope' })),
    ).toEqual(refused);
    expect(templateCount()).toBe(count);
  });

  it('create a campaign once per key and input', () => {
    const campaigns = () => db.select().from(groupBuyCampaigns).all().length;
    const first = createGroupBuyCampaign(db, NOW, STAFF, campaignInput({ idempotencyKey: 'g1' }));
    expect(first.userErrors).toEqual([]);
    const count = campaigns();
    expect(createGroupBuyCampaign(db, NOW, STAFF, campaignInput({ idempotencyKey: 'g1' }))).toEqual(first);
    expect(campaigns()).toBe(count);
    expect(
      codes(createGroupBuyCampaign(db, NOW, STAFF, campaignInput({ idempotencyKey: 'g1', groupSize: 4 }))),
    ).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    // The same key names another operation's request: a template under "g1" is a reuse too.
    expect(codes(createCouponTemplate(db, NOW, STAFF, templateInput({ idempotencyKey: 'g1' })))).toEqual([
      'IDEMPOTENCY_KEY_REUSED',
    ]);
    expect(campaigns()).toBe(count);
  });
});

describe('group buys', () => {
  const campaign = () => createGroupBuyCampaign(db, NOW, STAFF, campaignInput()).groupBuyCampaign?.id as string;
  const start = (campaignId: string, userId = 'usr_alice', now = NOW, key = `start-${userId}`) =>
    startGroupBuy(db, now, asUser(user(userId)), { campaignId, idempotencyKey: key });
  const join = (groupId: string, userId: string, now = NOW, options = {}, key = `join-${userId}`) =>
    joinGroupBuy(db, now, asUser(user(userId)), { groupId, idempotencyKey: key }, options);

  it('succeed the moment they fill, settling group price × size with the platform fee', () => {
    const group = start(campaign()).group;
    expect(group).toMatchObject({
      status: 'FORMING',
      memberCount: 1,
      expiresAt: new Date(NOW.getTime() + 60 * MINUTE),
    });
    const id = group?.id as string;
    expect(join(id, 'usr_bob').group).toMatchObject({ status: 'FORMING', memberCount: 2 });
    expect(db.select().from(settlements).all()).toEqual([]);
    const filled = join(id, 'usr_carol');
    expect(filled.group).toMatchObject({ status: 'SUCCEEDED', memberCount: 3, succeededAt: NOW });
    // 3 × 3333 = 9999; 9999 × 1.1% = 109.989 → 110.
    expect(db.select().from(settlements).all()).toEqual([
      expect.objectContaining({ sourceKind: 'GROUP_BUY', sourceId: id, amountFen: 9999 }),
    ]);
    expect(db.select().from(commissions).all()).toEqual([
      expect.objectContaining({ kind: 'PLATFORM_FEE', baseAmountFen: 9999, amountFen: 110 }),
    ]);
    const members = db.select().from(groupBuyMembers).where(eq(groupBuyMembers.groupId, id)).all();
    expect(members.map((m) => [m.userId, m.position, m.paidFen])).toEqual([
      ['usr_alice', 1, 3333],
      ['usr_bob', 2, 3333],
      ['usr_carol', 3, 3333],
    ]);
    // Replaying the filling join returns the group as it is and settles nothing twice.
    expect(join(id, 'usr_carol').userErrors).toEqual([]);
    expect(db.select().from(settlements).all()).toHaveLength(1);
    expect(codes(join(id, 'usr_0001'))).toEqual(['GROUP_FULL']);
  });

  it('refuse a second join, a reused key, windows and unknown ids', () => {
    const id = campaign();
    const groupId = start(id).group?.id as string;
    const before = effects();
    expect(codes(join(groupId, 'usr_alice'))).toEqual(['ALREADY_JOINED']);
    expect(
      codes(joinGroupBuy(db, NOW, asUser(ALICE), { groupId: 'gbg_kfc_1', idempotencyKey: 'start-usr_alice' })),
    ).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(codes(join('gbg_nope', 'usr_bob', NOW, {}, 'j1'))).toEqual(['NOT_FOUND']);
    expect(codes(start('gbc_nope', 'usr_bob', NOW, 's1'))).toEqual(['NOT_FOUND']);
    expect(codes(start(id, 'usr_bob', new Date(NOW.getTime() - MINUTE), 's2'))).toEqual(['NOT_STARTED']);
    expect(codes(start(id, 'usr_bob', new Date(NOW.getTime() + 30 * DAY), 's3'))).toEqual(['ENDED']);
    expect(codes(join(groupId, 'usr_bob', new Date(NOW.getTime() + 60 * MINUTE), {}, 'j2'))).toEqual(['GROUP_EXPIRED']);
    expect(effects()).toEqual(before);
    // A refused start retried with its key once the campaign is open replays the refusal and starts nothing.
    expect(codes(start(id, 'usr_bob', NOW, 's2'))).toEqual(['NOT_STARTED']);
    expect(effects()).toEqual(before);
  });

  it('never outlive their campaign', () => {
    const id = createGroupBuyCampaign(db, NOW, STAFF, campaignInput({ endsAt: new Date(NOW.getTime() + 10 * MINUTE) }))
      .groupBuyCampaign?.id as string;
    expect(start(id).group?.expiresAt).toEqual(new Date(NOW.getTime() + 10 * MINUTE));
  });

  it.each(['slot-taken', 'member-added', 'settled'])(
    'leave nothing behind when the filling join fails after %s',
    (step) => {
      const groupId = start(campaign()).group?.id as string;
      join(groupId, 'usr_bob');
      const before = snapshot();
      expect(() => join(groupId, 'usr_carol', NOW, { afterStep: boom(step) })).toThrow(/injected/);
      expect(snapshot()).toEqual(before);
    },
  );

  it('leave nothing behind when starting fails after creating the group', () => {
    const id = campaign();
    const before = snapshot();
    const failing = () =>
      startGroupBuy(
        db,
        NOW,
        asUser(ALICE),
        { campaignId: id, idempotencyKey: 's' },
        { afterStep: boom('group-created') },
      );
    expect(failing).toThrow(/injected/);
    expect(snapshot()).toEqual(before);
  });
});

describe('deadline jobs', () => {
  it('fail groups not filled in time and refund every member, once', () => {
    const campaignId = createGroupBuyCampaign(db, NOW, STAFF, campaignInput()).groupBuyCampaign?.id as string;
    const groupId = startGroupBuy(db, NOW, asUser(ALICE), { campaignId, idempotencyKey: 'a' }).group?.id as string;
    joinGroupBuy(db, NOW, asUser(BOB), { groupId, idempotencyKey: 'b' });
    const justBefore = new Date(NOW.getTime() + 60 * MINUTE - 1);
    expect(expireGroupBuys(db, justBefore, SYSTEM)).toEqual({ processed: 0 });
    const deadline = new Date(NOW.getTime() + 60 * MINUTE);
    expect(expireGroupBuys(db, deadline, SYSTEM)).toEqual({ processed: 1 });
    expect(db.select().from(groupBuyGroups).where(eq(groupBuyGroups.id, groupId)).get()).toMatchObject({
      status: 'FAILED',
      failedAt: deadline,
    });
    const members = db.select().from(groupBuyMembers).where(eq(groupBuyMembers.groupId, groupId)).all();
    expect(members.map((m) => m.refundedAt)).toEqual([deadline, deadline]);
    // Idempotent: a later run changes nothing, and the refund keeps its first time.
    const later = new Date(deadline.getTime() + DAY);
    expect(expireGroupBuys(db, later, SYSTEM)).toEqual({ processed: 0 });
    expect(db.select().from(groupBuyMembers).where(eq(groupBuyMembers.groupId, groupId)).all()).toEqual(members);
    expect(codes(joinGroupBuy(db, later, asUser(CAROL), { groupId, idempotencyKey: 'c' }))).toEqual(['NOT_FORMING']);
    expect(db.select().from(settlements).all()).toEqual([]);
  });

  it('mark unused coupons past their expiry EXPIRED, once, and leave redeemed ones alone', () => {
    const short = couponFor('usr_carol', { validDays: 1, minSpendFen: 0 });
    const used = couponFor('usr_bob', { validDays: 1, minSpendFen: 0 });
    redeemCoupon(db, NOW, STAFF, {
      couponId: used,
      storeId: 'sto_kfc_hz_1',
      orderAmountFen: 100,
      idempotencyKey: 'u',
    });
    const status = (id: string) => db.select().from(coupons).where(eq(coupons.id, id)).get()?.status;
    expireCoupons(db, new Date(NOW.getTime() + DAY - 1), SYSTEM);
    expect(status(short)).toBe('AVAILABLE');
    const at = new Date(NOW.getTime() + DAY);
    // Some seeded coupons run out by then too: every unused one due by `at` is processed.
    const due = db
      .select()
      .from(coupons)
      .where(and(eq(coupons.status, 'AVAILABLE'), lte(coupons.expiresAt, at)))
      .all();
    expect(due.map((c) => c.id)).toContain(short);
    const runs = runJobsOnce(offers.jobs, db, at);
    expect(runs).toEqual([
      { job: 'group-buy-expiry', processed: 0 },
      { job: 'coupon-expiry', processed: due.length },
    ]);
    expect([status(short), status(used)]).toEqual(['EXPIRED', 'REDEEMED']);
    expect(expireCoupons(db, new Date(NOW.getTime() + 2 * DAY), SYSTEM)).toEqual({ processed: 0 });
  });
});
