import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { analyzeDocument, DEFAULT_LIMITS, type LimitName } from '../../gateway/plugins/limits/index.ts';
import { type GraphQLResponseBody, useTestGraph } from '../support/graph.ts';
import {
  aliasFlood,
  doublingFragments,
  fragmentChain,
  nestedInlineFragments,
  selectionNodes,
} from '../support/hostile-operations.ts';
import { WALLET } from '../support/operations.ts';

/**
 * Operations built to make the gateway's own work explode (exponential fragment expansion, alias floods,
 * nesting that exhausts recursive walks, token floods). Each is refused with HTTP 400 QUERY_TOO_COMPLEX naming
 * the limit, before planning and before any subgraph is called, and the gateway keeps serving everyone else.
 */
const graph = useTestGraph();

/** A field that reads a subgraph's database, to prove a refused operation read nothing. */
const DATA = 'merchants(first: 1) { edges { node { id name } } }';

async function expectRefused(query: string, limit: LimitName) {
  const before = graph.statementCount();
  const { status, body } = await graph.query(query);
  expect(status).toBe(400);
  expect(body.data).toBeUndefined();
  expect(body.errors).toHaveLength(1);
  const error = body.errors?.[0] as NonNullable<typeof body.errors>[number];
  expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
  const { measured, maximum } = error.extensions as { measured: number; maximum: number };
  expect(measured).toBeGreaterThan(maximum);
  // The message says what was measured, the limit and its setting, so the caller and the operator know what to do.
  expect(error.message).toContain(String(maximum));
  expect(error.message).toMatch(/LIFEGRAPH_MAX_[A-Z_]+\)\. .+ split it into several operations\.$/);
  expect(graph.statementCount()).toBe(before);
  return error;
}

describe('exponential fragment expansion', () => {
  it('30 fragments that each spread the next twice (2^29 fields, 1.4 KB) are refused, analysed in linear work', async () => {
    const query = doublingFragments(30, DATA);
    expect(query.length).toBeLessThan(1500);
    const error = await expectRefused(query, 'rootFields');
    expect(error?.extensions?.measured).toBe(2 ** 29);
    const analysis = analyzeDocument(parse(query));
    expect(analysis.visits).toBeLessThanOrEqual(selectionNodes(query));
  });

  it('inside a field, doubling fragments that read data are refused by expanded selections; no subgraph is called', async () => {
    const query = `{ merchant(id: "mer_kfc") { ...F0 } } ${doublingFragments(30, 'id name stores(first: 100) { edges { node { id } } }', 'Merchant').replace('{ ...F0 } ', '')}`;
    const error = await expectRefused(query, 'selections');
    expect(error?.message).toMatch(/expands to \d+ fields once its fragments are inlined/);
    expect(analyzeDocument(parse(query)).visits).toBeLessThanOrEqual(selectionNodes(query));
  });

  it('a refused document is refused again from the parsed-document cache', async () => {
    const query = doublingFragments(25, DATA);
    await expectRefused(query, 'rootFields');
    await expectRefused(query, 'rootFields');
  });
});

