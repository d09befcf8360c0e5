import { describe, expect, it } from 'vitest';
import { useTestGraph } from '../support/graph.ts';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET, WEST_LAKE } from '../support/operations.ts';

const graph = useTestGraph();

describe('the operations client teams rely on, through the gateway', () => {
  it('LifeFeed: posts with accounts, merchants and offers resolved across all four subgraphs', async () => {
    const { status, body } = await graph.query(LIFE_FEED, {
      variables: { first: 10, near: WEST_LAKE },
      as: 'usr_alice',
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const feed = body.data.lifeChannelFeed;
    expect(feed.edges).toHaveLength(10);
    expect(feed.pageInfo.hasNextPage).toBe(true);
    const nodes = feed.edges.map((e: { node: unknown }) => e.node);
    // Newest first.
    const times = nodes.map((n: { publishedAt: string }) => Date.parse(n.publishedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // Alice follows KFC: its posts are in her feed, with her follow state and a merchant from merchants.
    const kfcPost = nodes.find((n: { account: { id: string } }) => n.account.id === 'la_kfc');
    expect(kfcPost).toMatchObject({
      account: {
        name: 'KFC',
        kind: 'BRAND',
        viewerIsFollowing: true,
        merchant: { id: 'mer_kfc', name: 'KFC', category: { name: 'Fast food' } },
      },
    });
    const attachments = nodes.flatMap((n: { attachments: unknown[] }) => n.attachments);
    const coupon = attachments.find((a: { __typename: string }) => a.__typename === 'CouponTemplate');
    expect(coupon).toMatchObject({
      id: expect.stringMatching(/^cpt_/),
      title: expect.any(String),
      minSpend: { yuan: expect.stringMatching(/^\d+\.\d\d$/) },
      merchant: { name: expect.any(String) },
    });
    expect(coupon.remainingStock).toBeGreaterThan(0);
  });

  it('LifeFeed pages with `after` without repeating a post', async () => {
    const first = await graph.query(LIFE_FEED, { variables: { first: 5 } });
    const second = await graph.query(LIFE_FEED, {
      variables: { first: 5, after: first.body.data.lifeChannelFeed.pageInfo.endCursor },
    });
    expect(second.body.errors).toBeUndefined();
    const ids = (r: typeof first) => r.body.data.lifeChannelFeed.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(ids(second)).toHaveLength(5);
    expect(ids(second).filter((id: string) => ids(first).includes(id))).toEqual([]);
    // Anonymous viewers see viewer fields as false, not errors.
    expect(
      first.body.data.lifeChannelFeed.edges.every(
        (e: { node: { viewerHasLiked: boolean } }) => e.node.viewerHasLiked === false,
      ),
    ).toBe(true);
  });

  it('NearbyDeals: stores nearest first with distance, merchant, life account and offers', async () => {
    const { body } = await graph.query(NEARBY_DEALS, { variables: { at: WEST_LAKE, radius: 3000 } });
    expect(body.errors).toBeUndefined();
    const stores = body.data.storesNear.edges.map((e: { node: unknown }) => e.node);
    expect(stores.length).toBeGreaterThan(0);
    expect(stores[0]).toMatchObject({ id: 'sto_kfc_hz_1', merchant: { id: 'mer_kfc', lifeAccount: { id: 'la_kfc' } } });
    const distances = stores.map((s: { distanceMeters: number }) => s.distanceMeters);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
    expect(Math.max(...distances)).toBeLessThanOrEqual(3000);
    expect(stores[0].merchant.couponTemplates.edges.length).toBeGreaterThan(0);
    expect(stores[0].merchant.groupBuyCampaigns.edges[0].node).toMatchObject({
      id: 'gbc_kfc_1',
      groupSize: expect.any(Number),
    });
  });

  it('Wallet as usr_alice: friends, follows, coupons, IOUs and AA payments from four subgraphs', async () => {
    const { body } = await graph.query(WALLET, { as: 'usr_alice' });
    expect(body.errors).toBeUndefined();
    const me = body.data.me;
    expect(me).toMatchObject({ id: 'usr_alice', nickname: 'Alice' });
    expect(me.friends.edges.map((e: { node: { id: string } }) => e.node.id)).toContain('usr_bob');
    expect(me.following.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
      expect.arrayContaining(['la_kfc', 'la_newhope']),
    );
    expect(me.coupons.edges.map((e: { node: unknown }) => e.node)).toContainEqual(
      expect.objectContaining({
        status: 'AVAILABLE',
        template: expect.objectContaining({ merchant: { name: 'KFC' } }),
      }),
    );
    expect(me.ious.edges[0].node).toMatchObject({
      id: 'iou_bob_alice',
      status: 'ACTIVE',
      principal: { yuan: '88.00' },
      outstanding: { yuan: '88.00' },
      lender: { nickname: 'Bob' },
      borrower: { nickname: 'Alice' },
    });
    const aa = me.groupPayments.edges[0].node;
    expect(aa).toMatchObject({ id: 'gpy_bob_kfc', total: { yuan: '158.00' }, store: { merchant: { name: 'KFC' } } });
    // 15800 fen among three: 5267, 5267, 5266 — organizer (Bob) first.
    expect(aa.shares).toEqual([
      { user: { nickname: 'Bob' }, amount: { fen: 5267 }, paid: true },
      { user: { nickname: 'Alice' }, amount: { fen: 5267 }, paid: false },
      { user: { nickname: 'Carol' }, amount: { fen: 5266 }, paid: false },
    ]);
  });

  it('MerchantPage for mer_kfc: stores, mini programs, content and offers with open groups', async () => {
    const { body } = await graph.query(MERCHANT_PAGE, { variables: { id: 'mer_kfc' } });
    expect(body.errors).toBeUndefined();
    const m = body.data.merchant;
    expect(m).toMatchObject({
      id: 'mer_kfc',
      name: 'KFC',
      category: { name: 'Fast food' },
      lifeAccount: { id: 'la_kfc' },
    });
    expect(m.stores.edges).toHaveLength(4);
    expect(m.miniPrograms[0]).toMatchObject({ appId: expect.any(String), onlineSince: expect.any(String) });
    expect(m.lifeAccount.posts.edges).toHaveLength(5);
    expect(m.lifeAccount.liveStreams.edges.length).toBeGreaterThan(0);
    expect(m.couponTemplates.edges.map((e: { node: { id: string } }) => e.node.id)).toContain('cpt_kfc_1');
    const campaign = m.groupBuyCampaigns.edges.find((e: { node: { id: string } }) => e.node.id === 'gbc_kfc_1').node;
    expect(campaign.openGroups.edges[0].node).toMatchObject({
      id: 'gbg_kfc_1',
      members: [{ user: { nickname: 'Carol' } }],
    });
    expect(campaign.openGroups.edges[0].node.remainingSlots).toBeGreaterThan(0);
  });

  it('LiveRoom: a live stream with its account, merchant and featured offers', async () => {
    const { body } = await graph.query(LIVE_ROOM, { variables: { id: 'lvs_kfc_1' } });
    expect(body.errors).toBeUndefined();
    expect(body.data.liveStream).toMatchObject({
      id: 'lvs_kfc_1',
      status: 'LIVE',
      account: { name: 'KFC', merchant: { name: 'KFC' } },
      featuredOffers: [
        { __typename: 'CouponTemplate', id: 'cpt_kfc_1', title: expect.any(String) },
        { __typename: 'GroupBuyCampaign', id: 'gbc_kfc_1', title: expect.any(String) },
      ],
    });
    expect(body.data.liveStream.viewerCount).toBeGreaterThan(0);
  });
});
