import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { MAX_FEN, MAX_PERSONAL_FEN } from '../../subgraphs/shared/money.ts';
import { createTestClock, useTestGraph } from '../support/graph.ts';
import { KFC_OFFERS_STAFF, seedUserId } from '../support/identities.ts';

/**
 * Money has bounds everywhere (issue 7, part 8), through the real gateway: every fen input refuses more than
 * its documented maximum with INVALID_INPUT naming the field and writes nothing, and a live stream's sales
 * stay readable — even a stored total beyond SafeInt fails `sales` alone, never the stream.
 */
const DAY = 86_400_000;
const NOW = new Date(SEED_EPOCH.getTime() + DAY);
const STREAM = 'lvs_kfc_1'; // features cpt_kfc_1 (¥10 off ¥50) in the seed world
const FEATURED_TEMPLATE = 'cpt_kfc_1';
const STORE = 'sto_kfc_hz_1';

const clock = createTestClock(NOW);
const graph = useTestGraph({ clock });

const offersCount = (table: string) =>
  (graph.subgraphs.offers.database.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
const socialCount = (table: string) =>
  (graph.subgraphs.social.database.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

const CLAIM = /* GraphQL */ `#graphql
  mutation ($input: ClaimCouponInput!) {
    claimCoupon(input: $input) { coupon { id } userErrors { code } }
  }
`;
const REDEEM = /* GraphQL */ `#graphql
  mutation ($input: RedeemCouponInput!) {
    redeemCoupon(input: $input) { coupon { id status } payable { fen } userErrors { code field message } }
  }
`;
const SALES = /* GraphQL */ `#graphql
  query ($id: ID!, $other: ID!) {
    liveStream(id: $id) { id title sales { fen yuan } }
    other: liveStream(id: $other) { id sales { fen } }
  }
`;

let claims = 0;
/** A fresh user claims the featured coupon from the stream; returns the coupon id. */
async function claimFromStream(): Promise<string> {
  claims += 1;
  const { body } = await graph.query(CLAIM, {
    as: seedUserId(claims),
    variables: { input: { templateId: FEATURED_TEMPLATE, liveStreamId: STREAM, idempotencyKey: `claim-${claims}` } },
  });
  expect(body.errors).toBeUndefined();
  expect(body.data.claimCoupon.userErrors).toEqual([]);
  return body.data.claimCoupon.coupon.id;
}

const redeem = (couponId: string, orderAmountFen: number, key: string) =>
  graph.query(REDEEM, {
    as: KFC_OFFERS_STAFF,
    variables: { input: { couponId, storeId: STORE, orderAmountFen, idempotencyKey: key } },
  });

describe('redeemCoupon orderAmountFen', () => {
  it.each([
    ['zero', 0],
    ['negative', -1],
    ['one fen over the maximum', MAX_FEN + 1],
    ['the largest SafeInt (the reported overflow)', Number.MAX_SAFE_INTEGER],
  ])('refuses %s with INVALID_INPUT on the field, stating the maximum, and writes nothing', async (_, amount) => {
    const couponId = await claimFromStream();
    const settlementsBefore = offersCount('settlements');
    const { status, body } = await redeem(couponId, amount, `bad-${amount}`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.redeemCoupon.coupon).toBeNull();
    expect(body.data.redeemCoupon.userErrors).toEqual([
      {
        code: 'INVALID_INPUT',
        field: ['input', 'orderAmountFen'],
        message: `orderAmountFen must be a whole number of fen from 1 to ${MAX_FEN}.`,
      },
    ]);
    expect(offersCount('settlements')).toBe(settlementsBefore);
    expect(offersCount("coupons where status = 'REDEEMED'")).toBe(0);
  });

  it('accepts exactly the maximum, twice from one stream, and the stream still reads its exact sales', async () => {
    const paid: number[] = [];
    for (const key of ['max-1', 'max-2']) {
      const { body } = await redeem(await claimFromStream(), MAX_FEN, key);
      expect(body.errors).toBeUndefined();
      expect(body.data.redeemCoupon.userErrors).toEqual([]);
      expect(body.data.redeemCoupon.coupon.status).toBe('REDEEMED');
      paid.push(body.data.redeemCoupon.payable.fen);
    }
    const { body } = await graph.query(SALES, { variables: { id: STREAM, other: 'lvs_kfc_2' } });
    expect(body.errors).toBeUndefined();
    // ¥10 off each: what was settled is the order minus the face value.
    expect(paid).toEqual([MAX_FEN - 1000, MAX_FEN - 1000]);
    expect(body.data.liveStream.sales.fen).toBe(2 * (MAX_FEN - 1000));
  });
});

describe('LiveStream.sales over stored data beyond SafeInt', () => {
  it('fails only the sales field of that stream; its other fields and other streams still answer', async () => {
    // Data written before the bounds existed: two settlements of 2^53 − 1 fen from the stream.
    graph.subgraphs.offers.database.sqlite
      .prepare('update settlements set amount_fen = ? where live_stream_id = ?')
      .run(Number.MAX_SAFE_INTEGER, STREAM);
    const { status, body } = await graph.query(SALES, { variables: { id: STREAM, other: 'lvs_kfc_2' } });
    expect(status).toBe(200);
    expect(body.data.liveStream).toMatchObject({ id: STREAM, title: expect.any(String), sales: null });
    expect(body.data.other).toEqual({ id: 'lvs_kfc_2', sales: { fen: 0 } });
    expect(body.errors?.map((e) => e.path)).toEqual([['liveStream', 'sales']]);
    expect(body.errors?.[0]?.message).toMatch(/beyond what a SafeInt can show exactly/);
  });
});

describe('LiveStream.sales over amounts stored as REAL', () => {
  it('fails only the sales field of that stream, naming the cause; other streams of the batch still answer', async () => {
    // Written by hand, not by the API: a REAL amount makes SQLite's sums fractional ("10000.000000005").
    const written = graph.subgraphs.offers.database.sqlite
      .prepare('update settlements set amount_fen = ? where live_stream_id = ?')
      .run(1_000_000_000_000.5, STREAM);
    expect(written.changes).toBeGreaterThan(0);
    const { status, body } = await graph.query(SALES, { variables: { id: STREAM, other: 'lvs_kfc_2' } });
    expect(status).toBe(200);
    expect(body.data.liveStream).toMatchObject({ id: STREAM, title: expect.any(String), sales: null });
    expect(body.data.other).toEqual({ id: 'lvs_kfc_2', sales: { fen: 0 } });
    expect(body.errors?.map((e) => e.path)).toEqual([['liveStream', 'sales']]);
    expect(body.errors?.[0]?.message).toMatch(/not a whole number of fen; the stored data needs an operator's review/);
  });
});

describe('offer creation fen fields', () => {
  const CREATE_TEMPLATE = /* GraphQL */ `#graphql
    mutation ($input: CreateCouponTemplateInput!) {
      createCouponTemplate(input: $input) { couponTemplate { id } userErrors { code field } }
    }
  `;
  const CREATE_CAMPAIGN = /* GraphQL */ `#graphql
    mutation ($input: CreateGroupBuyCampaignInput!) {
      createGroupBuyCampaign(input: $input) { groupBuyCampaign { id } userErrors { code field } }
    }
  `;
  const window = { claimStartsAt: NOW.toISOString(), claimEndsAt: new Date(NOW.getTime() + 7 * DAY).toISOString() };
  const template = (over: Record<string, unknown>) => ({
    merchantId: 'mer_kfc',
    title: 'Bounds',
    kind: 'FIXED_AMOUNT',
    faceValueFen: 500,
    totalStock: 5,
    validDays: 3,
    ...window,
    ...over,
  });
  const campaign = (over: Record<string, unknown>) => ({
    merchantId: 'mer_kfc',
    title: 'Bounds',
    groupSize: 2,
    groupPriceFen: 100,
    originalPriceFen: 200,
    fillWithinMinutes: 30,
    startsAt: window.claimStartsAt,
    endsAt: window.claimEndsAt,
    ...over,
  });

  it.each([
    ['faceValueFen', { faceValueFen: MAX_FEN + 1 }],
    ['capFen', { kind: 'PERCENT_OFF', faceValueFen: null, percentOff: 10, capFen: MAX_FEN + 1 }],
    ['minSpendFen', { minSpendFen: MAX_FEN + 1 }],
  ])('createCouponTemplate refuses %s above the maximum', async (field, over) => {
    const before = offersCount('coupon_templates');
    const { body } = await graph.query(CREATE_TEMPLATE, { as: KFC_OFFERS_STAFF, variables: { input: template(over) } });
    expect(body.data.createCouponTemplate).toEqual({
      couponTemplate: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['input', field] }],
    });
    expect(offersCount('coupon_templates')).toBe(before);
  });

  it('createCouponTemplate accepts every fen field at exactly the maximum', async () => {
    const fixed = await graph.query(CREATE_TEMPLATE, {
      as: KFC_OFFERS_STAFF,
      variables: { input: template({ faceValueFen: MAX_FEN, minSpendFen: MAX_FEN }) },
    });
    expect(fixed.body.data.createCouponTemplate.userErrors).toEqual([]);
    const percent = await graph.query(CREATE_TEMPLATE, {
      as: KFC_OFFERS_STAFF,
      variables: { input: template({ kind: 'PERCENT_OFF', faceValueFen: null, percentOff: 10, capFen: MAX_FEN }) },
    });
    expect(percent.body.data.createCouponTemplate.userErrors).toEqual([]);
  });

  it('createGroupBuyCampaign refuses groupPriceFen one fen over the maximum, alone', async () => {
    const before = offersCount('group_buy_campaigns');
    const over = await graph.query(CREATE_CAMPAIGN, {
      as: KFC_OFFERS_STAFF,
      variables: { input: campaign({ groupPriceFen: MAX_FEN + 1 }) },
    });
    expect(over.body.data.createGroupBuyCampaign.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['input', 'groupPriceFen'] },
    ]);
    expect(offersCount('group_buy_campaigns')).toBe(before);
  });

  it('createCouponTemplate takes percentOff 1 to 99 and refuses 0 and 100', async () => {
    const percent = (percentOff: number) =>
      graph.query(CREATE_TEMPLATE, {
        as: KFC_OFFERS_STAFF,
        variables: { input: template({ kind: 'PERCENT_OFF', faceValueFen: null, percentOff }) },
      });
    const before = offersCount('coupon_templates');
    for (const percentOff of [0, 100]) {
      expect((await percent(percentOff)).body.data.createCouponTemplate, `${percentOff}`).toEqual({
        couponTemplate: null,
        userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'percentOff'] }],
      });
    }
    expect(offersCount('coupon_templates')).toBe(before);
    for (const percentOff of [1, 99]) {
      expect((await percent(percentOff)).body.data.createCouponTemplate.userErrors, `${percentOff}`).toEqual([]);
    }
  });

  it('createGroupBuyCampaign bounds both prices', async () => {
    const before = offersCount('group_buy_campaigns');
    const over = await graph.query(CREATE_CAMPAIGN, {
      as: KFC_OFFERS_STAFF,
      variables: { input: campaign({ groupPriceFen: MAX_FEN, originalPriceFen: MAX_FEN + 1 }) },
    });
    expect(over.body.data.createGroupBuyCampaign.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['input', 'originalPriceFen'] },
    ]);
    expect(offersCount('group_buy_campaigns')).toBe(before);
    const atMax = await graph.query(CREATE_CAMPAIGN, {
      as: KFC_OFFERS_STAFF,
      variables: { input: campaign({ groupPriceFen: MAX_FEN - 1, originalPriceFen: MAX_FEN }) },
    });
    expect(atMax.body.data.createGroupBuyCampaign.userErrors).toEqual([]);
  });
});