describe('alias and field floods', () => {
  it('10 000 aliased root fields are refused at the token limit, whatever the alias prefix', async () => {
    for (const prefix of ['a', 'b', 'zz']) {
      await expectRefused(aliasFlood(10_000, DATA, prefix), 'tokens');
    }
  });

  it('10 000 aliases made from a fragment of 100 aliases spread 100 times are refused by the alias limit', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => `a${i}: __typename`).join(' ');
    const spreads = Array.from({ length: 100 }, (_, i) => `m${i}: merchant(id: "mer_kfc") { ...A }`).join(' ');
    const error = await expectRefused(`{ ${spreads} } fragment A on Merchant { ${hundred} }`, 'aliases');
    expect(error?.extensions?.measured).toBe(100 + 100 * 100);
    expect(error?.message).toMatch(/has 10100 aliased fields/);
  });

  it('just past the alias limit is refused, at the limit the operation runs', async () => {
    const at = DEFAULT_LIMITS.maxAliases;
    const copies = (n: number) =>
      `{ merchant(id: "mer_kfc") { ${Array.from({ length: n }, (_, i) => `m${i}: id`).join(' ')} } }`;
    await expectRefused(copies(at + 1), 'aliases');
    const { status, body } = await graph.query(copies(at));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.merchant.m29).toBe('mer_kfc');
  });

  it('a root-field flood without aliases is refused', async () => {
    await expectRefused(`{ ${`${DATA} `.repeat(DEFAULT_LIMITS.maxRootFields + 1)} }`, 'rootFields');
  });

  it('a huge selection set is refused by expanded selections', async () => {
    await expectRefused(
      `{ merchant(id: "mer_kfc") { ${'id name '.repeat(DEFAULT_LIMITS.maxSelections)} } }`,
      'selections',
    );
  });

  it('a token flood as big as the body limit admits is refused by the token limit', async () => {
    const query = `{ ${`${DATA} `.repeat(18_000)} }`;
    expect(query.length).toBeGreaterThan(900_000);
    const error = await expectRefused(query, 'tokens');
    expect(error?.message).toMatch(/more than 10000 tokens/);
  });
});

describe('deep nesting', () => {
  it('fields nested deeper than the limit through fragments and inline fragments are refused, with the depth', async () => {
    // Each fragment nests four fields (stores, edges, node, merchant); the inline fragment adds none.
    const fragments = Array.from(
      { length: 6 },
      (_, i) =>
        `fragment M${i} on Merchant { stores(first: 1) { edges { ... on StoreEdge { node { merchant { ${i === 0 ? 'id' : `...M${i - 1}`} } } } } } }`,
    );
    const error = await expectRefused(`{ merchant(id: "mer_kfc") { ...M5 } } ${fragments.join(' ')}`, 'depth');
    expect(error?.extensions?.measured).toBe(1 + 6 * 4 + 1);
    expect(error?.message).toMatch(/nests fields 26 levels deep; the limit is 20 \(LIFEGRAPH_MAX_QUERY_DEPTH\)/);
  });

  it('2 000 nested inline fragments are refused as too deep (they used to overflow the stack: HTTP 500)', async () => {
    const query = `{ ${'...{ '.repeat(2000)}${DATA}${' }'.repeat(2000)} }`;
    const error = await expectRefused(query, 'depth');
    expect(error?.message).toMatch(/more than 256 levels deep/);
  });

  it('inline fragments with type conditions as deep as the token limit admits are refused', async () => {
    await expectRefused(nestedInlineFragments(1900, DATA), 'depth');
  });

  it('nesting just inside the analysis bound is planned, filtered and answered (the 500 came from the planner at 2 000)', async () => {
    const inline = await graph.query(nestedInlineFragments(250, DATA));
    expect(inline.status).toBe(200);
    expect(inline.body.data.merchants.edges).toHaveLength(1);
    // A field only signed-in callers may read, 250 fragments down: filtered once per fragment, null at its path.
    const chain = await graph.query(fragmentChain(250, `${DATA} me { id }`));
    expect(chain.status).toBe(200);
    expect(chain.body.data).toMatchObject({ me: null, merchants: { edges: [{ node: { id: expect.any(String) } }] } });
    expect(chain.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['UNAUTHENTICATED', ['me']]]);
  });

  it('a chain of 300 named fragments is refused as too deep', async () => {
    await expectRefused(fragmentChain(300, DATA), 'depth');
  });

  it('nesting deep enough to exhaust the recursive parser is refused as too deep, not as a syntax error', async () => {
    // Real fields (3 001 levels, 9 000 tokens), so a document that got through would be planned and read data.
    const cycles = 750;
    const query = `{ merchant(id: "mer_kfc") { ${'stores { edges { node { merchant { '.repeat(cycles)}id${' } } } }'.repeat(cycles)} } }`;
    await expectRefused(query, 'depth');
  });

  it('nesting as deep as the body limit allows is refused as too deep (the parser gives up before the token limit)', async () => {
    const depth = 190_000;
    const query = `{ ${'...{'.repeat(depth)}${DATA}${'}'.repeat(depth)} }`;
    expect(query.length).toBeGreaterThan(900_000);
    expect(query.length).toBeLessThan(1_000_000);
    await expectRefused(query, 'depth');
  });
});

