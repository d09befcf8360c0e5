import { buildSchema, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { costModelFromSupergraph, estimatedCost } from '../../gateway/demand-control/index.ts';
import { DEFAULT_RATE_LIMITS } from '../../gateway/rate-limit/settings.ts';
import { useTestGraph } from '../support/graph.ts';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET } from '../support/operations.ts';

const graph = useTestGraph();

describe('operation limits', () => {
  it('the client operations fit well within the limits and half a default bucket, LifeFeed even at page size 100', async () => {
    for (const [query, variables] of [
      [LIFE_FEED, { first: 100 }],
      [NEARBY_DEALS, { at: { lat: 30.26, lng: 120.15 }, radius: 5000 }],
      [WALLET, {}],
      [MERCHANT_PAGE, { id: 'mer_kfc', n: 5 }],
      [LIVE_ROOM, { id: 'lvs_kfc_1' }],
    ] as const) {
      // The wallet is the signed-in user's own; everything else is public too.
      for (const as of query === WALLET ? ['usr_alice'] : ['usr_alice', undefined]) {
        const { status, body, cost } = await graph.query(query, { variables, as });
        expect(status).toBe(200);
        expect(body.errors).toBeUndefined();
        const bucket = DEFAULT_RATE_LIMITS.buckets[as ? 'user' : 'anonymous'].bucketPoints;
        expect(cost?.requestedQueryCost).toBeLessThanOrEqual(bucket / 2);
      }
    }
  });

  it('refuses many aliased copies of a big list with HTTP 400 QUERY_TOO_COMPLEX before calling subgraphs', async () => {
    const copies = Array.from(
      { length: 15 },
      (_, i) =>
        `f${i}: lifeChannelFeed(first: 100) { edges { node { id comments(first: 100) { edges { node { id } } } } } }`,
    );
    const before = graph.statementCount();
    const { status, body } = await graph.query(`{ ${copies.join(' ')} }`);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(body.errors?.[0]?.message).toMatch(/fewer items with `first`/);
    expect(graph.statementCount()).toBe(before);
  });

  it('counts page sizes given through variables', async () => {
    const query = `query($n: Int!) { merchants(first: $n) { edges { node { stores(first: $n) { edges { node { merchant {
      couponTemplates(first: $n) { edges { node { id } } } } } } } } } } }`;
    expect((await graph.query(query, { variables: { n: 5 } })).status).toBe(200);
    expect((await graph.query(query, { variables: { n: 100 } })).status).toBe(400);
  });

  it('counts page sizes given by variable defaults when the variable is not sent', async () => {
    const query = `query($n: Int = 100) { merchants(first: $n) { edges { node { stores(first: $n) { edges { node {
      merchant { couponTemplates(first: $n) { edges { node { id title } } } } } } } } } } }`;
    for (const variables of [undefined, {}, { n: 100 }]) {
      const before = graph.statementCount();
      const { status, body } = await graph.query(query, { variables });
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
      expect(body.errors?.[0]?.extensions?.measured).toBeGreaterThan(2_000_000);
      expect(graph.statementCount()).toBe(before);
    }
    // A default the client overrides counts the value sent.
    expect((await graph.query(query, { variables: { n: 5 } })).status).toBe(200);
  });

  it('refuses operations nested deeper than the limit', async () => {
    let inner = 'id';
    for (let i = 0; i < 10; i++) inner = `merchant { stores(first: 1) { edges { node { ${inner} } } } }`;
    const { status, body } = await graph.query(`{ store(id: "sto_kfc_hz_1") { ${inner} } }`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/levels deep/);
  });

  it('measures fragments and aliases like inline fields, and multiplies by page sizes from @listSize', () => {
    const sdl = `
      directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
      type Query { merchant(id: ID!): Merchant }
      type Merchant { id: ID! stores(first: Int = 20): StoreConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"]) }
      type StoreConnection { edges: [StoreEdge!]! }
      type StoreEdge { node: Store! }
      type Store { id: ID! }`;
    const schema = buildSchema(sdl);
    const model = costModelFromSupergraph(sdl);
    const document = parse(
      'fragment S on Merchant { stores(first: $n) { edges { node { id } } } } query($n: Int) { a: merchant(id: "x") { ...S } b: merchant(id: "y") { ...S } }',
    );
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    // Per merchant: itself 1, its connection 1, and n × (edge 1 + node 1; ids are scalars, free); two aliases.
    expect(estimatedCost(model, schema, document, operation, { n: 10 })).toBe(2 * (2 + 10 * 2));
    // Without `first`, the argument's default page of 20.
    expect(estimatedCost(model, schema, document, operation, {})).toBe(2 * (2 + 20 * 2));
  });
});
