import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld } from '../../seeds/world.ts';
import { writeMerchants } from '../../seeds/write-merchants.ts';
import { ANONYMOUS, IDENTITY_HEADER, signIdentity } from '../../subgraphs/contract/identity.ts';
import { merchants } from '../../subgraphs/merchants/index.ts';
import type * as tables from '../../subgraphs/merchants/tables.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { postBothWays } from '../support/lean-path.ts';
import { SUBGRAPH_TEST_SECRET, startSeededSubgraph } from '../support/subgraph.ts';

// A subgraph serves the usual POST (uncompressed UTF-8 JSON of a declared length) on node:http straight through
// Apollo Server, and every other request through Express (gzip makes the same POST go the Express way). Both must
// answer alike.

let subgraph: StartedSubgraph<typeof tables>;
beforeAll(async () => {
  subgraph = await startSeededSubgraph(merchants, (db) => writeMerchants(db, buildWorld(1)));
});
afterAll(async () => {
  await subgraph?.stop();
});

/** A body with the ids and the stack traces (which name each path's own functions) taken out. */
function withoutStacktraces(text: string): string {
  const plain = text.replace(/[0-9a-f-]{36}/g, '<id>');
  try {
    return JSON.stringify(JSON.parse(plain, (key, value) => (key === 'stacktrace' ? undefined : value)));
  } catch {
    return plain;
  }
}

/** The answers of the same POST sent both ways (see postBothWays), as the tests compare them. */
async function bothWays(body: string, headers: Record<string, string> = {}) {
  const answers = [];
  for (const response of await postBothWays(subgraph.url, body, headers)) {
    answers.push({
      status: response.status,
      body: withoutStacktraces(await response.text()),
      type: response.headers.get('content-type'),
      cacheControl: response.headers.get('cache-control'),
    });
  }
  return answers;
}

const signed = (body: string) => ({ [IDENTITY_HEADER]: signIdentity(ANONYMOUS, SUBGRAPH_TEST_SECRET, body) });

describe("a subgraph's lean /graphql path and its Express path", () => {
  const query = JSON.stringify({ query: '{ merchant(id: "mer_kfc") { id name } }' });

  it.each([
    ['a query', query],
    ['a query with an error', JSON.stringify({ query: '{ merchant(id: "mer_kfc") { nope } }' })],
    ['a document that does not parse', JSON.stringify({ query: '{ merchant(' })],
    ['malformed JSON', '{"query": '],
    ['a JSON string', '"x"'],
    ['an empty body', ''],
    ['an empty object', '{}'],
    ['a body with a byte-order mark', `\uFEFF${JSON.stringify({ query: '{ __typename }' })}`],
  ])('answer %s, signed for its body, alike', async (_name, body) => {
    const [lean, express] = await bothWays(body, signed(body));
    expect(lean).toEqual(express);
    expect(lean?.cacheControl).toBe('no-store');
  });

  it('answer a query alike and with its data', async () => {
    const [lean] = await bothWays(query, signed(query));
    expect(JSON.parse(lean?.body ?? '')).toEqual({ data: { merchant: { id: 'mer_kfc', name: expect.any(String) } } });
  });

  it.each([
    ['without an identity', {}],
    ['with an identity signed for another body', signed(JSON.stringify({ query: '{ __typename }' }))],
    ['with a forged identity', { [IDENTITY_HEADER]: signIdentity(ANONYMOUS, 'not-the-secret', query) }],
  ])('refuse a query %s alike, with 401', async (_name, headers) => {
    const [lean, express] = await bothWays(query, headers);
    expect(lean).toEqual(express);
    expect(lean?.status).toBe(401);
  });
});
