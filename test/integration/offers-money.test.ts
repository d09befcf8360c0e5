import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, useTestGraph } from '../support/graph.ts';
import { KFC_STAFF, seedUserId } from '../support/identities.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
const NOW = new Date(SEED_EPOCH.getTime() + DAY);

const clock = createTestClock(NOW);
const graph = useTestGraph({ clock });

const sqlite = () => graph.subgraphs.offers.database.sqlite;
const count = (sql: string, ...params: unknown[]) =>
  (
    sqlite()
      .prepare(sql)
      .get(...params) as { n: number }
  ).n;

const CREATE_TEMPLATE = /* GraphQL */ `#graphql
  mutation ($input: CreateCouponTemplateInput!) {
    createCouponTemplate(input: $input) {
      couponTemplate { id remainingStock status }
      userErrors { code field }
    }
  }
`;
const CLAIM = /* GraphQL */ `#graphql
  mutation ($input: ClaimCouponInput!) {
    claimCoupon(input: $input) {
      coupon { id status }
      userErrors { code }
    }
  }
`;
const REDEEM = /* GraphQL */ `#graphql
  mutation ($input: RedeemCouponInput!) {
    redeemCoupon(input: $input) {
      coupon { id status redeemedAt }
      discount { fen yuan }
      payable { fen yuan }
      commission { kind rateBps baseAmount { fen } amount { fen } }
      userErrors { code field }
    }
  }
`;
const CREATE_CAMPAIGN = /* GraphQL */ `#graphql
  mutation ($input: CreateGroupBuyCampaignInput!) {
    createGroupBuyCampaign(input: $input) {
      groupBuyCampaign { id groupSize groupPrice { fen } }
      userErrors { code field }
    }
  }
`;
const START = /* GraphQL */ `#graphql
  mutation ($input: StartGroupBuyInput!) {
    startGroupBuy(input: $input) {
      group { id status remainingSlots }
      userErrors { code }
    }
  }
`;
const JOIN = /* GraphQL */ `#graphql
  mutation ($input: JoinGroupBuyInput!) {
    joinGroupBuy(input: $input) {
      group { id status remainingSlots members { user { id } paid { fen } refunded } }
      userErrors { code }
    }
  }
`;

async function createTemplate(input: Record<string, unknown>): Promise<string> {
  const { body } = await graph.query(CREATE_TEMPLATE, {
    as: KFC_STAFF,
    variables: {
      input: {
        merchantId: 'mer_kfc',
        title: 'Flash deal',
        kind: 'FIXED_AMOUNT',
        faceValueFen: 500,
        totalStock: 50,
        claimStartsAt: NOW.toISOString(),
        claimEndsAt: new Date(NOW.getTime() + 7 * DAY).toISOString(),
        validDays: 3,
        ...input,
      },
    },
  });
  expect(body.errors).toBeUndefined();
  expect(body.data.createCouponTemplate.userErrors).toEqual([]);
  return body.data.createCouponTemplate.couponTemplate.id;
}

async function startGroup(groupSize: number, leader: string): Promise<string> {
  const created = await graph.query(CREATE_CAMPAIGN, {
    as: KFC_STAFF,
    variables: {
      input: {
        merchantId: 'mer_kfc',
        title: `Deal for ${groupSize}`,
        groupSize,
        groupPriceFen: 2999,
        originalPriceFen: 4999,
        fillWithinMinutes: 30,
        startsAt: NOW.toISOString(),
        endsAt: new Date(NOW.getTime() + 7 * DAY).toISOString(),
      },
    },
  });
  expect(created.body.data.createGroupBuyCampaign.userErrors).toEqual([]);
  const campaignId = created.body.data.createGroupBuyCampaign.groupBuyCampaign.id;
  const started = await graph.query(START, {
    as: leader,
    variables: { input: { campaignId, idempotencyKey: `start-${campaignId}` } },
  });
  expect(started.body.data.startGroupBuy.group).toMatchObject({ status: 'FORMING', remainingSlots: groupSize - 1 });
  return started.body.data.startGroupBuy.group.id;
}

