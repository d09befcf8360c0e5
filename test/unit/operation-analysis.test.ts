import { readFileSync } from 'node:fs';
import {
  buildSchema,
  getIntrospectionQuery,
  Kind,
  Lexer,
  type OperationDefinitionNode,
  parse,
  print,
  Source,
  TokenKind,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { filterOperation } from '../../gateway/auth/filter-operation.ts';
import { readAccessPolicy } from '../../gateway/auth/policy.ts';
import { costModelFromSupergraph, estimatedCost } from '../../gateway/demand-control/index.ts';
import { MAX_WALK_NESTING } from '../../gateway/plugins/limits/analyze.ts';
import { analyzeDocument, limitsFromEnv } from '../../gateway/plugins/limits/index.ts';
import { ANONYMOUS } from '../../subgraphs/contract/identity.ts';
import { doublingFragments, selectionNodes } from '../support/hostile-operations.ts';
import { ALICE } from '../support/identities.ts';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET } from '../support/operations.ts';

describe('operation analysis', () => {
  it('measures each fragment once: doubling fragments cost visits linear in the document, not 2^n', () => {
    const source = doublingFragments(30);
    const analysis = analyzeDocument(parse(source));
    expect(analysis.selections).toBe(2 ** 29);
    expect(analysis.visits).toBeLessThanOrEqual(selectionNodes(source));
    expect(analysis.depth).toBe(1);
  });

  it('counts depth through fragments and inline fragments, and __typename like any field', () => {
    const analysis = analyzeDocument(
      parse('fragment S on Store { a { ... on A { b { __typename } } } } { store { ...S } x: y z: __typename }'),
    );
    expect(analysis).toMatchObject({ depth: 4, selections: 6, aliases: 2, rootFields: 3, usesIntrospection: false });
  });

  it('counts aliases and root fields through fragments, and sees introspection anywhere', () => {
    const analysis = analyzeDocument(
      parse(
        'fragment R on Query { a: x b: x } { ...R ...on Query { ...R c: x } } fragment I on Query { __type(name: "Q") { name } }',
      ),
    );
    expect(analysis).toMatchObject({ aliases: 5, rootFields: 5, usesIntrospection: true });
  });

  it('stops descending past MAX_WALK_NESTING, so no nesting the body limit admits can exhaust the stack', () => {
    const deep = 200_000;
    // Built by hand: graphql-js's recursive parser could not parse it, but other documents reach the walk.
    let set = { kind: Kind.SELECTION_SET, selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'a' } }] };
    for (let i = 0; i < deep; i++)
      set = { kind: Kind.SELECTION_SET, selections: [{ kind: Kind.INLINE_FRAGMENT, selectionSet: set }] } as never;
    const document = {
      kind: Kind.DOCUMENT,
      definitions: [{ kind: Kind.OPERATION_DEFINITION, operation: 'query', selectionSet: set }],
    };
    const analysis = analyzeDocument(document as never);
    expect(analysis.depth).toBeGreaterThan(MAX_WALK_NESTING);
    expect(analysis.visits).toBeLessThanOrEqual(MAX_WALK_NESTING + 1);
  });

  it('survives documents validation will refuse: unknown fragments and fragment cycles', () => {
    const analysis = analyzeDocument(
      parse('{ ...A ...Missing } fragment A on Query { x ...B } fragment B on Query { y ...A }'),
    );
    expect(analysis.selections).toBe(2);
  });

  it('the client operations, the README examples and the introspection query are far inside every default limit', () => {
    const limits = limitsFromEnv({});
    const readmeExamples = [...readFileSync('README.md', 'utf8').matchAll(/```graphql\n([\s\S]*?)```/g)].map(
      (m) => m[1] ?? '',
    );
    expect(readmeExamples.length).toBeGreaterThan(0);
    const introspection = getIntrospectionQuery({
      descriptions: true,
      inputValueDeprecation: true,
      specifiedByUrl: true,
    });
    for (const source of [
      LIFE_FEED,
      NEARBY_DEALS,
      WALLET,
      MERCHANT_PAGE,
      LIVE_ROOM,
      introspection,
      ...readmeExamples,
    ]) {
      const analysis = analyzeDocument(parse(source));
      expect(analysis.depth).toBeLessThan(limits.maxDepth);
      expect(analysis.selections * 4).toBeLessThan(limits.maxSelections);
      expect(analysis.aliases).toBeLessThan(limits.maxAliases);
      expect(analysis.rootFields * 10).toBeLessThan(limits.maxRootFields);
      expect(tokens(source) * 10).toBeLessThan(limits.maxTokens);
    }
  });
});

/** Lexical tokens of a document, as graphql-js's `maxTokens` counts them (comments are not tokens). */
function tokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count;
}

