import { readFileSync } from 'node:fs';
import {
  type CompositeType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  type Operation,
  operationFromDocument,
  possibleRuntimeTypes,
  type SelectionSet,
  Supergraph,
  type Type,
} from '@apollo/federation-internals';
import { computeResponse } from '@apollo/gateway/dist/resultShaping.js';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withoutSecurityPurpose } from '../../gateway/auth/policy.ts';
import { compileShape, shapeData } from '../../gateway/engine/shape-response.ts';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET } from '../support/operations.ts';

/**
 * The gateway shapes responses with its own compiled shaper (gateway/engine/shape-response.ts); it must answer
 * exactly as @apollo/gateway's computeResponse does, for good data and bad: both are run on the same merged
 * subgraph data, generated at random from each operation (nulls where none may be, wrong leaf types, unknown
 * __typenames, missing fields, every @skip/@include value), and must agree on data, key order and errors.
 */
const sdl = withoutSecurityPurpose(readFileSync('schema/supergraph.graphql', 'utf8'));
const apiSchema = Supergraph.build(sdl).apiSchema();

const CONDITIONAL = /* GraphQL */ `
  query Conditional($withAccount: Boolean!, $skipTitle: Boolean = false, $first: Int!) {
    lifeChannelFeed(first: $first) {
      edges { node {
        id title @skip(if: $skipTitle)
        account @include(if: $withAccount) { name ... on LifeAccount @skip(if: $skipTitle) { kind } }
        attachments { kind: __typename ... on CouponTemplate { title } ... on MiniProgram { name } }
      } }
    }
    __typename
  }
`;

const OPERATIONS = { LIFE_FEED, NEARBY_DEALS, WALLET, MERCHANT_PAGE, LIVE_ROOM, CONDITIONAL };

/** A small seeded PRNG, so a failure is reproducible. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Merged subgraph data for `set`, mostly right and sometimes wrong in every way the shaper must handle. */
function generate(
  set: SelectionSet,
  parentType: CompositeType,
  next: () => number,
  depth = 0,
): Record<string, unknown> {
  const result: Record<string, unknown> = Object.create(null);
  const possible: CompositeType[] = isObjectType(parentType) ? [parentType] : [...possibleRuntimeTypes(parentType)];
  const chosen = possible[Math.floor(next() * possible.length)] ?? parentType;
  const roll = next();
  result.__typename = roll < 0.03 ? 'NoSuchType' : roll < 0.06 ? undefined : chosen.name;
  if (result.__typename === undefined) delete result.__typename;
  for (const selection of set.selections()) {
    if (selection.kind === 'FragmentSelection') {
      Object.assign(result, generate(selection.selectionSet, selection.element.typeCondition ?? chosen, next, depth));
      result.__typename = chosen.name;
      continue;
    }
    const field = selection.element;
    const name = field.responseName();
    if (field.name === '__typename' || field.definition.isSchemaIntrospectionField()) continue;
    if (next() < 0.03) continue;
    result[name] = value(field.definition.type as Type, selection.selectionSet, next, depth);
  }
  return result;
}

function value(type: Type, set: SelectionSet | undefined, next: () => number, depth: number): unknown {
  if (next() < 0.04) return null;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const length = depth > 3 ? 0 : Math.floor(next() * 3);
    return Array.from({ length }, () => value(inner.ofType as Type, set, next, depth + 1));
  }
  if (isCompositeType(inner) && set) return generate(set, inner, next, depth + 1);
  const r = next();
  if (r < 0.04) return 'not-a-number';
  if (r < 0.08) return 12.5;
  if (r < 0.1) return true;
  if (inner.name === 'Int') return Math.floor(next() * 100);
  if (inner.name === 'Float') return next() * 100;
  if (inner.name === 'Boolean') return next() < 0.5;
  if ('values' in inner && Array.isArray(inner.values)) return inner.values[0]?.name ?? 'X';
  return `s${Math.floor(next() * 1000)}`;
}

function variablesFor(operation: Operation, next: () => number): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions.definitions()) {
    const type = definition.variable.name;
    if (String(definition.type).startsWith('Boolean')) variables[type] = next() < 0.5;
  }
  return variables;
}

/** Both answers as plain JSON (key order included), errors by message and path. */
function plain(result: { data: unknown; errors: { message: string; path?: readonly (string | number)[] }[] }) {
  return {
    data: JSON.stringify(result.data),
    errors: result.errors.map((e) => ({ message: e.message, path: e.path })),
  };
}

describe('the compiled response shaper', () => {
  for (const [name, source] of Object.entries(OPERATIONS)) {
    it(`answers ${name} exactly as @apollo/gateway's computeResponse, on 300 random inputs`, () => {
      const operation = operationFromDocument(apiSchema, parse(source));
      const shape = compileShape(operation);
      const root = apiSchema.schemaDefinition.rootType(operation.rootKind) as CompositeType;
      const next = random(name.length * 7919);
      for (let i = 0; i < 300; i += 1) {
        const input = generate(operation.selectionSet, root, next);
        const variables = variablesFor(operation, next);
        const introspect = () => ({ introspected: true });
        const run = (shapeIt: () => { data: unknown; errors: { message: string }[] }) => {
          try {
            return plain(shapeIt() as never);
          } catch (error) {
            return { thrown: (error as Error).message };
          }
        };
        const theirs = run(() =>
          computeResponse({ operation, variables, input: structuredClone(input), introspectionHandling: introspect }),
        );
        const ours = run(() => shapeData(shape, structuredClone(input), variables, introspect));
        expect(ours, `input ${i}: ${JSON.stringify(input)}`).toEqual(theirs);
      }
    });
  }

  it('the random inputs do exercise the failure paths (nulls bubbled, errors reported)', () => {
    const operation = operationFromDocument(apiSchema, parse(LIFE_FEED));
    const shape = compileShape(operation);
    const root = apiSchema.schemaDefinition.rootType(operation.rootKind) as CompositeType;
    const next = random(1);
    const messages = new Set<string>();
    let nulls = 0;
    for (let i = 0; i < 300; i += 1) {
      const { data, errors } = shapeData(shape, generate(operation.selectionSet, root, next), {}, () => null);
      if (data === null || JSON.stringify(data).includes('null')) nulls += 1;
      for (const error of errors) messages.add(error.message.replace(/ (field|for|at) .*/, ''));
    }
    expect(nulls).toBeGreaterThan(10);
    expect([...messages].sort()).toEqual(
      expect.arrayContaining(['Cannot return null', 'Invalid __typename found', 'Invalid value found']),
    );
  });
});