/** Fragments F0..F(count-1) listed last-first, each nesting `levels` inline fragments around a spread of the next. */
function nestedFragmentsLastFirst(count: number, levels: number, leaf = '__typename'): string {
  const fragments = Array.from({ length: count }, (_, i) => {
    const inner = i === count - 1 ? leaf : `...F${i + 1}`;
    return `fragment F${i} on Query { ${'... { '.repeat(levels)}${inner}${' }'.repeat(levels)} }`;
  });
  return fragments.reverse().join(' ');
}

describe('fragments defined before the operation that spreads them', () => {
  it('8 fragments of 250 nested inline fragments, last first, are refused as too deep (the planner overflowed: HTTP 500)', async () => {
    const query = `${nestedFragmentsLastFirst(8, 250, DATA)} { ...F0 }`;
    expect(query.length).toBeLessThan(17_000);
    const error = await expectRefused(query, 'depth');
    expect(error.message).toMatch(/more than 256 levels deep/);
    // The same text with the operation first was refused already: the order of definitions does not matter.
    await expectRefused(`{ ...F0 } ${nestedFragmentsLastFirst(8, 250, DATA)}`, 'depth');
  });

  it('a chain of 1 000 spreads defined last first is refused as too deep', async () => {
    const chain = Array.from({ length: 1000 }, (_, i) =>
      i === 999 ? `fragment C${i} on Query { ${DATA} }` : `fragment C${i} on Query { ...C${i + 1} }`,
    );
    await expectRefused(`${chain.reverse().join(' ')} { ...C0 }`, 'depth');
  });

  it('a chain defined last first within the bound is still served', async () => {
    const { status, body } = await graph.query(`${nestedFragmentsLastFirst(2, 100, DATA)} { ...F0 }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.merchants.edges).toHaveLength(1);
  });
});

describe('unused fragments and validation', () => {
  it('an unused fragment of 1 100 fields is refused by expanded selections before validation', async () => {
    const fields = 'merchant(id: "a") { name } '.repeat(1100);
    const error = await expectRefused(`{ ${DATA} } fragment U on Query { ${fields} }`, 'selections');
    expect(error.extensions?.measured).toBe(2200);
  });

  it('an unused fragment of many aliases is refused by the alias limit', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ');
    await expectRefused(`{ ${DATA} } fragment U on Query { ${aliases} }`, 'aliases');
  });

  it('a document graphql-js gives up validating is QUERY_TOO_COMPLEX with what to do, not "Validation aborted."', async () => {
    const query = `{ merchant(id: "mer_kfc") { ${'__typename '.repeat(999)} } }`;
    // Within every limit measured before validation: graphql-js's own comparison budget stops it.
    expect(analyzeDocument(parse(query)).selections).toBeLessThanOrEqual(DEFAULT_LIMITS.maxSelections);
    const before = graph.statementCount();
    const { status, body } = await graph.query(query);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/repeats the same fields .* Select each field once per selection set/),
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'selections' },
      },
    ]);
    expect(graph.statementCount()).toBe(before);
  });
});

/** POSTs `query` with an operationName (the test graph's helper sends none). */
async function queryNamed(query: string, operationName: string) {
  const response = await fetch(graph.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, operationName }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponseBody };
}

describe('a refused document with several operations', () => {
  it('is refused whichever operation is named, and a name it lacks is told truthfully, from the cache too', async () => {
    const query = doublingFragments(20, DATA).replace('{ ...F0 }', `query A { ...F0 } query B { ${DATA} }`);
    const before = graph.statementCount();
    for (const name of ['A', 'B', 'A']) {
      const { status, body } = await queryNamed(query, name);
      expect(status).toBe(400);
      expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    }
    const missing = await queryNamed(query, 'C');
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(missing.body.errors?.[0]?.message).toMatch(/no operation named "C" \(it defines: A, B\)/);
    expect(graph.statementCount()).toBe(before);
  });
});

describe("aliases and the authorization filter's markers", () => {
  it('an alias starting with __lg_ is refused with what to do, and no subgraph is called', async () => {
    // It would merge with the marker of the removed settlementRateBps and lose the caller's `name`.
    for (const query of [
      '{ merchant(id: "mer_kfc") { __lg_denied_0: name settlementRateBps } }',
      '{ ...M } fragment M on Query { merchant(id: "mer_kfc") { __lg_x: id } }',
    ]) {
      const before = graph.statementCount();
      const { status, body } = await graph.query(query);
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors).toHaveLength(1);
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors?.[0]?.message).toMatch(
        /^The alias "__lg_\w+" starts with "__lg_", which the gateway reserves .*: rename it\.$/,
      );
      expect(graph.statementCount()).toBe(before);
    }
  });

  it('a denied field aliased as an Object.prototype member is null at its path, like any other', async () => {
    const { status, body } = await graph.query(
      '{ merchant(id: "mer_kfc") { name constructor: settlementRateBps toString: settlementRateBps } }',
    );
    expect(status).toBe(200);
    expect(JSON.parse(JSON.stringify(body.data))).toEqual({
      merchant: { name: 'KFC', constructor: null, toString: null },
    });
    expect(body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['UNAUTHENTICATED', ['merchant', 'constructor']],
      ['UNAUTHENTICATED', ['merchant', 'toString']],
    ]);
  });
});

describe('the gateway keeps serving while hostile operations are refused', () => {
  it('answers a normal query and /healthz with several hostile operations in flight', async () => {
    const hostile = [
      doublingFragments(30),
      `{ ${'__typename '.repeat(90_000)} }`,
      `{ ${'...{ '.repeat(2000)}__typename${' }'.repeat(2000)} }`,
      aliasFlood(10_000, DATA, 'x'),
      doublingFragments(28, DATA),
      `{ ${'a { '.repeat(3000)}id${' }'.repeat(3000)} }`,
    ];
    const refused = hostile.map((query) => graph.query(query));
    const healthUrl = new URL('/healthz', graph.gateway.url);
    const [wallet, health] = await Promise.all([graph.query(WALLET, { as: 'usr_alice' }), fetch(healthUrl)]);
    expect(wallet.status).toBe(200);
    expect(wallet.body.errors).toBeUndefined();
    expect(wallet.body.data.me.id).toBe('usr_alice');
    expect(health.status).toBe(200);
    for (const { status, body } of await Promise.all(refused)) {
      expect(status).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    }
  });
});

describe('in production', () => {
  // Hostile operations must reach the limits to be measured; trusted-documents.test.ts covers the enforcing production default.
  const production = useTestGraph({ production: true, trustedDocuments: 'allow' });

  it('refusals keep their status, code, message and limit extensions (they are written for clients), and nothing else', async () => {
    for (const [query, setting, limit] of [
      [doublingFragments(30), 'LIFEGRAPH_MAX_ROOT_FIELDS', 'rootFields'],
      [`{ ${'__typename '.repeat(90_000)} }`, 'LIFEGRAPH_MAX_QUERY_TOKENS', 'tokens'],
      [`{ ${'a { '.repeat(3000)}id${' }'.repeat(3000)} }`, 'LIFEGRAPH_MAX_QUERY_DEPTH', 'depth'],
    ] as const) {
      const { status, body } = await production.query(query);
      expect(status).toBe(400);
      // Which limit, what was measured and the maximum are the client's to read, in production too.
      expect(body.errors?.[0]?.extensions).toEqual({
        code: 'QUERY_TOO_COMPLEX',
        limit,
        measured: expect.any(Number),
        maximum: expect.any(Number),
      });
      expect(body.errors?.[0]?.message).toContain(setting);
      expect(JSON.stringify(body)).not.toMatch(/stacktrace|node_modules|\.ts:/);
    }
  });
});
