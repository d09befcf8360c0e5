import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { type AdminOptions, adminFromEnv } from '../../gateway/http/admin.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { SUPERGRAPH_FILE } from '../../gateway/supergraph.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { TEST_SECRETS, useTestGraph } from '../support/graph.ts';

/**
 * Issue 11, item 6: `/readyz` details and `/metrics` never list internal URLs on the public port in production.
 * They are served on an admin listener of their own (LIFEGRAPH_ADMIN_PORT, loopback unless LIFEGRAPH_ADMIN_HOST),
 * the public port keeping /readyz's verdict and answering /metrics only when LIFEGRAPH_PUBLIC_METRICS=on.
 */

const graph = useTestGraph();
const SUPERGRAPH = readFileSync(SUPERGRAPH_FILE, 'utf8');
const started: RunningGateway[] = [];
afterAll(async () => {
  for (const gateway of started) await gateway.stop();
});

async function gatewayWith(production: boolean, admin: AdminOptions) {
  const gateway = await startGateway(
    {
      supergraphSdl: SUPERGRAPH,
      subgraphSecret: TEST_SECRETS.subgraphSecret,
      authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret })),
      urlOverrides: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, graph.subgraphs[name].url])),
      production,
      trustedDocuments: 'allow',
      logger: pino({ level: 'silent' }),
      admin,
    },
    0,
  );
  started.push(gateway);
  return { gateway, origin: new URL(gateway.url).origin };
}

const get = async (url: string, init?: RequestInit) => {
  const response = await fetch(url, init);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};

describe('a production gateway with an admin port', () => {
  const loopback = { host: '127.0.0.1', publicMetrics: false };

  it('answers /metrics on the public port with a JSON 404, and /readyz with its verdict only', async () => {
    const { origin } = await gatewayWith(true, { ...loopback, port: 0 });
    const metrics = await get(`${origin}/metrics`);
    expect(metrics.status).toBe(404);
    expect(metrics.type).toMatch(/^application\/json/);
    expect(JSON.parse(metrics.text).errors[0]).toMatchObject({
      message: 'Nothing is served at GET /metrics: use /graphql, /healthz, /readyz.',
      extensions: { code: 'NOT_FOUND' },
    });
    const readyz = await get(`${origin}/readyz`);
    expect(readyz.status).toBe(200);
    expect(JSON.parse(readyz.text)).toEqual({ ready: true, draining: false });
    for (const name of SUBGRAPH_NAMES)
      expect(readyz.text).not.toContain(String(new URL(graph.subgraphs[name].url).port));
  });

  it('serves /metrics and /readyz with every detail on the admin listener, bound to loopback', async () => {
    const { gateway } = await gatewayWith(true, { ...loopback, port: 0 });
    expect(gateway.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metrics = await get(`${gateway.adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('lifegraph_supergraph_info{hash=');
    expect(metrics.text).toContain('process_cpu_seconds_total');
    const readyz = JSON.parse((await get(`${gateway.adminUrl}/readyz`)).text);
    expect(readyz).toMatchObject({
      ready: true,
      draining: false,
      supergraph: { hash: createHash('sha256').update(SUPERGRAPH).digest('hex') },
    });
    expect(Object.fromEntries(readyz.subgraphs.map((s: { name: string; url: string }) => [s.name, s.url]))).toEqual(
      Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, graph.subgraphs[name].url])),
    );
    expect((await get(`${gateway.adminUrl}/healthz`)).text).toBe('{"status":"ok"}');
    // Nothing else is served there: not GraphQL, and only GET.
    const graphql = await get(`${gateway.adminUrl}/graphql`, { method: 'POST', body: '{}' });
    expect(graphql.status).toBe(404);
    expect(JSON.parse(graphql.text).errors[0].message).toBe(
      'Nothing is served at POST /graphql: use /healthz, /readyz, /metrics.',
    );
    const post = await get(`${gateway.adminUrl}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(JSON.parse(post.text).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('serves /metrics on the public port too when LIFEGRAPH_PUBLIC_METRICS=on', async () => {
    const admin = adminFromEnv(true, { LIFEGRAPH_PUBLIC_METRICS: 'on' });
    expect(admin).toEqual({ port: undefined, host: '127.0.0.1', publicMetrics: true });
    const { origin } = await gatewayWith(true, admin);
    const metrics = await get(`${origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('lifegraph_gateway_requests_total');
  });

  it('does not start when its admin port is taken, naming the port and the settings', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      await expect(gatewayWith(true, { ...loopback, port })).rejects.toThrow(
        `The admin endpoints cannot listen on 127.0.0.1:${port} (--admin-port or LIFEGRAPH_ADMIN_PORT, LIFEGRAPH_ADMIN_HOST): the port is in use: stop what listens there, or choose another port.`,
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});

describe('a development gateway', () => {
  it('keeps /metrics and the detailed /readyz on the public port', async () => {
    const { origin } = await gatewayWith(false, adminFromEnv(false, {}));
    expect((await get(`${origin}/metrics`)).text).toContain('lifegraph_supergraph_info{hash=');
    const readyz = JSON.parse((await get(`${origin}/readyz`)).text);
    expect(readyz.subgraphs.find((s: { name: string }) => s.name === 'offers').url).toBe(graph.subgraphs.offers.url);
    expect(readyz.supergraph.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the admin settings', () => {
  it('default to no admin listener, loopback, and public /metrics in development only', () => {
    expect(adminFromEnv(false, {})).toEqual({ port: undefined, host: '127.0.0.1', publicMetrics: true });
    expect(adminFromEnv(true, {})).toEqual({ port: undefined, host: '127.0.0.1', publicMetrics: false });
    expect(adminFromEnv(true, { LIFEGRAPH_ADMIN_PORT: '9464', LIFEGRAPH_ADMIN_HOST: '0.0.0.0' })).toEqual({
      port: 9464,
      host: '0.0.0.0',
      publicMetrics: false,
    });
    expect(adminFromEnv(true, { LIFEGRAPH_ADMIN_PORT: '9464' }, '9465').port).toBe(9465);
  });

  it.each([
    [
      { LIFEGRAPH_ADMIN_PORT: 'abc' },
      undefined,
      /^LIFEGRAPH_ADMIN_PORT must be a whole number from 0 to 65535 \(got "abc"\)/,
    ],
    [{}, '70000', /^--admin-port must be a whole number from 0 to 65535 \(got "70000"\)/],
    [{ LIFEGRAPH_ADMIN_HOST: 'not a host' }, undefined, /^LIFEGRAPH_ADMIN_HOST must be an IP address or a host name/],
    [{ LIFEGRAPH_PUBLIC_METRICS: 'yes' }, undefined, /^LIFEGRAPH_PUBLIC_METRICS must be "on" or "off" \(got "yes"\)/],
  ])('refuse %o %s in one line naming it', (env, flag, message) => {
    expect(() => adminFromEnv(true, env, flag)).toThrow(message);
  });
});