describe('claimCoupon under concurrency, through the gateway', () => {
  it('200 users racing for a stock of 50 get exactly 50 coupons and 150 SOLD_OUT, with no 5xx', async () => {
    const templateId = await createTemplate({ totalStock: 50, perUserLimit: 1 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        graph.query(CLAIM, {
          as: seedUserId(i + 1),
          variables: { input: { templateId, idempotencyKey: `race-${i}` } },
        }),
      ),
    );
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.body.errors)).toEqual([]);
    const payloads = results.map((r) => r.body.data.claimCoupon);
    expect(payloads.filter((p) => p.coupon).length).toBe(50);
    expect(payloads.filter((p) => p.userErrors[0]?.code === 'SOLD_OUT').length).toBe(150);
    expect(count('select count(*) n from coupons where template_id = ?', templateId)).toBe(50);
    const { body } = await graph.query(`{ couponTemplate(id: "${templateId}") { remainingStock status } }`);
    expect(body.data.couponTemplate).toEqual({ remainingStock: 0, status: 'SOLD_OUT' });
  });

  it('20 concurrent claims by one user with a per-user limit of 2 give exactly 2', async () => {
    const templateId = await createTemplate({ totalStock: 100, perUserLimit: 2 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        graph.query(CLAIM, { as: 'usr_carol', variables: { input: { templateId, idempotencyKey: `mine-${i}` } } }),
      ),
    );
    expect(results.map((r) => r.status).every((s) => s === 200)).toBe(true);
    const payloads = results.map((r) => r.body.data.claimCoupon);
    expect(payloads.filter((p) => p.coupon).length).toBe(2);
    expect(payloads.filter((p) => p.userErrors[0]?.code === 'LIMIT_REACHED').length).toBe(18);
    expect(count('select count(*) n from coupons where template_id = ? and user_id = ?', templateId, 'usr_carol')).toBe(
      2,
    );
    expect(count('select remaining_stock n from coupon_templates where id = ?', templateId)).toBe(98);
  });

  it('the same claim sent ten times at once with one key claims once', async () => {
    const templateId = await createTemplate({ totalStock: 10, perUserLimit: 5 });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        graph.query(CLAIM, { as: 'usr_bob', variables: { input: { templateId, idempotencyKey: 'one-key' } } }),
      ),
    );
    const ids = new Set(results.map((r) => r.body.data.claimCoupon.coupon.id));
    expect(ids.size).toBe(1);
    expect(count('select count(*) n from coupons where template_id = ?', templateId)).toBe(1);
  });
});

describe('group buys under concurrency, through the gateway', () => {
  it('two users racing for the last slot give one member more, not two', async () => {
    const groupId = await startGroup(3, 'usr_0301');
    const second = await graph.query(JOIN, { as: 'usr_0302', variables: { input: { groupId, idempotencyKey: 'j' } } });
    expect(second.body.data.joinGroupBuy.group).toMatchObject({ status: 'FORMING', remainingSlots: 1 });
    const race = await Promise.all(
      ['usr_0303', 'usr_0304'].map((as) =>
        graph.query(JOIN, { as, variables: { input: { groupId, idempotencyKey: 'j' } } }),
      ),
    );
    const payloads = race.map((r) => r.body.data.joinGroupBuy);
    expect(payloads.filter((p) => p.group).length).toBe(1);
    expect(payloads.flatMap((p) => p.userErrors.map((e: { code: string }) => e.code))).toEqual(['GROUP_FULL']);
    const winner = payloads.find((p) => p.group).group;
    expect(winner).toMatchObject({ status: 'SUCCEEDED', remainingSlots: 0 });
    expect(winner.members).toHaveLength(3);
    expect(count('select count(*) n from group_buy_members where group_id = ?', groupId)).toBe(3);
    // Succeeded in the same transaction: one settlement of 3 × 2999 with its fee (8997 × 1.1% = 98.967 → 99).
    expect(sqlite().prepare('select amount_fen from settlements where source_id = ?').all(groupId)).toEqual([
      { amount_fen: 8997 },
    ]);
    expect(
      sqlite()
        .prepare(
          'select c.amount_fen from commissions c join settlements s on s.id = c.settlement_id where s.source_id = ?',
        )
        .all(groupId),
    ).toEqual([{ amount_fen: 99 }]);
  });

  it('fails an unfilled group at its deadline and refunds every member', async () => {
    const groupId = await startGroup(5, 'usr_0311');
    await graph.query(JOIN, { as: 'usr_0312', variables: { input: { groupId, idempotencyKey: 'j' } } });
    clock.advance(30 * MINUTE);
    try {
      const runs = graph.runJobs();
      expect(runs).toContainEqual({ job: 'group-buy-expiry', processed: 1 });
      const { body } = await graph.query(`{ groupBuyGroup(id: "${groupId}") { status members { refunded } } }`);
      expect(body.data.groupBuyGroup).toEqual({ status: 'FAILED', members: [{ refunded: true }, { refunded: true }] });
      const late = await graph.query(JOIN, { as: 'usr_0313', variables: { input: { groupId, idempotencyKey: 'j' } } });
      expect(late.body.data.joinGroupBuy.userErrors).toEqual([{ code: 'NOT_FORMING' }]);
      expect(graph.runJobs()).toContainEqual({ job: 'group-buy-expiry', processed: 0 });
    } finally {
      clock.set(NOW);
    }
  });
});

