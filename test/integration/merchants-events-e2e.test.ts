import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, useTestGraph } from '../support/graph.ts';
import { BOB_KFC_CONTENT_STAFF, staff } from '../support/identities.ts';

/**
 * Issue 12, item 5: facts changed through the gateway reach the subgraphs that use them through events, with no
 * restart. A store created in merchants can be tagged in a post (content) and redeemed at (offers) within a second; a
 * new settlement rate is the rate of the next commission; a closed store can be neither tagged nor redeemed at.
 */
const clock = createTestClock(new Date(SEED_EPOCH.getTime() + 60_000));
const graph = useTestGraph({ clock });

/** How long a fact may take to reach the other subgraphs (the "within a second"). */
const WITHIN_MS = 1000;
const KFC_PROFILE = staff('usr_0003', ['merchant:profile'], ['mer_kfc']);
const OPERATOR = staff('usr_0004', ['platform:admin'], []);
const TILL = staff('usr_0005', ['merchant:offers', 'merchant:finance'], ['mer_kfc', 'mer_newhope']);

const CREATE_STORE = `#graphql
  mutation ($input: CreateStoreInput!) { createStore(input: $input) { store { id } userErrors { code } } }`;
const CLOSE_STORE = `#graphql
  mutation ($id: ID!) { closeStore(id: $id) { store { id status } userErrors { code } } }`;
const SET_RATE = `#graphql
  mutation ($merchantId: ID!, $rateBps: Int!) {
    setSettlementRate(merchantId: $merchantId, rateBps: $rateBps) { merchant { settlementRateBps } userErrors { code } } }`;
const PUBLISH = `#graphql
  mutation ($input: PublishPostInput!) { publishPost(input: $input) { post { id store { id name } } userErrors { code } } }`;
const CLAIM = `#graphql
  mutation ($input: ClaimCouponInput!) { claimCoupon(input: $input) { coupon { id } userErrors { code } } }`;
const REDEEM = `#graphql
  mutation ($input: RedeemCouponInput!) {
    redeemCoupon(input: $input) {
      coupon { status } commission { rateBps amount { fen } } userErrors { code field } } }`;

async function ok(query: string, variables: Record<string, unknown>, as: As) {
  const { status, body } = await graph.query(query, { variables, as });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** Calls `attempt` until it returns a value (not undefined) or `WITHIN_MS` have passed since `since`. */
async function within<T>(since: number, attempt: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() - since > WITHIN_MS) throw new Error(`not within ${WITHIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let users = 100;
/** A coupon of `templateId` claimed by a user who has none yet. */
async function claimedCoupon(templateId: string): Promise<string> {
  const { claimCoupon } = await ok(CLAIM, { input: { templateId, idempotencyKey: 'e2e' } }, `usr_0${users++}`);
  expect(claimCoupon.userErrors).toEqual([]);
  return claimCoupon.coupon.id;
}

let keys = 0;
const redeem = (couponId: string, storeId: string, orderAmountFen: number) =>
  ok(REDEEM, { input: { couponId, storeId, orderAmountFen, idempotencyKey: `e2e-${keys++}` } }, TILL);
const tag = (storeId: string) =>
  ok(
    PUBLISH,
    { input: { accountId: 'la_kfc', kind: 'IMAGE_TEXT', title: 'New here', body: 'Come by.', media: [], storeId } },
    BOB_KFC_CONTENT_STAFF,
  );
const codes = (payload: { userErrors: { code: string }[] }) => payload.userErrors.map((e) => e.code);

describe('a store created through the gateway', () => {
  const location = { lat: 30.2702, lng: 120.1603 };
  let storeId = '';

  it('can be tagged in a post and redeemed at within a second', async () => {
    const input = { merchantId: 'mer_kfc', name: 'KFC Wulin 7', address: '7 Wulin Road', city: 'Hangzhou', location };
    const created = (await ok(CREATE_STORE, { input: { ...input, openingHours: '10:00-22:00' } }, KFC_PROFILE))
      .createStore;
    expect(created.userErrors).toEqual([]);
    storeId = created.store.id;
    const since = Date.now();
    // Until content has applied store.created the post is refused (NOT_FOUND) and nothing is written.
    const post = await within(since, async () => {
      const { publishPost } = await tag(storeId);
      return codes(publishPost).includes('NOT_FOUND') ? undefined : publishPost;
    });
    expect(post.userErrors).toEqual([]);
    expect(post.post.store).toEqual({ id: storeId, name: 'KFC Wulin 7' });
    // The post takes its location from content's copy of the store, which came with the event.
    const stored = graph.subgraphs.content.database.sqlite
      .prepare('select lat, lng from posts where id = ?')
      .get(post.post.id);
    expect(stored).toEqual(location);
    const couponId = await claimedCoupon('cpt_kfc_2');
    const redeemed = await within(since, async () => {
      const { redeemCoupon } = await redeem(couponId, storeId, 2000);
      return codes(redeemCoupon).includes('NOT_FOUND') ? undefined : redeemCoupon;
    });
    expect(redeemed).toMatchObject({ coupon: { status: 'REDEEMED' }, userErrors: [] });
  });

  it('once closed, can be neither tagged nor redeemed at, within a second', async () => {
    const closed = (await ok(CLOSE_STORE, { id: storeId }, KFC_PROFILE)).closeStore;
    expect(closed).toEqual({ store: { id: storeId, status: 'CLOSED' }, userErrors: [] });
    const since = Date.now();
    const gone = (subgraph: 'content' | 'offers', table: string) =>
      graph.subgraphs[subgraph].database.sqlite.prepare(`select 1 from ${table} where store_id = ?`).get(storeId) ===
      undefined;
    // Wait on the projections, not on the mutations: a tag that got through during the lag would be a real post.
    await within(
      since,
      async () => (gone('content', 'store_directory') && gone('offers', 'store_merchants')) || undefined,
    );
    const post = (await tag(storeId)).publishPost;
    expect(post).toEqual({ post: null, userErrors: [{ code: 'NOT_FOUND' }] });
    const couponId = await claimedCoupon('cpt_kfc_2');
    const refused = (await redeem(couponId, storeId, 2000)).redeemCoupon;
    expect(refused).toMatchObject({ coupon: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'storeId'] }] });
  });
});

describe('a settlement rate set through the gateway', () => {
  it('is the rate of the next commission', async () => {
    const set = (await ok(SET_RATE, { merchantId: 'mer_newhope', rateBps: 250 }, OPERATOR)).setSettlementRate;
    expect(set).toEqual({ merchant: { settlementRateBps: 250 }, userErrors: [] });
    const since = Date.now();
    const offersRate = () =>
      (
        graph.subgraphs.offers.database.sqlite
          .prepare('select settlement_rate_bps as rate from merchant_terms where merchant_id = ?')
          .get('mer_newhope') as { rate: number }
      ).rate;
    // Waiting on offers' copy of the terms, so the one redemption below is the "next commission".
    await within(since, async () => (offersRate() === 250 ? true : undefined));
    const couponId = await claimedCoupon('cpt_newhope_2');
    const { redeemCoupon } = await redeem(couponId, 'sto_newhope_hz_1', 10_000);
    // ¥3 off 10 000 fen: 9 700 payable; 2.5% of it is 242.5, half-up 243.
    expect(redeemCoupon).toMatchObject({ commission: { rateBps: 250, amount: { fen: 243 } }, userErrors: [] });
  });
});
