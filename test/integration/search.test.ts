import { describe, expect, it } from 'vitest';
import { FIXED, KFC_XIHU } from '../../seeds/fixtures.ts';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, useTestGraph } from '../support/graph.ts';
import { BOB_KFC_CONTENT_STAFF, KFC_OFFERS_STAFF, staff } from '../support/identities.ts';

/**
 * Issue 13, Search: `Query.search` through the gateway, every node resolved by its owning subgraph, the index fed by
 * events (a store, a post or a coupon template created a moment ago is found within a second), Relay paging with
 * stable cursors, and clear BAD_USER_INPUT for bad arguments.
 */
const clock = createTestClock(new Date(SEED_EPOCH.getTime() + 60_000));
const graph = useTestGraph({ clock });
const WITHIN_MS = 1000;
const KFC_PROFILE = staff('usr_0003', ['merchant:profile'], ['mer_kfc']);
const AT_KFC_XIHU = { lat: KFC_XIHU.lat, lng: KFC_XIHU.lng };

const SEARCH = `#graphql
  query Search($query: String!, $near: GeoPointInput, $types: [SearchResultType!], $first: Int, $after: String) {
    search(query: $query, near: $near, types: $types, first: $first, after: $after) {
      edges {
        cursor promoted promotion { id } distanceMeters
        node {
          __typename
          ... on Merchant { id name nameZh }
          ... on Store { id name }
          ... on MiniProgram { id name }
          ... on LifeAccount { id name }
          ... on Post { id title }
          ... on CouponTemplate { id title }
          ... on GroupBuyCampaign { id title }
        }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

interface Edge {
  cursor: string;
  promoted: boolean;
  promotion: unknown;
  distanceMeters: number | null;
  node: { __typename: string; id: string; name?: string; title?: string; nameZh?: string | null };
}

async function ok(query: string, variables: Record<string, unknown>, as?: As) {
  const { status, body } = await graph.query(query, { variables, as });
  expect(body.errors).toBeUndefined();
  expect(status).toBe(200);
  return body.data;
}

/** The organic results of a search: Lights' promoted edges (the seed's KFC and Luckin SEARCH campaigns) left out. */
async function search(
  variables: Record<string, unknown>,
): Promise<{ edges: Edge[]; pageInfo: Record<string, unknown> }> {
  const page = (await ok(SEARCH, variables)).search;
  return { ...page, edges: page.edges.filter((e: Edge) => !e.promoted) };
}

describe('promoted edges', () => {
  it('a query matching a SEARCH campaign shows it at position 1, marked promoted, on the first page only', async () => {
    const first = (await ok(SEARCH, { query: '肯德基', first: 5 })).search.edges as Edge[];
    expect(first[0]).toMatchObject({ promoted: true, node: { __typename: 'CouponTemplate', id: 'cpt_kfc_1' } });
    expect(first.filter((e) => e.promoted).length).toBeLessThanOrEqual(2);
    expect(first.slice(1).every((e) => !e.promoted || e === first[3])).toBe(true);
    const organicEnd = first.filter((e) => !e.promoted).at(-1)?.cursor;
    const next = (await ok(SEARCH, { query: '肯德基', first: 5, after: organicEnd })).search.edges as Edge[];
    expect(next.some((e) => e.promoted)).toBe(false);
    const none = (await ok(SEARCH, { query: 'Muji', first: 5 })).search.edges as Edge[];
    expect(none.some((e) => e.promoted)).toBe(false);
  });
});

const ids = (edges: Edge[]) => edges.map((e) => e.node.id);

/** Calls `attempt` until it returns a value (not undefined) or `WITHIN_MS` have passed since `since`. */
async function within<T>(since: number, attempt: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() - since > WITHIN_MS) throw new Error(`not within ${WITHIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('search through the gateway', () => {
  it('finds a brand by its English and its Chinese name, resolved by the owning subgraphs', async () => {
    const english = await search({ query: 'KFC', first: 10 });
    expect(english.edges[0]?.node).toEqual({
      __typename: 'Merchant',
      id: FIXED.merchants.kfc,
      name: 'KFC',
      nameZh: '肯德基',
    });
    const kinds = new Set(english.edges.map((e) => e.node.__typename));
    expect(kinds).toContain('LifeAccount');
    for (const edge of english.edges) {
      // Each node's fields come from its owner: a name or title, never just the reference.
      expect(edge.node.name ?? edge.node.title).toBeTruthy();
      expect(edge).toMatchObject({ promoted: false, promotion: null, distanceMeters: null });
    }
    expect((await search({ query: '肯德基', first: 1 })).edges[0]?.node.id).toBe(FIXED.merchants.kfc);
    expect((await search({ query: '新希望', first: 1 })).edges[0]?.node.id).toBe(FIXED.merchants.newhope);
    // Two Chinese characters: below the trigram's three, matched by the instr() fallback.
    expect((await search({ query: '携程', first: 1 })).edges[0]?.node.id).toBe('mer_ctrip');
  });

  it('filters by type and returns offers’ own coupon templates and group buys with their fields', async () => {
    const { edges } = await search({ query: 'KFC', types: ['COUPON_TEMPLATE', 'GROUP_BUY_CAMPAIGN'], first: 50 });
    expect(edges.length).toBeGreaterThan(0);
    expect(new Set(edges.map((e) => e.node.__typename))).toEqual(new Set(['CouponTemplate', 'GroupBuyCampaign']));
    expect(ids(edges)).toContain(FIXED.kfcCouponTemplate);
    expect(ids(edges)).toContain(FIXED.kfcGroupBuyCampaign);
  });

  it('with near, ranks the nearer store first and gives stores and merchants their distance', async () => {
    const { edges } = await search({ query: 'KFC', near: AT_KFC_XIHU, types: ['STORE', 'MERCHANT'], first: 10 });
    expect(edges[0]?.node.id).toBe(FIXED.merchants.kfc);
    expect(edges[0]?.distanceMeters).toBe(0);
    const stores = edges.filter((e) => e.node.__typename === 'Store');
    expect(stores[0]?.node.id).toBe(FIXED.kfcStoreXihu);
    expect(stores[0]?.distanceMeters).toBe(0);
    const distances = stores.map((e) => e.distanceMeters as number);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    // Seen from Shanghai, the Hangzhou store is no longer first among the stores.
    const far = await search({ query: 'KFC Xihu', near: { lat: 31.2304, lng: 121.4737 }, types: ['STORE'], first: 10 });
    expect(far.edges.every((e) => (e.distanceMeters ?? 0) > 100_000)).toBe(true);
  });

  it('pages without duplicates or gaps, with cursors that give the same pages again', async () => {
    const all = await search({ query: 'KFC', first: 100 });
    expect(all.edges.length).toBeGreaterThan(12);
    const seen: string[] = [];
    let after: string | undefined;
    const cursors: (string | undefined)[] = [];
    for (;;) {
      const page = await search({ query: 'KFC', first: 5, after });
      cursors.push(after);
      seen.push(...ids(page.edges));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== undefined);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor as string;
    }
    expect(seen).toEqual(ids(all.edges));
    // A cursor kept for later still gives the same page.
    const again = await search({ query: 'KFC', first: 5, after: cursors[2] });
    expect(ids(again.edges)).toEqual(seen.slice(10, 15));
  });

  it('refuses bad arguments with BAD_USER_INPUT that says what to fix', async () => {
    for (const [variables, argument] of [
      [{ query: 'KFC', first: 0 }, 'first'],
      [{ query: 'KFC', first: 101 }, 'first'],
      [{ query: '   ' }, 'query'],
      [{ query: 'x'.repeat(101) }, 'query'],
      [{ query: 'KFC', after: 'not-a-cursor' }, 'after'],
      [{ query: 'KFC', near: { lat: 91, lng: 0 } }, 'near'],
    ] as const) {
      const { body } = await graph.query(SEARCH, { variables });
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toContain(`"${argument}"`);
    }
  });
});

