import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { ENTITY_ID_VARIABLE, type EntityQuery, entityQueries } from '../../gateway/subscriptions/selection.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';

// The queries a live subscription resolves each event with (gateway/subscriptions/selection.ts): the client's
// selection under the event's entity fields, moved onto the root query field that serves each, with what it uses.

const apiSchema = Supergraph.build(readFileSync(SUPERGRAPH_FILE, 'utf8'), { supportedFeatures: null })
  .apiSchema()
  .toGraphQLJSSchema();

/** The generated queries of a subscription document, as the subscribe resolver gets its parts. */
function generated(eventType: string, source: string, variableValues: Record<string, unknown> = {}): EntityQuery[] {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  ) as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const root = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
  return entityQueries(eventType, root, fragments, operation, variableValues);
}

/** A generated query must be one the gateway's API schema accepts: it runs through Apollo like any query. */
const expectValid = (query: EntityQuery) =>
  expect(validate(apiSchema, parse(query.source)).map((e) => e.message)).toEqual([]);
const squeezed = (text: string) => text.replace(/\s+/g, ' ');

describe('entityQueries', () => {
  it('keeps the client’s aliases (each its own root field, the subscription’s alias dropped) and adds __typename', () => {
    const [query, ...others] = generated(
      'LiveStreamEvent',
      /* GraphQL */ `subscription S($id: ID!) {
        live: liveStreamUpdated(id: $id) { kind now: at
          before: stream { name: title }
          stream { status account { name } }
        }
      }`,
    );
    expect(others).toEqual([]);
    expect(query?.field).toBe('stream');
    const source = squeezed(query?.source ?? '');
    expect(source).toContain(`query SubscriptionEvent($${ENTITY_ID_VARIABLE}: ID!)`);
    expect(source).toContain(`before: liveStream(id: $${ENTITY_ID_VARIABLE}) { name: title __typename }`);
    expect(source).toContain(
      `stream: liveStream(id: $${ENTITY_ID_VARIABLE}) { status account { name __typename } __typename }`,
    );
    // Event fields and the subscription's own alias are not the query's business.
    expect(source).not.toMatch(/\blive\b|\bnow\b|\bkind\b|liveStreamUpdated/);
    expect(query?.variables).toEqual({});
    expectValid(query as EntityQuery);
  });

  it('follows entity fields through inline and named fragments, and carries the fragments they spread (only those)', () => {
    const [query] = generated(
      'LiveStreamEvent',
      /* GraphQL */ `subscription S($id: ID!) {
        liveStreamUpdated(id: $id) { ...EventBits ... on LiveStreamEvent { at } }
      }
      fragment EventBits on LiveStreamEvent { kind stream { ...StreamBits } }
      fragment StreamBits on LiveStream { title account { ...AccountBits } featuredOffers { ... on CouponTemplate { id } } }
      fragment AccountBits on LifeAccount { name }
      fragment Unused on LiveStream { viewerCount }`,
    );
    const source = squeezed(query?.source ?? '');
    expect(source).toContain(`stream: liveStream(id: $${ENTITY_ID_VARIABLE}) { ...StreamBits __typename }`);
    expect(source).toContain('fragment StreamBits on LiveStream');
    expect(source).toContain('fragment AccountBits on LifeAccount { name __typename }');
    // Under a union the inline fragment's set gets __typename too, so the gateway can resolve the member again.
    expect(source).toContain('... on CouponTemplate { id __typename }');
    expect(source).not.toContain('EventBits');
    expect(source).not.toContain('Unused');
    expectValid(query as EntityQuery);
  });

  it('declares and carries over only the variables the selection (and its fragments) uses', () => {
    const [query] = generated(
      'LiveStreamEvent',
      /* GraphQL */ `subscription S($id: ID!, $first: Int!, $after: String, $unused: Boolean) {
        liveStreamUpdated(id: $id) { stream { account { ...Posts } liveCount: account { liveStreams(first: 1) { edges { cursor } } } } }
      }
      fragment Posts on LifeAccount { posts(first: $first, after: $after) { edges { cursor } } }`,
      { id: 'lvs_kfc_1', first: 3, after: 'abc', unused: true },
    );
    const source = squeezed(query?.source ?? '');
    expect(source).toContain(`query SubscriptionEvent($${ENTITY_ID_VARIABLE}: ID!, $first: Int!, $after: String)`);
    expect(source).not.toContain('$unused');
    // The subscription's $id is the event's entity id now, not the client's variable.
    expect(source).not.toContain('$id');
    expect(query?.variables).toEqual({ first: 3, after: 'abc' });
    expectValid(query as EntityQuery);
  });

  it('a wallet event gives one query per entity field selected, each on the root field serving its type', () => {
    const queries = generated(
      'WalletEvent',
      /* GraphQL */ `subscription W { myWallet { kind coupon { id status } fromUser { nickname } } }`,
    );
    expect(queries.map((q) => q.field)).toEqual(['coupon', 'fromUser']);
    expect(squeezed(queries[0]?.source ?? '')).toContain(`coupon: coupon(id: $${ENTITY_ID_VARIABLE})`);
    expect(squeezed(queries[1]?.source ?? '')).toContain(`fromUser: user(id: $${ENTITY_ID_VARIABLE})`);
    for (const query of queries) expectValid(query);
    // Only event fields selected: nothing to resolve per event.
    expect(generated('WalletEvent', 'subscription W { myWallet { kind at } }')).toEqual([]);
  });
});