describe('social fen fields', () => {
  const CREATE_IOU = /* GraphQL */ `#graphql
    mutation ($input: CreateIouInput!) { createIou(input: $input) { iou { id } userErrors { code field } } }
  `;
  const SPLIT = /* GraphQL */ `#graphql
    mutation ($input: CreateGroupPaymentInput!) {
      createGroupPayment(input: $input) { groupPayment { id } userErrors { code field } }
    }
  `;
  const REPAY = /* GraphQL */ `#graphql
    mutation ($input: RepayIouInput!) { repayIou(input: $input) { iou { id } userErrors { code field } } }
  `;
  const due = new Date(NOW.getTime() + 30 * DAY).toISOString();

  it('createIou and createGroupPayment refuse one fen over MAX_PERSONAL_FEN and accept the maximum', async () => {
    const before = [socialCount('ious'), socialCount('group_payments')];
    const iou = (principalFen: number, key: string) =>
      graph.query(CREATE_IOU, {
        as: 'usr_carol',
        variables: { input: { lenderId: 'usr_bob', principalFen, dueDate: due, idempotencyKey: key } },
      });
    const split = (totalFen: number, key: string) =>
      graph.query(SPLIT, {
        as: 'usr_bob',
        variables: { input: { title: 'Dinner', totalFen, participantIds: ['usr_alice'], idempotencyKey: key } },
      });
    expect((await iou(MAX_PERSONAL_FEN + 1, 'i-over')).body.data.createIou.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['input', 'principalFen'] },
    ]);
    expect((await split(MAX_PERSONAL_FEN + 1, 's-over')).body.data.createGroupPayment.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['input', 'totalFen'] },
    ]);
    expect([socialCount('ious'), socialCount('group_payments')]).toEqual(before);
    expect((await iou(MAX_PERSONAL_FEN, 'i-max')).body.data.createIou.userErrors).toEqual([]);
    expect((await split(MAX_PERSONAL_FEN, 's-max')).body.data.createGroupPayment.userErrors).toEqual([]);
  });

  it('repayIou takes exactly MAX_PERSONAL_FEN and refuses one fen more, on an IOU that large', async () => {
    const CONFIRM = /* GraphQL */ `#graphql
      mutation ($id: ID!) { confirmIou(iouId: $id) { iou { id status } userErrors { code } } }
    `;
    const created = await graph.query(CREATE_IOU, {
      as: 'usr_carol',
      variables: {
        input: { lenderId: 'usr_bob', principalFen: MAX_PERSONAL_FEN, dueDate: due, idempotencyKey: 'big-iou' },
      },
    });
    const id = created.body.data.createIou.iou.id as string;
    const confirmed = await graph.query(CONFIRM, { as: 'usr_bob', variables: { id } });
    expect(confirmed.body.data.confirmIou).toEqual({ iou: { id, status: 'ACTIVE' }, userErrors: [] });
    const repay = (amountFen: number, key: string) =>
      graph.query(REPAY, { as: 'usr_carol', variables: { input: { iouId: id, amountFen, idempotencyKey: key } } });
    const before = socialCount('iou_repayments');
    // One fen over the bound is INVALID_INPUT (not OVERPAYMENT: the bound is checked first), nothing recorded.
    expect((await repay(MAX_PERSONAL_FEN + 1, 'big-over')).body.data.repayIou.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['input', 'amountFen'] },
    ]);
    expect(socialCount('iou_repayments')).toBe(before);
    const atMax = await repay(MAX_PERSONAL_FEN, 'big-max');
    expect(atMax.body.data.repayIou).toEqual({ iou: { id }, userErrors: [] });
    expect(socialCount('iou_repayments')).toBe(before + 1);
  });

  it('repayIou refuses an amount above MAX_PERSONAL_FEN as INVALID_INPUT and records nothing', async () => {
    const before = socialCount('iou_repayments');
    const { body } = await graph.query(REPAY, {
      as: 'usr_carol',
      variables: { input: { iouId: 'iou_bob_carol', amountFen: Number.MAX_SAFE_INTEGER, idempotencyKey: 'r-over' } },
    });
    expect(body.data.repayIou.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'amountFen'] }]);
    expect(socialCount('iou_repayments')).toBe(before);
  });
});
