import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import {
  buildSchema,
  type DocumentNode,
  type GraphQLSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  getVariableValues,
  isAbstractType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  actualCost,
  type CostModel,
  costModelFromSupergraph,
  estimatedCost,
} from '../../gateway/demand-control/index.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { MERCHANTS_100 } from '../bench/settings.ts';
import { doublingFragments } from '../support/hostile-operations.ts';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET, WEST_LAKE } from '../support/operations.ts';

const SUPERGRAPH = readFileSync(SUPERGRAPH_FILE, 'utf8');
// The schema the gateway gives plugins: the API schema, without any directive application.
const API_SCHEMA = Supergraph.build(SUPERGRAPH, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
const MODEL = costModelFromSupergraph(SUPERGRAPH);

interface Prepared {
  schema: GraphQLSchema;
  model: CostModel;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
}

/** Parses an operation and coerces its variables, as Apollo Server does before the cost is computed. */
function prepare(query: string, inputs: Record<string, unknown> = {}, schema = API_SCHEMA, model = MODEL): Prepared {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('no operation in the document');
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], inputs);
  if (coerced.errors) throw coerced.errors[0];
  return { schema, model, document, operation, variables: coerced.coerced };
}

function estimate(query: string, inputs?: Record<string, unknown>, schema?: GraphQLSchema, model?: CostModel): number {
  const p = prepare(query, inputs, schema, model);
  return estimatedCost(p.model, p.schema, p.document, p.operation, p.variables);
}

function actual(query: string, inputs: Record<string, unknown>, data: unknown): number {
  const p = prepare(query, inputs);
  return actualCost(p.model, p.schema, p.document, p.operation, p.variables, data);
}

describe('the cost model read from the supergraph', () => {
  it('has the weights and list sizes the subgraph SDLs declare', () => {
    expect(MODEL.weights.get('Query.storesNear')).toBe(10);
    expect(MODEL.weights.get('Query.lifeChannelFeed(near:)')).toBe(5);
    expect(MODEL.weights.get('CreateGroupPaymentInput.participantIds')).toBe(1);
    expect(MODEL.weights.get('Mutation.redeemCoupon')).toBe(20);
    expect(MODEL.listSizes.get('Query.merchants')).toEqual({
      assumedSize: undefined,
      slicingArguments: ['first'],
      sizedFields: ['edges'],
      requireOneSlicingArgument: true,
    });
    expect(MODEL.listSizes.get('GroupPayment.shares')?.assumedSize).toBe(50);
  });

  // New list fields cannot be forgotten: without @listSize they would all cost DEFAULT_LIST_SIZE.
  it('every list and connection field of the API has @listSize (a connection also sizes its edges)', () => {
    const missing: string[] = [];
    const unannotatedLists: string[] = [];
    const sizedEdges = new Set<string>();
    for (const type of Object.values(API_SCHEMA.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const rule = MODEL.listSizes.get(coordinate);
        const returned = getNamedType(field.type);
        if (isObjectType(returned) && returned.getFields().edges) {
          if (rule?.slicingArguments.includes('first') && rule.sizedFields.includes('edges')) {
            sizedEdges.add(`${returned.name}.edges`);
          } else {
            missing.push(
              `${coordinate}: a connection needs @listSize(slicingArguments: ["first"], sizedFields: ["edges"])`,
            );
          }
        } else if (isListType(getNullableType(field.type)) && !rule) {
          unannotatedLists.push(coordinate);
        }
      }
    }
    // A connection's edges are sized by the fields that return it.
    for (const list of unannotatedLists) {
      if (!sizedEdges.has(list)) missing.push(`${list}: a list needs @listSize(assumedSize: ...)`);
    }
    expect(missing).toEqual([]);
  });

  it('follows the @link of the cost spec: its `as:` prefix and renamed imports', () => {
    const sdl = `
      schema @link(url: "https://specs.apollo.dev/link/v1.0")
        @link(url: "https://specs.apollo.dev/cost/v0.1", as: "price", import: [{ name: "@listSize", as: "@size" }])
      { query: Query }
      type Query { a: [A] @size(assumedSize: 3) @price(weight: 4) b: B @listSize(assumedSize: 9) @cost(weight: 9) }
      type A @price(weight: -2) { x: Int }
      type B { y(arg: Int @price(weight: 6)): Int }`;
    const model = costModelFromSupergraph(sdl);
    // Not the plain names: in this schema `@cost` and `@listSize` are someone else's directives.
    expect(Object.fromEntries(model.weights)).toEqual({ 'Query.a': 4, A: 0, 'B.y(arg:)': 6 });
    expect([...model.listSizes.keys()]).toEqual(['Query.a']);
  });
});

