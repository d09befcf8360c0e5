import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeContent } from '../../seeds/write-content.ts';
import { writeOffers } from '../../seeds/write-offers.ts';
import { asPublisher } from '../../subgraphs/content/access.ts';
import { content } from '../../subgraphs/content/index.ts';
import { publishPost } from '../../subgraphs/content/rules/publishing.ts';
import type * as contentTables from '../../subgraphs/content/tables.ts';
import { SCOPES } from '../../subgraphs/contract/scopes.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { claimCoupon } from '../../subgraphs/offers/rules/claim-coupon.ts';
import { redeemCoupon } from '../../subgraphs/offers/rules/redeem-coupon.ts';
import type * as offersTables from '../../subgraphs/offers/tables.ts';
import { asMerchant, asUser } from '../../subgraphs/shared/actors.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { readEvents } from '../../subgraphs/shared/events/outbox.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { BOB_KFC_CONTENT_STAFF, CAROL, KFC_OFFERS_STAFF } from '../support/identities.ts';
import { testDataDir } from '../support/temp.ts';

// The outbox's promise: a rule's event exists if and only if its change committed. Each rule is made to fail
// after it wrote both (the `event` step) and before (an earlier step), through the rules' failure-injection hook.
const NOW = new Date(SEED_EPOCH.getTime() + 86_400_000);
const world = buildWorld(1);
const crashAt = (at: string) => ({
  afterStep: (step: string) => {
    if (step === at) throw new Error(`crash after ${step}`);
  },
});
const count = (db: SyncSqlite, table: string) => db.get<{ n: number }>(sql.raw(`select count(*) as n from ${table}`)).n;

describe('content: post.published', () => {
  let database: SubgraphDatabase<typeof contentTables>;
  beforeEach(() => {
    database = openSubgraphDatabase(content, testDataDir('lg-events-'));
    writeContent(database.db, world);
  });
  afterEach(() => database.close());

  const input = {
    accountId: 'la_kfc',
    kind: 'IMAGE_TEXT' as const,
    title: 'Outbox',
    body: 'An event with its post.',
    media: ['https://img.lifegraph.dev/o.jpg'],
    storeId: 'sto_kfc_hz_1',
  };
  const publish = (options = {}) => {
    const account = database.db.query.lifeAccounts.findFirst({ where: (a, { eq }) => eq(a.id, 'la_kfc') }).sync();
    return publishPost(database.db, NOW, asPublisher(BOB_KFC_CONTENT_STAFF, account), input, options);
  };

  it('records the event with the post, in order, with its payload', () => {
    const before = readEvents(database.db, 'content', 0, 1000).length;
    const { post, userErrors } = publish();
    expect(userErrors).toEqual([]);
    const events = readEvents(database.db, 'content', 0, 1000);
    expect(events).toHaveLength(before + 1);
    const event = events.at(-1);
    expect(event).toMatchObject({
      type: 'post.published',
      entityId: post?.id,
      version: 1,
      occurredAt: NOW.toISOString(),
      payload: { postId: post?.id, accountId: 'la_kfc', merchantId: 'mer_kfc', storeId: 'sto_kfc_hz_1' },
    });
    expect(event?.eventId).toMatch(/^evt_[0-9a-f-]{36}$/);
    expect(event?.position).toBeGreaterThan(events.at(-2)?.position ?? 0);
  });

  for (const step of ['post', 'event']) {
    it(`a failure after the ${step} write leaves neither the post nor the event`, () => {
      const posts = count(database.db, 'posts');
      const events = count(database.db, 'outbox_events');
      expect(() => publish(crashAt(step))).toThrow(/crash/);
      expect(count(database.db, 'posts')).toBe(posts);
      expect(count(database.db, 'outbox_events')).toBe(events);
    });
  }
});

describe('offers: coupon.claimed, coupon.redeemed, settlement.recorded', () => {
  let database: SubgraphDatabase<typeof offersTables>;
  beforeEach(() => {
    database = openSubgraphDatabase(offers, testDataDir('lg-events-'));
    writeOffers(database.db, world);
  });
  afterEach(() => database.close());
  const db = () => database.db;
  // The events the rules record, after the seed's history of templates and campaigns (`evt_seed_offers_...`).
  const recorded = () => readEvents(database.db, 'offers', 0, 1000).filter((e) => !e.eventId.startsWith('evt_seed_'));
  const types = () => recorded().map((e) => e.type);

  for (const step of ['stock-taken', 'event']) {
    it(`a claim failing after its ${step} write leaves neither the coupon nor the event`, () => {
      const coupons = count(database.db, 'coupons');
      const claim = () =>
        claimCoupon(db(), NOW, asUser(CAROL), { templateId: 'cpt_kfc_2', idempotencyKey: 'c1' }, crashAt(step));
      expect(claim).toThrow(/crash/);
      expect(count(database.db, 'coupons')).toBe(coupons);
      expect(types()).toEqual([]);
    });
  }

  it('a claim records coupon.claimed; a redemption its coupon.redeemed and settlement.recorded, once', () => {
    const claimed = claimCoupon(db(), NOW, asUser(CAROL), { templateId: 'cpt_kfc_2', idempotencyKey: 'c1' });
    expect(claimed.userErrors).toEqual([]);
    // A retry with the same key replays the first result: no second event.
    claimCoupon(db(), NOW, asUser(CAROL), { templateId: 'cpt_kfc_2', idempotencyKey: 'c1' });
    expect(types()).toEqual(['coupon.claimed']);

    const staff = asMerchant(KFC_OFFERS_STAFF, 'mer_kfc', SCOPES.offers);
    const redeemInput = { couponId: 'cpn_000001', storeId: 'sto_kfc_hz_1', orderAmountFen: 5500, idempotencyKey: 'r1' };
    const failed = () => redeemCoupon(db(), NOW, staff, redeemInput, crashAt('settled'));
    expect(failed).toThrow(/crash/);
    expect(types()).toEqual(['coupon.claimed']);

    const redeemed = redeemCoupon(db(), NOW, staff, redeemInput);
    expect(redeemed.userErrors).toEqual([]);
    const events = recorded();
    expect(events.map((e) => e.type)).toEqual(['coupon.claimed', 'settlement.recorded', 'coupon.redeemed']);
    expect(events[1]?.payload).toMatchObject({
      merchantId: 'mer_kfc',
      sourceKind: 'COUPON_REDEMPTION',
      sourceId: 'cpn_000001',
      amountFen: redeemed.payableFen,
      commissionFen: redeemed.commission?.amountFen,
    });
    expect(events[2]?.payload).toMatchObject({ couponId: 'cpn_000001', storeId: 'sto_kfc_hz_1', orderAmountFen: 5500 });
  });
});
