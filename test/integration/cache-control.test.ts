import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { useTestGraph } from '../support/graph.ts';
import { postBothWays } from '../support/lean-path.ts';
import { MERCHANT_PAGE, NEARBY_DEALS, WEST_LAKE } from '../support/operations.ts';

// `cache-control` from the supergraph's @cacheControl hints: public only for anonymous, error-free queries whose
// every field is hinted; on the lean /graphql path and the Express path alike.

const graph = useTestGraph();
let keys: ApiKeyStore;
beforeAll(() => {
  keys = new ApiKeyStore(graph.dataDir);
});
afterAll(() => {
  keys?.close();
});

const NEARBY = { query: NEARBY_DEALS, variables: { at: WEST_LAKE, radius: 3000 } };
const STUDIO = 'https://studio.apollographql.com';

/** The caching headers of both answers (lean path, Express path) to one POST, after checking they agree. */
async function cachingOf(body: object, headers: Record<string, string> = {}) {
  const answers = [];
  for (const response of await postBothWays(graph.gateway.url, JSON.stringify(body), headers)) {
    const json = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    answers.push({
      status: response.status,
      codes: json.errors?.map((e) => e.extensions?.code) ?? [],
      cacheControl: response.headers.get('cache-control'),
      vary: response.headers.get('vary'),
    });
  }
  expect(answers[0]).toEqual(answers[1]);
  return answers[0];
}

describe('cache-control', () => {
  it('an anonymous public read is public for the smallest maxAge of its fields, varying on the credentials', async () => {
    expect(await cachingOf(NEARBY, { origin: STUDIO })).toEqual({
      status: 200,
      codes: [],
      cacheControl: 'public, max-age=30',
      vary: 'Origin, Accept, Authorization, X-API-Key, Accept-Encoding',
    });
    const page = await cachingOf({ query: MERCHANT_PAGE, variables: { id: 'mer_kfc' } });
    expect(page).toMatchObject({ codes: [], cacheControl: 'public, max-age=10' });
  });

  it('the same read with a user token or an API key is no-store: its answer depends on who asks', async () => {
    const token = await graph.tokenFor('usr_alice');
    expect(await cachingOf(NEARBY, { authorization: `Bearer ${token}` })).toMatchObject({
      codes: [],
      cacheControl: 'no-store',
    });
    const { key } = keys.create({ name: 'cache', scopes: [], merchants: [], expiresAt: null });
    expect(await cachingOf(NEARBY, { 'x-api-key': key })).toMatchObject({ codes: [], cacheControl: 'no-store' });
  });

  it.each([
    ['a field of the signed-in user (refused)', '{ merchant(id: "mer_kfc") { id } me { id } }', ['UNAUTHENTICATED']],
    [
      'an unhinted field (a coupon, refused)',
      '{ merchant(id: "mer_kfc") { id } coupon(id: "cou_x") { id } }',
      ['UNAUTHENTICATED'],
    ],
    ['an error in a hinted read', '{ merchants(first: 500) { edges { node { id } } } }', ['BAD_USER_INPUT']],
    ['only __typename', '{ __typename }', []],
    ['introspection', '{ __schema { queryType { name } } }', []],
    ['a mutation', 'mutation { likePost(postId: "pst_kfc_1") { post { id } } }', ['UNAUTHENTICATED']],
  ])('an anonymous answer with %s is no-store', async (_name, query, codes) => {
    expect(await cachingOf({ query })).toMatchObject({ codes, cacheControl: 'no-store' });
  });
});