describe('estimated cost', () => {
  it('the same query with first: 1 and first: 100 differs exactly as the directives say', () => {
    const query = `query ($n: Int!) { merchants(first: $n) {
      edges { node { id name stores(first: 2) { edges { node { id } } } } } pageInfo { hasNextPage } } }`;
    // The connection and its pageInfo once (1 + 1); per edge: the edge, the merchant, its stores connection and
    // two stores with their edges (1 + 1 + 1 + 2 × 2 = 7).
    expect(estimate(query, { n: 1 })).toBe(2 + 7);
    expect(estimate(query, { n: 100 })).toBe(2 + 700);
    // The feed: `lifeChannelFeed` weighs 5 and `near` adds 5; each post edge costs 17 (see LifeFeed below).
    const feed = (first: number) => estimate(LIFE_FEED, { first, near: WEST_LAKE });
    expect(feed(1)).toBe(5 + 5 + 1 + 17);
    expect(feed(100)).toBe(5 + 5 + 1 + 1700);
    expect(feed(100) - feed(1)).toBe(99 * 17);
  });

  it('takes a slicing argument from a literal, a variable or its default', () => {
    const literal = '{ merchants(first: 7) { edges { node { id } } } }';
    expect(estimate(literal)).toBe(1 + 7 * 2);
    expect(estimate('{ merchants { edges { node { id } } } }')).toBe(1 + 20 * 2);
    expect(estimate('query ($n: Int = 3) { merchants(first: $n) { edges { node { id } } } }')).toBe(1 + 3 * 2);
    expect(estimate('query ($n: Int) { merchants(first: $n) { edges { node { id } } } }')).toBe(1 + 20 * 2);
    // assumedSize for unpaged lists; scalars and enums cost nothing, whatever their number.
    expect(estimate('{ categories { id name } }')).toBe(20);
    expect(estimate('{ post(id: "p") { media } }')).toBe(1);
  });

  // The estimated cost of each client operation of test/support/operations.ts, with the variables the bench sends
  // (test/bench/settings.ts): the default bucket sizes are chosen from these.
  it.each([
    // lifeChannelFeed 5 + near 5 + pageInfo 1 + 10 edges × 17: edge 1 + post 1 + account 1 + merchant 1 +
    // category 1 + 3 attachments × (1 + 3, a coupon template with faceValue, minSpend and merchant).
    ['LifeFeed', 181, LIFE_FEED, { first: 10, near: WEST_LAKE }],
    // storesNear 10 + location 1 + 10 edges × 19: edge 1 + store 1 + location 1 + merchant 1 + lifeAccount 1 +
    // couponTemplates (1 + 3 × 2) + groupBuyCampaigns (1 + 3 × 2).
    ['NearbyDeals', 201, NEARBY_DEALS, { at: WEST_LAKE, radius: 3000 }],
    // me 1 + friends (1 + 20 × 2) + following (1 + 20 × 2) + coupons (1 + 20 × 4) + ious (1 + 20 × 6) +
    // groupPayments (1 + 20 × (5 + 50 shares × 3)).
    ['Wallet', 1 + 41 + 41 + 81 + 121 + 3101, WALLET, {}],
    // merchant 1 + category 1 + stores 11 + 5 mini programs + lifeAccount (1 + posts 11 + liveStreams 7) +
    // couponTemplates 11 + groupBuyCampaigns (1 + 5 × (2 + openGroups (1 + 5 × (2 + 100 members × 2)))).
    ['MerchantPage', 1 + 1 + 11 + 5 + 19 + 11 + 5066, MERCHANT_PAGE, { id: 'mer_kfc', n: 5 }],
    // liveStream 1 + account 1 + merchant 1 + 20 featured offers × 1 (only scalars below them).
    ['LiveRoom', 23, LIVE_ROOM, { id: 'lvs_kfc_1' }],
    // merchants 1 + 100 edges × (edge 1 + merchant 1 + category 1 + lifeAccount 1 + couponTemplates (1 + 3 × 3)).
    ['Merchants100', 1401, MERCHANTS_100, {}],
  ])('%s costs %i', (_name, expected, query, variables) => {
    expect(estimate(query, variables)).toBe(expected);
  });

  it("costs 0 for Sandbox's introspection query and for __typename", () => {
    expect(estimate(getIntrospectionQuery())).toBe(0);
    expect(estimate('{ __typename a: __typename __type(name: "Store") { name fields { name } } }')).toBe(0);
    expect(estimate('{ merchant(id: "m") { __typename id } }')).toBe(1);
  });

  it('honours @skip and @include on fields, inline fragments and spreads, with variables', () => {
    const query = `query ($stores: Boolean!, $skipCategory: Boolean = false) { merchant(id: "m") {
      stores(first: 4) @include(if: $stores) { edges { node { id } } }
      ... @skip(if: $skipCategory) { category { name } }
      ...Programs @include(if: false) } }
      fragment Programs on Merchant { miniPrograms { name } }`;
    // The same parsed document with each value: plans are per value of the condition variables.
    const p = prepare(query, { stores: true });
    const cost = (variables: Record<string, unknown>) =>
      estimatedCost(MODEL, API_SCHEMA, p.document, p.operation, { ...variables });
    expect(cost({ stores: true, skipCategory: false })).toBe(1 + (1 + 4 * 2) + 1);
    expect(cost({ stores: false, skipCategory: false })).toBe(1 + 1);
    expect(cost({ stores: false, skipCategory: true })).toBe(1);
    expect(cost({ stores: true, skipCategory: true })).toBe(1 + 9);
    expect(estimate('{ merchant(id: "m") { category @skip(if: true) { name } } }')).toBe(1);
  });

  it('counts fragments where they apply, each alias, and a field repeated under one key once', () => {
    const fragments = `
      fragment Stores on Merchant { stores(first: 3) { edges { node { id } } } }
      fragment More on Merchant { ...Stores category { name } }`;
    // Spread twice (directly and through More): execution merges them, so the stores are resolved once.
    expect(estimate(`{ merchant(id: "m") { ...Stores ...More } } ${fragments}`)).toBe(1 + 7 + 1);
    // Two aliases are two merchants.
    expect(estimate(`{ a: merchant(id: "a") { ...Stores } b: merchant(id: "b") { ...Stores } } ${fragments}`)).toBe(
      2 * (1 + 7),
    );
    // A fragment on another type than the value's never applies.
    expect(estimate('{ merchant(id: "m") { ... on Merchant { category { name } } } store(id: "s") { id } }')).toBe(3);
    // Doubling fragments (2^29 spreads once expanded) are collected once each, as execution does.
    expect(estimate(doublingFragments(30, 'merchant(id: "m") { category { id } }'))).toBe(2);
  });

  it('costs a union selection as its most expensive possible type', () => {
    const query = `{ post(id: "p") { attachments {
      ... on CouponTemplate { merchant { name } minSpend { fen } }
      ... on GroupBuyCampaign { groupPrice { fen } }
      ...Program } } }
      fragment Program on MiniProgram { merchant { name } }`;
    // post 1 + 3 attachments × (1 + max(coupon template 2, campaign 1, mini program 1)).
    expect(estimate(query)).toBe(1 + 3 * (1 + 2));
  });

  it('adds the mutation base cost, the field @cost and the cost of input objects', () => {
    const claim = `mutation { claimCoupon(input: { templateId: "cpt_kfc_1", idempotencyKey: "k" }) {
      coupon { id } userErrors { code } } }`;
    // Base 10 + input object 1 + claimCoupon 10 + coupon 1 + one user error.
    expect(estimate(claim)).toBe(10 + 1 + 10 + 1 + 1);
    const split = `mutation ($input: CreateGroupPaymentInput!) { createGroupPayment(input: $input) {
      groupPayment { id shares { amount { fen } } } } }`;
    const input = {
      title: 'Dinner',
      totalFen: 10_000,
      participantIds: ['usr_alice', 'usr_carol'],
      idempotencyKey: 'k',
    };
    // Base 10 + input (1 + participantIds: 1 for the list + 1 per friend) + createGroupPayment 10 +
    // groupPayment 1 + 50 shares × (1 + amount 1).
    expect(estimate(split, { input })).toBe(10 + (1 + 1 + 2) + 10 + 1 + 100);
    const literal = `mutation { createGroupPayment(input: { title: "Dinner", totalFen: 10000,
      participantIds: ["usr_alice", "usr_carol"], idempotencyKey: "k" }) { groupPayment { id } } }`;
    expect(estimate(literal)).toBe(10 + 4 + 10 + 1);
    // A query has no base cost; an argument's @cost replaces the input object's 1.
    expect(estimate('{ lifeChannelFeed(first: 1) { pageInfo { hasNextPage } } }')).toBe(5 + 1);
    expect(estimate('{ lifeChannelFeed(first: 1, near: { lat: 30, lng: 120 }) { pageInfo { hasNextPage } } }')).toBe(
      5 + 5 + 1,
    );
  });

  it('saturates at Number.MAX_SAFE_INTEGER on absurd page sizes', () => {
    const max = 2_147_483_647;
    const query = `{ merchants(first: ${max}) { edges { node { stores(first: ${max}) { edges { node {
      merchant { stores(first: ${max}) { edges { node { id } } } } } } } } } } }`;
    expect(estimate(query)).toBe(Number.MAX_SAFE_INTEGER);
    expect(estimate(`{ merchants(first: ${max}) { edges { node { id } } } }`)).toBe(1 + 2 * max);
  });

  it('applies type weights, interface fields and nested lists on any schema', () => {
    const sdl = `
      directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
      directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
      scalar Big @cost(weight: 3)
      type Query { things: [Thing!]! @listSize(assumedSize: 2) grid: [[Heavy]] plain: [Heavy] }
      interface Thing { id: ID! big: Big }
      type Heavy implements Thing @cost(weight: 4) { id: ID! big: Big more: [Heavy] @listSize(assumedSize: 1) }
      type Light implements Thing { id: ID! big: Big }`;
    const cost = (query: string) => estimate(query, {}, buildSchema(sdl), costModelFromSupergraph(sdl));
    // 2 things × (1 + big 3 + the heaviest type: Heavy's `more`, 1 × 4).
    expect(cost('{ things { big ... on Heavy { more { id } } } }')).toBe(2 * (1 + 3 + 4));
    // No @listSize: the default size, once for the list however nested.
    expect(cost('{ grid { id } plain { id } }')).toBe(10 * 4 + 10 * 4);
  });
});

