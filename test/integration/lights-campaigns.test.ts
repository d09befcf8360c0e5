import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { createTestClock, useTestGraph } from '../support/graph.ts';
import { ALICE, staff } from '../support/identities.ts';

// A merchant's campaign management through the gateway: pause/resume and create's idempotency.
const NOW = new Date(SEED_EPOCH.getTime() + 86_400_000);
const graph = useTestGraph({ clock: createTestClock(NOW) });
const KFC_PROMOTION = staff('usr_0500', ['merchant:promotion'], ['mer_kfc']);
const NEWHOPE_PROMOTION = staff('usr_0001', ['merchant:promotion'], ['mer_newhope']);
const KFC_NO_SCOPE = staff('usr_0003', ['merchant:offers'], ['mer_kfc']);
const codes = (body: { errors?: { path?: unknown[]; extensions?: { code?: string } }[] }) =>
  (body.errors ?? []).map((e) => ({ path: e.path, code: e.extensions?.code }));

const setPaused = (field: 'pausePromotionCampaign' | 'resumePromotionCampaign', as: typeof KFC_PROMOTION) =>
  graph.query(
    `#graphql
    mutation ($id: ID!) { ${field}(id: $id) { campaign { id status } userErrors { code field } } }`,
    { variables: { id: 'prc_kfc_feed' }, as },
  );

/** The campaigns the home feed serves near KFC's Hangzhou stores now. */
async function servedCampaigns(): Promise<string[]> {
  const { body } = await graph.query(
    `#graphql
    query ($near: GeoPointInput) { promotions(placement: HOME_FEED, near: $near, first: 10) { campaign { id } } }`,
    { variables: { near: { lat: 30.25, lng: 120.17 } }, as: ALICE },
  );
  expect(body.errors).toBeUndefined();
  return body.data.promotions.map((s: { campaign: { id: string } }) => s.campaign.id);
}

const campaignCount = () =>
  (
    graph.subgraphs.offers.database.sqlite.prepare('select count(*) as n from promotion_campaigns').get() as {
      n: number;
    }
  ).n;

const input = (overrides: Record<string, unknown> = {}) => ({
  merchantId: 'mer_kfc',
  name: 'Weekend wings',
  placements: ['HOME_FEED'],
  targetId: 'cpt_kfc_2',
  bidding: 'CPC',
  bidFen: 10,
  dailyBudgetFen: 1000,
  totalBudgetFen: 5000,
  startsAt: NOW.toISOString(),
  endsAt: new Date(NOW.getTime() + 86_400_000 * 5).toISOString(),
  idempotencyKey: 'create-weekend-wings',
  ...overrides,
});
const create = (i: Record<string, unknown>) =>
  graph.query(
    `#graphql
    mutation ($i: CreatePromotionCampaignInput!) {
      createPromotionCampaign(input: $i) { campaign { id name status } userErrors { code field } } }`,
    { variables: { i }, as: KFC_PROMOTION },
  );

describe('Lights campaign management through the gateway', () => {
  it('refuses pause and resume to another merchant’s staff and without merchant:promotion', async () => {
    for (const field of ['pausePromotionCampaign', 'resumePromotionCampaign'] as const) {
      const other = await setPaused(field, NEWHOPE_PROMOTION);
      // As for merchant:offers mutations: acting for a merchant not in the token is FORBIDDEN, not a user error.
      expect(codes(other.body)).toEqual([{ path: [field], code: 'FORBIDDEN' }]);
      expect(other.body.data[field]).toBeNull();
      const noScope = await setPaused(field, KFC_NO_SCOPE);
      expect(codes(noScope.body)).toEqual([{ path: [field], code: 'FORBIDDEN' }]);
    }
    // Nothing of that paused it.
    expect(await servedCampaigns()).toContain('prc_kfc_feed');
  });

  it('a paused campaign is not served until it is resumed; pausing twice or resuming a running one is refused', async () => {
    expect(await servedCampaigns()).toContain('prc_kfc_feed');
    const paused = await setPaused('pausePromotionCampaign', KFC_PROMOTION);
    expect(paused.body.data.pausePromotionCampaign).toEqual({
      campaign: { id: 'prc_kfc_feed', status: 'PAUSED' },
      userErrors: [],
    });
    expect(await servedCampaigns()).not.toContain('prc_kfc_feed');
    const again = await setPaused('pausePromotionCampaign', KFC_PROMOTION);
    expect(again.body.data.pausePromotionCampaign.userErrors).toEqual([{ code: 'ALREADY_PAUSED', field: ['id'] }]);

    const resumed = await setPaused('resumePromotionCampaign', KFC_PROMOTION);
    expect(resumed.body.data.resumePromotionCampaign).toEqual({
      campaign: { id: 'prc_kfc_feed', status: 'ACTIVE' },
      userErrors: [],
    });
    expect(await servedCampaigns()).toContain('prc_kfc_feed');
    const running = await setPaused('resumePromotionCampaign', KFC_PROMOTION);
    expect(running.body.data.resumePromotionCampaign.userErrors).toEqual([{ code: 'NOT_PAUSED', field: ['id'] }]);
  });

  it('createPromotionCampaign: the same key and input return the first campaign; another input is refused', async () => {
    const before = campaignCount();
    const first = await create(input());
    expect(first.body.errors).toBeUndefined();
    const campaign = first.body.data.createPromotionCampaign.campaign;
    expect(campaign).toMatchObject({ name: 'Weekend wings' });
    expect(campaignCount()).toBe(before + 1);

    const retry = await create(input());
    expect(retry.body.data.createPromotionCampaign).toEqual({ campaign, userErrors: [] });
    expect(campaignCount()).toBe(before + 1);

    const reused = await create(input({ bidFen: 20 }));
    expect(reused.body.data.createPromotionCampaign.campaign).toBeNull();
    expect(reused.body.data.createPromotionCampaign.userErrors.map((e: { code: string }) => e.code)).toEqual([
      'IDEMPOTENCY_KEY_REUSED',
    ]);
    expect(campaignCount()).toBe(before + 1);
  });
});