describe('redeemCoupon through the gateway', () => {
  it('redeems a percent coupon exactly and records the fee; a stream not featuring the template gains no sales', async () => {
    const templateId = await createTemplate({
      kind: 'PERCENT_OFF',
      faceValueFen: null,
      percentOff: 15,
      capFen: 2000,
      minSpendFen: 100,
    });
    const claimed = await graph.query(CLAIM, {
      as: 'usr_alice',
      variables: { input: { templateId, idempotencyKey: 'live', liveStreamId: 'lvs_kfc_1' } },
    });
    const couponId = claimed.body.data.claimCoupon.coupon.id;
    const salesBefore = await graph.query(`{ liveStream(id: "lvs_kfc_1") { sales { fen } } }`);
    const input = { couponId, storeId: 'sto_kfc_hz_1', orderAmountFen: 330, idempotencyKey: 'redeem-1' };
    const { status, body } = await graph.query(REDEEM, { as: KFC_STAFF, variables: { input } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    // 15% of 330 = 49.5 → 50 off; 280 payable; 280 × 1.1% = 3.08 → 3.
    expect(body.data.redeemCoupon).toMatchObject({
      coupon: { id: couponId, status: 'REDEEMED', redeemedAt: NOW.toISOString() },
      discount: { fen: 50, yuan: '0.50' },
      payable: { fen: 280, yuan: '2.80' },
      commission: { kind: 'PLATFORM_FEE', rateBps: 110, baseAmount: { fen: 280 }, amount: { fen: 3 } },
      userErrors: [],
    });
    const salesAfter = await graph.query(`{ liveStream(id: "lvs_kfc_1") { sales { fen } } }`);
    // lvs_kfc_1 features cpt_kfc_1 and gbc_kfc_1, not this new template: naming the stream credits it nothing.
    expect(salesAfter.body.data.liveStream.sales.fen).toBe(salesBefore.body.data.liveStream.sales.fen);
    // Retried with the same key: the same answer, nothing settled twice; another order with it: refused.
    const retry = await graph.query(REDEEM, { as: KFC_STAFF, variables: { input } });
    expect(retry.body.data.redeemCoupon).toEqual(body.data.redeemCoupon);
    const reused = await graph.query(REDEEM, {
      as: KFC_STAFF,
      variables: { input: { ...input, orderAmountFen: 400 } },
    });
    expect(reused.body.data.redeemCoupon.userErrors).toEqual([
      { code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] },
    ]);
    expect(count('select count(*) n from settlements where source_id = ?', couponId)).toBe(1);
    // The fee shows in the merchant's commissions, newest first, for finance staff.
    const listed = await graph.query(
      `{ merchant(id: "mer_kfc") { commissions(first: 1) { edges { node { baseAmount { fen } amount { fen } } } } } }`,
      { as: KFC_STAFF },
    );
    expect(listed.body.data.merchant.commissions.edges).toEqual([
      { node: { baseAmount: { fen: 280 }, amount: { fen: 3 } } },
    ]);
  });

  it('refuses an order below the minimum spend as MIN_SPEND_NOT_MET and changes nothing', async () => {
    const input = { couponId: 'cpn_000002', storeId: 'sto_newhope_hz_1', orderAmountFen: 4999, idempotencyKey: 'min' };
    const staff = { ...KFC_STAFF, merchantIds: ['mer_newhope'] };
    const { body } = await graph.query(REDEEM, { as: staff, variables: { input } });
    expect(body.data.redeemCoupon).toMatchObject({
      coupon: null,
      userErrors: [{ code: 'MIN_SPEND_NOT_MET', field: ['input', 'orderAmountFen'] }],
    });
    expect(count("select count(*) n from coupons where id = 'cpn_000002' and status = 'AVAILABLE'")).toBe(1);
  });
});

describe('idempotency keys replay the first outcome, through the gateway', () => {
  const HOUR = 60 * MINUTE;

  it('a claim refused before the window replays NOT_STARTED for its key once the window opens; a new key claims', async () => {
    const templateId = await createTemplate({ claimStartsAt: new Date(NOW.getTime() + HOUR).toISOString() });
    const claim = (idempotencyKey: string) =>
      graph.query(CLAIM, { as: 'usr_0321', variables: { input: { templateId, idempotencyKey } } });
    const early = await claim('K');
    expect(early.body.data.claimCoupon).toEqual({ coupon: null, userErrors: [{ code: 'NOT_STARTED' }] });
    clock.advance(2 * HOUR);
    try {
      const again = await claim('K');
      expect(again.body.errors).toBeUndefined();
      expect(again.body.data.claimCoupon).toEqual({ coupon: null, userErrors: [{ code: 'NOT_STARTED' }] });
      expect(count('select count(*) n from coupons where template_id = ?', templateId)).toBe(0);
      expect(count('select remaining_stock n from coupon_templates where id = ?', templateId)).toBe(50);
      const fresh = await claim('K2');
      expect(fresh.body.data.claimCoupon).toMatchObject({ coupon: { status: 'AVAILABLE' }, userErrors: [] });
      expect(count('select count(*) n from coupons where template_id = ?', templateId)).toBe(1);
    } finally {
      clock.set(NOW);
    }
  });

  it('createCouponTemplate with a key, sent five times at once and again later, creates one template', async () => {
    const input = {
      merchantId: 'mer_kfc',
      title: 'Retried create',
      kind: 'FIXED_AMOUNT',
      faceValueFen: 700,
      totalStock: 30,
      claimStartsAt: NOW.toISOString(),
      claimEndsAt: new Date(NOW.getTime() + 7 * DAY).toISOString(),
      validDays: 3,
      idempotencyKey: 'create-template-1',
    };
    const send = (over: Record<string, unknown> = {}) =>
      graph.query(CREATE_TEMPLATE, { as: KFC_STAFF, variables: { input: { ...input, ...over } } });
    const results = await Promise.all(Array.from({ length: 5 }, () => send()));
    const ids = new Set(results.map((r) => r.body.data.createCouponTemplate.couponTemplate.id));
    expect(ids.size).toBe(1);
    const retry = await send();
    expect(retry.body.data.createCouponTemplate.couponTemplate.id).toBe([...ids][0]);
    const reused = await send({ totalStock: 31 });
    expect(reused.body.data.createCouponTemplate).toEqual({
      couponTemplate: null,
      userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] }],
    });
    expect(count("select count(*) n from coupon_templates where title = 'Retried create'")).toBe(1);
    // Without a key, each call creates.
    await send({ idempotencyKey: null });
    expect(count("select count(*) n from coupon_templates where title = 'Retried create'")).toBe(2);
  });

  it('createGroupBuyCampaign with a key creates one campaign; a refused one replays its user errors', async () => {
    const input = {
      merchantId: 'mer_kfc',
      title: 'Retried campaign',
      groupSize: 2,
      groupPriceFen: 1000,
      originalPriceFen: 1500,
      fillWithinMinutes: 30,
      startsAt: NOW.toISOString(),
      endsAt: new Date(NOW.getTime() + 7 * DAY).toISOString(),
      idempotencyKey: 'create-campaign-1',
    };
    const send = (over: Record<string, unknown> = {}) =>
      graph.query(CREATE_CAMPAIGN, { as: KFC_STAFF, variables: { input: { ...input, ...over } } });
    const first = await send();
    const again = await send();
    expect(again.body.data.createGroupBuyCampaign).toEqual(first.body.data.createGroupBuyCampaign);
    expect(count("select count(*) n from group_buy_campaigns where title = 'Retried campaign'")).toBe(1);
    const bad = { groupPriceFen: 2000, idempotencyKey: 'create-campaign-2' };
    const refused = await send(bad);
    expect(refused.body.data.createGroupBuyCampaign).toEqual({
      groupBuyCampaign: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'groupPriceFen'] }],
    });
    expect((await send(bad)).body.data.createGroupBuyCampaign).toEqual(refused.body.data.createGroupBuyCampaign);
    expect(count("select count(*) n from group_buy_campaigns where title = 'Retried campaign'")).toBe(1);
  });
});

