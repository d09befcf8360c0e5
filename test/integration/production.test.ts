import { describe, expect, it } from 'vitest';
import { splitCost } from '../support/cost.ts';
import { type GraphQLResponseBody, useTestGraph } from '../support/graph.ts';
import { KFC_OFFERS_STAFF } from '../support/identities.ts';

/** NODE_ENV=production behaviour of the gateway (issue #3 item 5, issue 7 part 9). */
// These tests send their own operations, which no frontend lists: trusted-documents.test.ts covers the enforcing production default.
const graph = useTestGraph({ production: true, trustedDocuments: 'allow' });

const INTROSPECTION = '{ __schema { queryType { name } } }';

describe('production mode', () => {
  it('serves no landing page', async () => {
    const response = await fetch(graph.gateway.url, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toMatch(/sandbox|apollographql\.com/i);
  });

  it('refuses introspection to callers without the introspection scope', async () => {
    for (const as of [undefined, 'usr_alice']) {
      const { status, body } = await graph.query(INTROSPECTION, { as });
      expect(status).toBe(403);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const typeQuery = await graph.query('{ __type(name: "Merchant") { name } }');
    expect(typeQuery.status).toBe(403);
  });

  it('allows introspection with the introspection scope', async () => {
    const { status, body } = await graph.query(INTROSPECTION, { as: { user: 'usr_dev', scopes: ['introspection'] } });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('keeps client-facing errors readable', async () => {
    const { status, body } = await graph.query('{ merchants(first: 500) { edges { node { id } } } }');
    expect(status).toBe(200);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/between 1 and 100/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(JSON.stringify(body)).not.toMatch(/stacktrace|\.ts:|node_modules/);
  });

  it('tells a client its own HTTP 400 mistakes: a persisted query whose hash does not match is BAD_REQUEST', async () => {
    const before = graph.statementCount();
    const response = await fetch(graph.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ merchant(id: "mer_kfc") { name } }',
        extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } },
      }),
    });
    expect(response.status).toBe(400);
    expect(splitCost((await response.json()) as object, response.status).body).toEqual({
      errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(graph.statementCount()).toBe(before);
  });

  it('keeps the extensions written for clients: the limit refused, and the variable refused', async () => {
    const tooBig = await graph.query(`{ ${'merchant(id: "mer_kfc") { id } '.repeat(21)} }`);
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.errors?.[0]?.extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'rootFields',
      measured: 21,
      maximum: 20,
    });
    const badVariable = await graph.query(
      'mutation($amount: SafeInt!) { redeemCoupon(input: { couponId: "cpn_000001", storeId: "sto_kfc_hz_1", orderAmountFen: $amount, idempotencyKey: "prod" }) { userErrors { code } } }',
      { variables: { amount: 1.5 }, as: KFC_OFFERS_STAFF },
    );
    expect(badVariable.status).toBe(400);
    expect(badVariable.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', variableName: 'amount' });
  });

  it('masks internal errors: no stack, SQL, address or file path reaches the client, only a request id', async () => {
    // A real internal error: the merchants subgraph's SQL fails because its categories table is gone.
    const { sqlite } = graph.subgraphs.merchants.database;
    sqlite.exec('alter table categories rename to categories_away');
    let body: GraphQLResponseBody;
    try {
      ({ body } = await graph.query('{ merchant(id: "mer_kfc") { name category { name } } }'));
    } finally {
      sqlite.exec('alter table categories_away rename to categories');
    }
    expect(body.data).toEqual({ merchant: null });
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/^Internal server error\. It has been logged under the requestId/),
        path: ['merchant', 'category'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/categories|no such table|select |sqlite|stacktrace|\.ts|127\.0\.0\.1/i);
  });

  it('says which service is down and that the rest is complete, without its address (run last: stops offers)', async () => {
    await graph.subgraphs.offers.stop();
    const { body } = await graph.query('{ merchant(id: "mer_kfc") { name } couponTemplate(id: "cpt_kfc_1") { id } }');
    expect(body.data).toEqual({ merchant: { name: 'KFC' }, couponTemplate: null });
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/offers service could not be reached; the rest of the data is complete/),
        path: ['couponTemplate'],
        extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
      }),
    ]);
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|localhost|stacktrace|\.ts|select |sqlite/i);
  });
});