describe('limit settings', () => {
  it('reads every limit from its variable and refuses values that are not positive integers, naming the variable', () => {
    expect(limitsFromEnv({ LIFEGRAPH_MAX_QUERY_ALIASES: '7', LIFEGRAPH_MAX_QUERY_TOKENS: '900' })).toMatchObject({
      maxAliases: 7,
      maxTokens: 900,
      maxDepth: 20,
    });
    for (const bad of ['abc', '0', '-3', '1.5', '1e3', '0x10']) {
      expect(() => limitsFromEnv({ LIFEGRAPH_MAX_QUERY_COST: bad })).toThrow(
        `LIFEGRAPH_MAX_QUERY_COST must be a whole number of at least 1 (got "${bad}"); unset it to use 200000.`,
      );
    }
    expect(() => limitsFromEnv({ LIFEGRAPH_MAX_QUERY_DEPTH: '1000' })).toThrow(
      /LIFEGRAPH_MAX_QUERY_DEPTH must be below/,
    );
  });
});

describe('cost and authorization filtering reuse each fragment', () => {
  const sdl = `
    directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION
    type Query { shop: Shop shops(first: Int): [Shop!]! }
    type Shop { id: ID! name: String revenue: Int @requiresScopes(scopes: [["merchant:finance"]]) }`;
  const schema = buildSchema(sdl);
  const policy = readAccessPolicy(
    'type Query { shop: Shop } type Shop { revenue: Int @requiresScopes(scopes: [["merchant:finance"]]) }',
  );

  it('costs doubling fragments without expanding them', () => {
    // 2^39 spreads of one field under one response key: execution resolves it once, and so does the cost.
    const document = parse(doublingFragments(40, 'shop { id }'));
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(estimatedCost(costModelFromSupergraph(sdl), schema, document, operation, {})).toBe(1);
  });

  it('filters a fragment once and keeps its spreads: the filtered document is as big as the original', () => {
    const fragments = Array.from({ length: 30 }, (_, i) =>
      i === 29 ? 'fragment F29 on Shop { id revenue }' : `fragment F${i} on Shop { ...F${i + 1} ...F${i + 1} }`,
    );
    const document = parse(`{ shop { ...F0 } } ${fragments.join(' ')}`);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const { document: filtered, plan } = filterOperation(schema, policy, ALICE, document, operation);
    expect(plan.removals).toHaveLength(1);
    expect(plan.fragments.size).toBe(30);
    expect(filtered.definitions).toHaveLength(31);
    expect(selectionNodes(print(filtered))).toBe(selectionNodes(print(document)));
    expect(print(filtered)).toContain('fragment F29 on Shop {\n  id\n  __lg_denied_0: __typename\n}');
  });
});

describe('nesting through fragments in any definition order', () => {
  /** `count` fragments listed last-first, each nesting `levels` inline fragments around a spread of the next. */
  const lastFirst = (count: number, levels: number) =>
    Array.from({ length: count }, (_, i) => {
      const inner = i === count - 1 ? '__typename' : `...F${i + 1}`;
      return `fragment F${i} on Query { ${'... { '.repeat(levels)}${inner}${' }'.repeat(levels)} }`;
    })
      .reverse()
      .join(' ');

  it('a fragment measured before the spread that uses it still adds its whole nesting', () => {
    const before = analyzeDocument(parse(`${lastFirst(8, 250)} { ...F0 }`));
    const after = analyzeDocument(parse(`{ ...F0 } ${lastFirst(8, 250)}`));
    expect(before.depth).toBeGreaterThan(MAX_WALK_NESTING);
    expect(after.depth).toBeGreaterThan(MAX_WALK_NESTING);
  });

  it('nesting within the bound keeps its field depth, whatever the order', () => {
    for (const source of [`${lastFirst(2, 100)} { ...F0 }`, `{ ...F0 } ${lastFirst(2, 100)}`]) {
      expect(analyzeDocument(parse(source)).depth).toBe(1);
    }
  });

  it('unused fragments count their selections and aliases (validation walks them), not as root fields', () => {
    const analysis = analyzeDocument(parse(`{ __typename } fragment U on Query { ${'a: x '.repeat(50)} }`));
    expect(analysis).toMatchObject({ selections: 50, aliases: 50, rootFields: 1 });
  });
});

describe('authorization on the parent type', () => {
  const schema = buildSchema(`
    type Query { things: [Thing!]! node: Node }
    union Thing = Open | Commission
    interface Node { id: ID! }
    type Open implements Node { id: ID! name: String }
    type Commission implements Node { id: ID! rateBps: Int }`);
  // As if Commission were protected as a type (`type Commission @authenticated`).
  const policy = { fields: new Map(), types: new Map([['Commission', { authenticated: true, scopes: null }]]) };
  const removed = (source: string) => {
    const document = parse(source);
    const operation = document.definitions[0] as OperationDefinitionNode;
    return filterOperation(schema, policy, ANONYMOUS, document, operation).plan.removals.map((r) => r.coordinate);
  };

  it('a field read on a protected type through a union is removed, though neither it nor its type is protected', () => {
    expect(removed('{ things { ... on Commission { rateBps } ... on Open { name } } }')).toEqual([
      'Commission.rateBps',
    ]);
  });

  it('a field read through an interface is as protected as its most protected implementation', () => {
    expect(removed('{ node { id } }')).toEqual(['Node.id']);
    expect(removed('{ node { ... on Open { id } } }')).toEqual([]);
  });
});
