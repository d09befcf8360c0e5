import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloServer } from '@apollo/server';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../gateway/context.ts';
import { cacheControl, cacheHintsFromSupergraph, operationMaxAge } from '../../gateway/plugins/cache-control.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/identity.ts';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET } from '../support/operations.ts';

const SUPERGRAPH = readFileSync(SUPERGRAPH_FILE, 'utf8');
const hints = cacheHintsFromSupergraph(SUPERGRAPH);
const apiSchema = Supergraph.build(SUPERGRAPH, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();

function maxAge(query: string, schema = apiSchema, from = hints) {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return operationMaxAge(schema, document, operation, from);
}

describe('cache hints from the supergraph', () => {
  it('the subgraphs’ @cacheControl reach the supergraph, on types and root fields', () => {
    expect(hints.get('Merchant')).toEqual({ maxAge: 300 });
    expect(hints.get('StoreConnection')).toEqual({ inheritMaxAge: true });
    expect(hints.get('Query.storesNear')).toEqual({ maxAge: 60 });
    // Identity-only data carries no hint, so it can never be cacheable.
    for (const type of ['Coupon', 'Iou', 'GroupPayment', 'Commission', 'Settlement'])
      expect(hints.has(type)).toBe(false);
  });

  it('every public client operation has a maxAge, the smallest of the fields it selects; the wallet none', () => {
    expect(maxAge(NEARBY_DEALS)).toBe(30); // coupon templates' stock: 30 s
    expect(maxAge(MERCHANT_PAGE)).toBe(10); // live streams and open groups: 10 s
    expect(maxAge(LIFE_FEED)).toBe(30); // the feed itself
    expect(maxAge(LIVE_ROOM)).toBe(10);
    expect(maxAge(WALLET)).toBe(0); // `me` is User, but `coupons` and the rest are unhinted connections
  });

  it('a field without a hint of its own or of its type makes the operation uncacheable', () => {
    expect(maxAge('{ merchant(id: "mer_kfc") { id } coupon(id: "cou_1") { id } }')).toBe(0);
    expect(maxAge('{ categories { id name } }')).toBe(3600);
    expect(maxAge('{ merchant(id: "mer_kfc") { id ...on Merchant { lifeAccount { id } } } }')).toBe(60);
    expect(maxAge('query { ...F } fragment F on Query { store(id: "s") { id } coupon(id: "c") { id } }')).toBe(0);
  });

  it('introspection is never cacheable, and an operation that selects only __typename has no maxAge', () => {
    expect(maxAge('{ __schema { queryType { name } } }')).toBe(0);
    expect(maxAge('{ __typename }')).toBeUndefined();
  });

  it('follows Apollo Server’s rules for root fields, objects, scalars and inheritMaxAge', () => {
    const sdl = `#graphql
      directive @cacheControl(maxAge: Int, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
      type Query { a: A  b: B @cacheControl(maxAge: 20)  c: C  n: Int  m: Int @cacheControl(maxAge: 5) }
      type A @cacheControl(maxAge: 100) { x: Int  b: B  c: C  d: B @cacheControl(inheritMaxAge: true) }
      type B { y: Int }
      type C @cacheControl(inheritMaxAge: true) { a: A  z: Int }
    `;
    const age = (query: string) => maxAge(query, buildSchema(sdl), cacheHintsFromSupergraph(sdl));
    expect(age('{ a { x } }')).toBe(100); // scalars take their parent's
    expect(age('{ b { y } }')).toBe(20); // a field's hint wins over its (absent) type's
    expect(age('{ a { b { y } } }')).toBe(0); // an object without a hint: uncacheable
    expect(age('{ a { d { y } } }')).toBe(100); // ... unless the field inherits
    expect(age('{ a { c { z } } }')).toBe(100); // ... or its type does
    expect(age('{ a { c { a { x } } } }')).toBe(100);
    expect(age('{ c { z } }')).toBe(0); // a root field never inherits
    expect(age('{ n }')).toBe(0); // nor does a root scalar
    expect(age('{ m a { x } }')).toBe(5);
  });
});

describe('the cache-control plugin', () => {
  const sdl = `#graphql
    directive @cacheControl(maxAge: Int, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
    type Query { item: Item }
    type Mutation { touch: Item }
    type Item @cacheControl(maxAge: 60) { id: ID }
  `;
  const server = new ApolloServer<GatewayContext>({
    typeDefs: sdl,
    resolvers: { Query: { item: () => ({ id: '1' }) }, Mutation: { touch: () => ({ id: '1' }) } },
    plugins: cacheControl({ supergraphSdl: sdl }),
  });
  const headersOf = async (query: string, identity: Identity = ANONYMOUS) => {
    const response = await server.executeOperation(
      { query },
      { contextValue: { identity, requestId: 'r', clientAddress: '127.0.0.1' } },
    );
    return [response.http.headers.get('cache-control'), response.http.headers.get('vary')];
  };

  it('a hinted query is public for anonymous callers only; a mutation of the same fields never is', async () => {
    expect(await headersOf('{ item { id } }')).toEqual([
      'public, max-age=60',
      'Origin, Accept, Authorization, X-API-Key',
    ]);
    expect(await headersOf('{ item { id } }', { kind: 'user', subject: 'usr_a', scopes: [], merchantIds: [] })).toEqual(
      ['no-store', undefined],
    );
    expect(await headersOf('mutation { touch { id } }')).toEqual(['no-store', undefined]);
  });
});
