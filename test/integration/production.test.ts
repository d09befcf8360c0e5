import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from '../support/graph.ts';

/** NODE_ENV=production behaviour of the gateway (issue #3 item 5). */
let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph({ production: true });
});
afterAll(async () => {
  await graph?.stop();
});

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

  it('masks internal errors: no stack, SQL, address or file path reaches the client', async () => {
    await graph.subgraphs.offers.stop();
    const { body } = await graph.query('{ merchant(id: "mer_kfc") { name } couponTemplate(id: "cpt_kfc_1") { id } }');
    const text = JSON.stringify(body);
    expect(body.data).toEqual({ merchant: { name: 'KFC' }, couponTemplate: null });
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const error of body.errors ?? []) expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stacktrace|\.ts|select |sqlite/i);
  });
});
