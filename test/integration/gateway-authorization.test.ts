import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier, signUserToken } from '../../gateway/auth/user-token.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { splitCost } from '../support/cost.ts';

/**
 * The gateway's enforcement of @authenticated / @requiresScopes, on a small two-subgraph supergraph so
 * every shape (aliases, fragments, interfaces, unions, entity fields of another subgraph, non-null
 * propagation) is exercised independently of lifegraph's own schemas.
 */
const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes"])`;
const SHOPS_SDL = `${LINK}
  type Query { me: Account @authenticated, shop(id: ID!): Shop, node: Node, things: [Thing!]!, broken: Int! }
  interface Node { id: ID! }
  type Account implements Node @key(fields: "id") { id: ID! name: String! }
  type Shop implements Node @key(fields: "id") {
    id: ID!
    name: String!
    revenue: Int @requiresScopes(scopes: [["merchant:finance"]])
    secretCode: String! @authenticated
  }
  union Thing = Shop | Account`;
const PAYOUTS_SDL = `${LINK}
  type Shop @key(fields: "id") { id: ID! payouts: [Int!] @requiresScopes(scopes: [["merchant:finance"], ["admin"]]) reviews: [String!]! }`;

const SECRET = 'authz-test-secret';
const payoutsQueries: string[] = [];
const shopsQueries: string[] = [];
const servers: { stop(): Promise<void> }[] = [];
let gateway: RunningGateway;

async function serve(sdl: string, resolvers: object, onQuery?: (q: string) => void) {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never }),
    plugins: [{ requestDidStart: async ({ request }) => void onQuery?.(request.query ?? '') }],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  servers.push(server);
  return url;
}

beforeAll(async () => {
  const shop = { id: 's1', name: 'KFC Xihu', revenue: 1000, secretCode: 'xyz' };
  const shopsUrl = await serve(
    SHOPS_SDL,
    {
      Query: {
        me: () => ({ id: 'a1', name: 'Alice' }),
        shop: (_: unknown, { id }: { id: string }) => (id === shop.id ? shop : null),
        node: () => shop,
        broken: () => {
          throw new Error('broken on purpose');
        },
        things: () => [
          { __typename: 'Shop', ...shop },
          { __typename: 'Account', id: 'a1', name: 'Alice' },
        ],
      },
      Node: { __resolveType: () => 'Shop' },
      Thing: { __resolveType: (o: { __typename: string }) => o.__typename },
      Shop: { __resolveReference: () => shop },
    },
    (q) => shopsQueries.push(q),
  );
  const payoutsUrl = await serve(
    PAYOUTS_SDL,
    { Shop: { __resolveReference: ({ id }: { id: string }) => ({ id, payouts: [10, 20], reviews: ['tasty'] }) } },
    (q) => payoutsQueries.push(q),
  );
  const { supergraphSdl, errors } = composeServices([
    { name: 'shops', url: `${shopsUrl}`, typeDefs: parse(SHOPS_SDL) },
    { name: 'payouts', url: `${payoutsUrl}`, typeDefs: parse(PAYOUTS_SDL) },
  ]);
  expect(errors).toBeUndefined();
  gateway = await startGateway(
    {
      supergraphSdl: supergraphSdl as string,
      subgraphSecret: 'unused',
      authenticate: createAuthenticator(createUserTokenVerifier({ secret: SECRET })),
      logger: pino({ level: 'silent' }),
    },
    0,
  );
});
afterAll(async () => {
  await gateway?.stop();
  for (const s of servers) await s.stop();
});

async function run(query: string, scopes?: string[]) {
  const token = scopes ? await signUserToken({ userId: 'usr_alice', scopes }, { secret: SECRET }) : null;
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary shapes
    data: any;
    errors?: { path: (string | number)[]; extensions: { code: string } }[];
  };
  return splitCost(body, response.status).body;
}
const denied = (body: Awaited<ReturnType<typeof run>>) => body.errors?.map((e) => [e.extensions.code, e.path]);

