import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { startGateway } from '../../gateway/server.ts';
import { splitCost } from '../support/cost.ts';
import { TEST_SECRETS, useTestGraph } from '../support/graph.ts';

const graph = useTestGraph();
const origin = () => graph.gateway.url.replace('/graphql', '');

describe('gateway', () => {
  it('GET /healthz is alive', async () => {
    const response = await fetch(`${origin()}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 with every subgraph reachable', async () => {
    const response = await fetch(`${origin()}/readyz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ready: boolean; subgraphs: { name: string; reachable: boolean }[] };
    expect(body.ready).toBe(true);
    expect(body.subgraphs.map((s) => s.name).sort()).toEqual(['content', 'merchants', 'offers', 'social']);
  });

  it('a browser gets Apollo Sandbox in development', async () => {
    const response = await fetch(graph.gateway.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/sandbox/i);
  });

  it('CORS admits Apollo Studio in development', async () => {
    const response = await fetch(graph.gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://studio.apollographql.com', 'access-control-request-method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
  });

  it('GET /metrics reports requests by operation, caller kind and outcome, in Prometheus format', async () => {
    await graph.query('query MetricsProbe { me { id } }', { as: 'usr_bob' });
    await graph.query('query MetricsProbe { me { id } }');
    const response = await fetch(`${origin()}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('lifegraph_gateway_requests_total{operation="MetricsProbe",caller="user",outcome="ok"} 1');
    expect(text).toContain(
      'lifegraph_gateway_requests_total{operation="MetricsProbe",caller="anonymous",outcome="partial"} 1',
    );
    expect(text).toMatch(/lifegraph_gateway_request_duration_seconds_count\{operation="MetricsProbe"\} 2/);
  });

  it('client-facing errors carry no stack trace, even in development', async () => {
    const { body } = await graph.query('{ me { id } merchants(first: 0) { edges { node { id } } } }');
    expect(body.errors?.map((e) => e.extensions?.code).sort()).toEqual(['BAD_USER_INPUT', 'UNAUTHENTICATED']);
    expect(JSON.stringify(body)).not.toContain('stacktrace');
  });

  it('forwards the verified user to the subgraphs', async () => {
    const { body } = await graph.query('{ me { id nickname } }', { as: 'usr_bob' });
    expect(body).toEqual({ data: { me: { id: 'usr_bob', nickname: 'Bob' } } });
  });

  it('serves any valid supergraph, and /readyz is 503 when a subgraph is unreachable or answers with an error', async () => {
    // A foreign supergraph: one subgraph (ours, social), one that is not running at all, and one that answers
    // every request with HTTP 502.
    const broken = createServer((_req, res) => res.writeHead(502).end('bad gateway'));
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/graphql`;
    const { supergraphSdl, errors } = composeServices([
      { name: 'people', url: graph.subgraphs.social.url, typeDefs: parse('type Query { me: Me } type Me { id: ID! }') },
      { name: 'ghost', url: 'http://127.0.0.1:9/graphql', typeDefs: parse('type Query { ghost: String }') },
      { name: 'broken', url: brokenUrl, typeDefs: parse('type Query { broken: String }') },
    ]);
    expect(errors).toBeUndefined();
    const other = await startGateway(
      {
        supergraphSdl: supergraphSdl as string,
        subgraphSecret: TEST_SECRETS.subgraphSecret,
        authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret })),
        logger: pino({ level: 'silent' }),
      },
      0,
    );
    try {
      const response = await fetch(other.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await graph.tokenFor('usr_carol')}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(splitCost((await response.json()) as object, response.status).body).toEqual({
        data: { me: { id: 'usr_carol' } },
      });
      const ready = await fetch(other.url.replace('/graphql', '/readyz'));
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { subgraphs: { name: string; reachable: boolean }[] };
      expect(body.subgraphs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'people', reachable: true, ready: true }),
          expect.objectContaining({ name: 'ghost', reachable: false, ready: false }),
          // It answered, so it is reachable; its answer was an error, so it is not ready.
          expect.objectContaining({ name: 'broken', reachable: true, ready: false, error: 'HTTP 502' }),
        ]),
      );
    } finally {
      await other.stop();
      await new Promise((resolve) => broken.close(resolve));
    }
  });
});