describe('freshness: the index is a projection of the owners’ events', () => {
  it('finds a store (until it closes), a post and a coupon template created through the gateway within a second', async () => {
    const location = { lat: 30.2702, lng: 120.1603 };
    const store = (
      await ok(
        `#graphql
        mutation ($input: CreateStoreInput!) { createStore(input: $input) { store { id } userErrors { code } } }`,
        {
          input: {
            merchantId: 'mer_kfc',
            name: 'KFC Quokkaville',
            address: '7 Wulin Road',
            city: 'Hangzhou',
            location,
            openingHours: '10:00-22:00',
          },
        },
        KFC_PROFILE,
      )
    ).createStore;
    expect(store.userErrors).toEqual([]);
    const storeId = store.store.id;
    const since = Date.now();
    await within(since, async () => {
      const { edges } = await search({ query: 'Quokkaville', near: location });
      return edges[0]?.node.id === storeId ? edges[0] : undefined;
    });

    // Closed, it is gone from the index as quickly.
    const closed = (
      await ok(
        `#graphql
        mutation ($id: ID!) { closeStore(id: $id) { store { id } userErrors { code } } }`,
        { id: storeId },
        KFC_PROFILE,
      )
    ).closeStore;
    expect(closed.userErrors).toEqual([]);
    await within(Date.now(), async () => {
      const { edges } = await search({ query: 'Quokkaville' });
      return edges.length === 0 ? true : undefined;
    });

    const post = (
      await ok(
        `#graphql
        mutation ($input: PublishPostInput!) { publishPost(input: $input) { post { id } userErrors { code } } }`,
        {
          input: {
            accountId: 'la_kfc',
            kind: 'IMAGE_TEXT',
            title: 'Wombat Wednesday',
            body: 'Two for one.',
            media: [],
          },
        },
        BOB_KFC_CONTENT_STAFF,
      )
    ).publishPost;
    expect(post.userErrors).toEqual([]);
    const found = await within(Date.now(), async () => {
      const { edges } = await search({ query: 'wombat', types: ['POST'] });
      return edges.find((e) => e.node.id === post.post.id);
    });
    expect(found.node).toEqual({ __typename: 'Post', id: post.post.id, title: 'Wombat Wednesday' });

    const template = (
      await ok(
        `#graphql
        mutation ($input: CreateCouponTemplateInput!) {
          createCouponTemplate(input: $input) { couponTemplate { id } userErrors { code field } } }`,
        {
          input: {
            merchantId: 'mer_kfc',
            title: 'Platypus Bucket 10 off',
            kind: 'FIXED_AMOUNT',
            faceValueFen: 1000,
            totalStock: 10,
            claimStartsAt: clock.now().toISOString(),
            claimEndsAt: new Date(clock.now().getTime() + 86_400_000).toISOString(),
            validDays: 7,
          },
        },
        KFC_OFFERS_STAFF,
      )
    ).createCouponTemplate;
    expect(template.userErrors).toEqual([]);
    await within(Date.now(), async () => {
      const { edges } = await search({ query: 'platypus' });
      return edges[0]?.node.id === template.couponTemplate.id ? true : undefined;
    });
  });
});