describe('actual cost', () => {
  it('counts what came back: a short list, a null entity, an empty connection', () => {
    const store = (id: string, lifeAccount: unknown, coupons: number, campaigns: number) => ({
      node: {
        id,
        name: id,
        distanceMeters: 100,
        location: { lat: 30, lng: 120 },
        merchant: {
          id: 'mer_kfc',
          name: 'KFC',
          lifeAccount,
          couponTemplates: { edges: Array.from({ length: coupons }, (_, i) => ({ node: { id: `cpt_${i}` } })) },
          groupBuyCampaigns: { edges: Array.from({ length: campaigns }, (_, i) => ({ node: { id: `gbc_${i}` } })) },
        },
      },
    });
    const data = {
      storesNear: {
        edges: [store('sto_1', { id: 'la_kfc', followerCount: 3 }, 3, 1), store('sto_2', null, 0, 0)],
      },
    };
    const variables = { at: WEST_LAKE, radius: 3000 };
    // storesNear 10 + location 1; sto_1: edge, store, location, merchant, lifeAccount 5 + (1 + 3 × 2) + (1 + 1 × 2);
    // sto_2: edge, store, location, merchant 4 + no life account + two empty connections 1 + 1.
    const expected = 11 + (5 + 7 + 3) + (4 + 2);
    expect(actual(NEARBY_DEALS, variables, data)).toBe(expected);
    expect(expected).toBeLessThan(estimate(NEARBY_DEALS, variables));
  });

  it('costs union items by __typename, null items nothing, and without __typename as the heaviest type', () => {
    const data = {
      liveStream: {
        id: 'lvs_kfc_1',
        account: { name: 'KFC', merchant: null },
        featuredOffers: [
          { __typename: 'CouponTemplate', id: 'cpt', title: 't' },
          null,
          { __typename: 'GroupBuyCampaign' },
        ],
      },
    };
    // liveStream 1 + account 1 + two offers.
    expect(actual(LIVE_ROOM, { id: 'lvs_kfc_1' }, data)).toBe(4);
    const query = `{ post(id: "p") { attachments { ... on CouponTemplate { merchant { name } } ... on GroupBuyCampaign { id } } } }`;
    const untyped = { post: { attachments: [{ merchant: { name: 'KFC' } }, { id: 'gbc' }] } };
    expect(actual(query, {}, untyped)).toBe(1 + (1 + 1) + 1);
    const typed = `{ post(id: "p") { attachments { __typename ... on CouponTemplate { merchant { name } } } } }`;
    const wrong = { post: { attachments: [{ __typename: 'MiniProgram', merchant: { name: 'KFC' } }] } };
    // The mini program's `merchant` was not selected for it: only the attachment counts.
    expect(actual(typed, {}, wrong)).toBe(1 + 1);
  });

  it('adds the mutation base and the arguments, and nothing below null or missing data', () => {
    const claim = `mutation { claimCoupon(input: { templateId: "cpt_kfc_1", idempotencyKey: "k" }) {
      coupon { id } userErrors { code } } }`;
    expect(actual(claim, {}, { claimCoupon: { coupon: null, userErrors: [{ code: 'SOLD_OUT' }] } })).toBe(
      10 + 1 + 10 + 1,
    );
    expect(actual(claim, {}, { claimCoupon: null })).toBe(10 + 1);
    expect(actual(claim, {}, null)).toBe(10);
    expect(actual('{ merchant(id: "m") { id } }', {}, {})).toBe(0);
  });

  it('equals the estimate when every list is full, for every client operation', () => {
    const cases: [string, Record<string, unknown>][] = [
      [LIFE_FEED, { first: 10, near: WEST_LAKE }],
      [NEARBY_DEALS, { at: WEST_LAKE, radius: 3000 }],
      [WALLET, {}],
      [MERCHANT_PAGE, { id: 'mer_kfc', n: 5 }],
      [LIVE_ROOM, { id: 'lvs_kfc_1' }],
      [MERCHANTS_100, {}],
    ];
    for (const [query, variables] of cases) {
      const p = prepare(query, variables);
      const data = fullResponse(p);
      expect(actualCost(MODEL, API_SCHEMA, p.document, p.operation, p.variables, data)).toBe(
        estimatedCost(MODEL, API_SCHEMA, p.document, p.operation, p.variables),
      );
    }
  });
});