describe('gateway enforces @authenticated and @requiresScopes from the supergraph', () => {
  it('an unauthorized field is null with an error at its path; the rest executes', async () => {
    const body = await run('{ me { name } shop(id: "s1") { name revenue } }');
    expect(body.data).toEqual({ me: null, shop: { name: 'KFC Xihu', revenue: null } });
    expect(denied(body)).toEqual([
      ['UNAUTHENTICATED', ['me']],
      ['UNAUTHENTICATED', ['shop', 'revenue']],
    ]);
  });

  it('a signed-in caller without the scope is FORBIDDEN; with it, the field resolves', async () => {
    const without = await run('{ shop(id: "s1") { revenue } }', []);
    expect(without.data).toEqual({ shop: { revenue: null } });
    expect(denied(without)).toEqual([['FORBIDDEN', ['shop', 'revenue']]]);
    const withScope = await run('{ shop(id: "s1") { revenue } me { name } }', ['merchant:finance']);
    expect(withScope).toEqual({ data: { shop: { revenue: 1000 }, me: { name: 'Alice' } } });
  });

  it('holds through aliases and named fragments', async () => {
    const body = await run('fragment Money on Shop { r: revenue name } { s: shop(id: "s1") { ...Money } }', []);
    expect(body.data).toEqual({ s: { r: null, name: 'KFC Xihu' } });
    expect(denied(body)).toEqual([['FORBIDDEN', ['s', 'r']]]);
  });

  it('holds through unions and interfaces, only on the objects of the guarded type', async () => {
    const body = await run(
      '{ things { __typename ... on Shop { revenue } ... on Account { name } } node { id ... on Shop { revenue } } }',
      [],
    );
    expect(body.data).toEqual({
      things: [
        { __typename: 'Shop', revenue: null },
        { __typename: 'Account', name: 'Alice' },
      ],
      node: { id: 's1', revenue: null },
    });
    expect(denied(body)).toEqual([
      ['FORBIDDEN', ['things', 0, 'revenue']],
      ['FORBIDDEN', ['node', 'revenue']],
    ]);
  });

  it('an entity field owned by another subgraph is removed before that subgraph is called', async () => {
    payoutsQueries.length = 0;
    const body = await run('{ shop(id: "s1") { name payouts reviews } }', []);
    expect(body.data).toEqual({ shop: { name: 'KFC Xihu', payouts: null, reviews: ['tasty'] } });
    expect(denied(body)).toEqual([['FORBIDDEN', ['shop', 'payouts']]]);
    expect(payoutsQueries.join('\n')).toContain('reviews');
    expect(payoutsQueries.join('\n')).not.toContain('payouts');
    // Any one of the OR'ed scope sets is enough.
    expect((await run('{ shop(id: "s1") { payouts } }', ['admin'])).data).toEqual({ shop: { payouts: [10, 20] } });
  });

  it('a denied non-null field nulls its parent, as GraphQL null propagation demands', async () => {
    const body = await run('{ shop(id: "s1") { name secretCode } me { name } }');
    expect(body.data).toEqual({ shop: null, me: null });
    expect(denied(body)).toEqual(
      expect.arrayContaining([
        ['UNAUTHENTICATED', ['shop', 'secretCode']],
        ['UNAUTHENTICATED', ['me']],
      ]),
    );
  });

  it('when every root field is denied, no subgraph is asked at all', async () => {
    payoutsQueries.length = 0;
    shopsQueries.length = 0;
    const body = await run('{ me { name } }');
    expect(body.data).toEqual({ me: null });
    expect(shopsQueries).toEqual([]);
    expect(payoutsQueries).toEqual([]);
    // The same operation signed in does reach the subgraph: the empty lists above are not an accident.
    await run('{ me { name } }', []);
    expect(shopsQueries.join('\n')).toContain('me');
  });

  it('a fragment spread twice and in two places is filtered once: one error at each path, every copy nulled', async () => {
    const body = await run(
      'fragment M on Shop { revenue name } fragment D on Shop { ...M ...M } { a: shop(id: "s1") { ...D ...D } b: shop(id: "s1") { ...M } }',
      [],
    );
    expect(body.data).toEqual({ a: { revenue: null, name: 'KFC Xihu' }, b: { revenue: null, name: 'KFC Xihu' } });
    expect(denied(body)).toEqual([
      ['FORBIDDEN', ['a', 'revenue']],
      ['FORBIDDEN', ['b', 'revenue']],
    ]);
  });

  it('doubling fragments around a guarded field: the planner gets the spreads, the caller one error', async () => {
    shopsQueries.length = 0;
    const fragments = Array.from({ length: 8 }, (_, i) =>
      i === 7 ? 'fragment F7 on Shop { name revenue }' : `fragment F${i} on Shop { ...F${i + 1} ...F${i + 1} }`,
    );
    const body = await run(`{ shop(id: "s1") { ...F0 } } ${fragments.join(' ')}`, []);
    expect(body.data).toEqual({ shop: { name: 'KFC Xihu', revenue: null } });
    expect(denied(body)).toEqual([['FORBIDDEN', ['shop', 'revenue']]]);
    expect(shopsQueries.join('\n')).not.toContain('revenue');
  });

  it('a denied non-null field inside a fragment in a list propagates null up to the nullable root', async () => {
    const body = await run(
      'fragment S on Shop { secretCode } { things { ... on Shop { ...S } ... on Account { name } } }',
    );
    expect(body.data).toBeNull();
    expect(denied(body)).toEqual([['UNAUTHENTICATED', ['things', 0, 'secretCode']]]);
  });

  it('when the subgraph returns no data at all, the caller still learns which fields were refused', async () => {
    const body = await run('fragment Me on Query { me { name } } { broken ...Me ...Me }');
    expect(body.data).toBeNull();
    expect(denied(body)).toContainEqual(['UNAUTHENTICATED', ['me']]);
    expect(body.errors?.filter((e) => e.extensions.code === 'UNAUTHENTICATED')).toHaveLength(1);
  });

  it('@skip and @include still apply to guarded fields', async () => {
    const body = await run('{ shop(id: "s1") { name revenue @skip(if: true) } }');
    expect(body).toEqual({ data: { shop: { name: 'KFC Xihu' } } });
  });
});