describe('live stream sales and settlements, through the gateway', () => {
  const SALES = `{ liveStream(id: "lvs_kfc_1") { featuredOffers { ... on CouponTemplate { id } } sales { fen } } }`;
  const SETTLEMENTS = /* GraphQL */ `#graphql
    query ($id: ID!, $first: Int) {
      merchant(id: $id) {
        settlements(first: $first) {
          edges { node {
            id kind sourceId amount { fen yuan } liveStream { id } createdAt
            commissions { kind rateBps baseAmount { fen } amount { fen } }
          } }
          pageInfo { hasNextPage }
        }
      }
    }
  `;
  const sales = async () => (await graph.query(SALES)).body.data.liveStream.sales.fen as number;

  it('counts a redeemed coupon toward a stream that features its template, and only then', async () => {
    const { body } = await graph.query(SALES);
    expect(body.data.liveStream.featuredOffers).toContainEqual({ id: 'cpt_kfc_1' });
    const before = await sales();
    // A template the stream does not feature, claimed naming the stream and redeemed: no change.
    const other = await createTemplate({ title: 'Not featured' });
    const notFeatured = await graph.query(CLAIM, {
      as: 'usr_0331',
      variables: { input: { templateId: other, idempotencyKey: 'nf', liveStreamId: 'lvs_kfc_1' } },
    });
    const nfCoupon = notFeatured.body.data.claimCoupon.coupon.id;
    const nfRedeem = await graph.query(REDEEM, {
      as: KFC_STAFF,
      variables: { input: { couponId: nfCoupon, storeId: 'sto_kfc_hz_1', orderAmountFen: 1000, idempotencyKey: 'nf' } },
    });
    expect(nfRedeem.body.data.redeemCoupon.userErrors).toEqual([]);
    expect(await sales()).toBe(before);
    // The featured cpt_kfc_1, claimed from the stream and redeemed: its payable amount counts.
    const featured = await graph.query(CLAIM, {
      as: 'usr_0332',
      variables: { input: { templateId: 'cpt_kfc_1', idempotencyKey: 'f', liveStreamId: 'lvs_kfc_1' } },
    });
    const fCoupon = featured.body.data.claimCoupon.coupon.id;
    const fRedeem = await graph.query(REDEEM, {
      as: KFC_STAFF,
      variables: { input: { couponId: fCoupon, storeId: 'sto_kfc_hz_1', orderAmountFen: 6000, idempotencyKey: 'f' } },
    });
    expect(fRedeem.body.data.redeemCoupon.userErrors).toEqual([]);
    expect(await sales()).toBe(before + fRedeem.body.data.redeemCoupon.payable.fen);
    // The settlement shows for finance staff, newest first, with the stream it was claimed from and its fee.
    const listed = await graph.query(SETTLEMENTS, { as: KFC_STAFF, variables: { id: 'mer_kfc', first: 2 } });
    expect(listed.body.errors).toBeUndefined();
    const [newest, previous] = listed.body.data.merchant.settlements.edges.map((e: { node: unknown }) => e.node);
    const payable = fRedeem.body.data.redeemCoupon.payable.fen;
    expect(newest).toMatchObject({
      kind: 'COUPON_REDEMPTION',
      sourceId: fCoupon,
      amount: { fen: payable },
      liveStream: { id: 'lvs_kfc_1' },
      createdAt: NOW.toISOString(),
      commissions: [
        {
          kind: 'PLATFORM_FEE',
          rateBps: 110,
          baseAmount: { fen: payable },
          amount: fRedeem.body.data.redeemCoupon.commission.amount,
        },
      ],
    });
    expect(newest.id).toMatch(/^stl_/);
    expect(previous).toMatchObject({ sourceId: nfCoupon, liveStream: { id: 'lvs_kfc_1' } });
  });

  it('refuses a liveStreamId that is not a live stream id, claiming nothing', async () => {
    const templateId = await createTemplate({ title: 'Bad stream' });
    const { body } = await graph.query(
      /* GraphQL */ `#graphql
      mutation ($input: ClaimCouponInput!) { claimCoupon(input: $input) { coupon { id } userErrors { code field } } }
    `,
      { as: 'usr_0333', variables: { input: { templateId, idempotencyKey: 'bad', liveStreamId: 'pst_kfc_1' } } },
    );
    expect(body.data.claimCoupon).toEqual({
      coupon: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'liveStreamId'] }],
    });
    expect(count('select count(*) n from coupons where template_id = ?', templateId)).toBe(0);
  });

  it('shows settlements to finance staff of the merchant only', async () => {
    const read = (as?: As) => graph.query(SETTLEMENTS, { as, variables: { id: 'mer_kfc', first: 1 } });
    const staff = await read(KFC_STAFF);
    expect(staff.body.errors).toBeUndefined();
    expect(staff.body.data.merchant.settlements.edges).toHaveLength(1);
    const cases: [As | undefined, string][] = [
      [undefined, 'UNAUTHENTICATED'],
      [{ ...KFC_STAFF, scopes: ['merchant:offers'] }, 'FORBIDDEN'],
      [{ ...KFC_STAFF, merchantIds: ['mer_newhope'] }, 'FORBIDDEN'],
      ['usr_alice', 'FORBIDDEN'],
    ];
    for (const [as, code] of cases) {
      const { status, body } = await read(as);
      expect(status).toBe(200);
      expect(body.data.merchant).toEqual({ settlements: null });
      expect(body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([[code, ['merchant', 'settlements']]]);
    }
  });
});