/** Sizes of the unpaged lists the client operations select, as the SDLs declare them. */
const FULL_SIZE: Record<string, number> = {
  'Post.attachments': 3,
  'LiveStream.featuredOffers': 20,
  'Merchant.miniPrograms': 5,
  'GroupBuyGroup.members': 100,
  'GroupPayment.shares': 50,
};
/** The most expensive member of each union the operations select. */
const HEAVIEST: Record<string, string> = { PostAttachment: 'CouponTemplate', FeaturedOffer: 'CouponTemplate' };

/**
 * A response in which every list is as long as its page size or assumed size and nothing is null, built from the
 * operation alone (fields without fragments other than inline ones on union members, as the client operations are).
 */
function fullResponse(p: Prepared): unknown {
  const fill = (set: SelectionSetNode, typeName: string, pageSize: number | undefined): Record<string, unknown> => {
    const type = p.schema.getType(typeName);
    const object: Record<string, unknown> = {};
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (selection.typeCondition?.name.value === typeName)
          Object.assign(object, fill(selection.selectionSet, typeName, pageSize));
        continue;
      }
      if (selection.kind !== Kind.FIELD) continue;
      const key = selection.alias?.value ?? selection.name.value;
      if (selection.name.value === '__typename') {
        object[key] = typeName;
        continue;
      }
      if (!isObjectType(type)) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) throw new Error(`${typeName}.${selection.name.value} is not in the schema`);
      const named = getNamedType(field.type);
      const first = selection.arguments?.find((a) => a.name.value === 'first')?.value;
      const own =
        first?.kind === Kind.INT
          ? Number(first.value)
          : first?.kind === Kind.VARIABLE
            ? (p.variables[first.name.value] as number)
            : field.args.some((a) => a.name === 'first')
              ? 20
              : undefined;
      const runtime = isAbstractType(named) ? (HEAVIEST[named.name] ?? '') : named.name;
      const one = () => (selection.selectionSet ? fill(selection.selectionSet, runtime, own) : 'x');
      if (!isListType(getNullableType(field.type))) object[key] = one();
      else {
        const size = selection.name.value === 'edges' ? pageSize : FULL_SIZE[`${typeName}.${selection.name.value}`];
        if (size === undefined) throw new Error(`no full size for ${typeName}.${selection.name.value}`);
        object[key] = Array.from({ length: size }, one);
      }
    }
    return object;
  };
  const root = p.schema.getRootType(p.operation.operation);
  if (!root) throw new Error('no root type');
  return fill(p.operation.selectionSet, root.name, undefined);
}
