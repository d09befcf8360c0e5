import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import type { SubgraphFetchOptions } from '../../gateway/subgraph-fetch/config.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import type { SubgraphName } from '../../subgraphs/shared/config.ts';
import type { GraphQLResponseBody } from '../support/graph.ts';
import { TEST_SECRETS } from '../support/graph.ts';
import { eventually, startHangingServer, startSubgraphProcess } from '../support/processes.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Faults stay local: subgraphs run in their own processes (as `npm run subgraph`), the gateway in this one,
 * and one subgraph (offers) hangs, dies or comes back while the others keep answering.
 */
// Each test waits out real timeouts and cooldowns, on a machine other suites share.
vi.setConfig({ testTimeout: 90_000 });
const dataDir = testDataDir('lg-faults-');
type Subgraph = Awaited<ReturnType<typeof startSubgraphProcess>>;
const subgraphs = {} as Record<SubgraphName, Subgraph>;
let hanging: Awaited<ReturnType<typeof startHangingServer>>;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  seedDataDir(dataDir);
  const names: SubgraphName[] = ['merchants', 'content', 'offers', 'social'];
  const started = await Promise.all(
    names.map((name) => startSubgraphProcess(name, { dataDir, subgraphSecret: TEST_SECRETS.subgraphSecret })),
  );
  for (const subgraph of started) subgraphs[subgraph.name] = subgraph;
  hanging = await startHangingServer();
  // Each subgraph process answers its first requests slowly (modules load lazily): warm them up first.
  const warm = await gatewayWith(subgraphs.offers.url, settings({ timeoutMs: 30_000 }));
  expect((await warm.post(MIXED)).body.errors).toBeUndefined();
}, 120_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
  await hanging?.close();
});

/** A gateway in this process whose offers subgraph is `offersUrl`; the other three are the real processes. */
async function gatewayWith(offersUrl: string, subgraphFetch: SubgraphFetchOptions) {
  const gateway = await startGateway(
    {
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphSecret: TEST_SECRETS.subgraphSecret,
      authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret })),
      urlOverrides: {
        merchants: subgraphs.merchants.url,
        content: subgraphs.content.url,
        social: subgraphs.social.url,
        offers: offersUrl,
      },
      logger: pino({ level: 'silent' }),
      subgraphFetch,
    },
    0,
  );
  gateways.push(gateway);
  const post = async (query: string, signal?: AbortSignal) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
      signal,
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponseBody };
  };
  const origin = gateway.url.replace('/graphql', '');
  return {
    gateway,
    post,
    readyz: async () => {
      const response = await fetch(`${origin}/readyz`);
      return {
        status: response.status,
        body: (await response.json()) as {
          ready: boolean;
          subgraphs: { name: string; ready: boolean; reachable: boolean; circuit: string }[];
        },
      };
    },
    metrics: async () => (await fetch(`${origin}/metrics`)).text(),
  };
}

/** Data from three subgraphs at the root (merchants, content, offers) and offers' `sales` inside a live stream. */
const MIXED = `#graphql
  {
    merchant(id: "mer_kfc") { name }
    couponTemplate(id: "cpt_kfc_1") { title }
    liveStream(id: "lvs_kfc_1") { title sales { fen } }
  }`;
/** One root field from merchants and one from offers: exactly one offers fetch per request. */
const ONE_OFFERS_FETCH = '{ merchant(id: "mer_kfc") { name } couponTemplate(id: "cpt_kfc_1") { title } }';

const codes = (body: GraphQLResponseBody) => [...new Set(body.errors?.map((e) => e.extensions?.code))];
const settings = (overrides: Partial<SubgraphFetchOptions>): SubgraphFetchOptions => ({
  timeoutMs: 2_000,
  breakerFailures: 1000,
  breakerCooldownMs: 60_000,
  ...overrides,
});

describe('a subgraph that accepts connections and never answers', () => {
  it('gives the other subgraphs data plus SUBGRAPH_TIMEOUT at the paths offers owned, and aborts the fetch', async () => {
    const { post } = await gatewayWith(hanging.url, settings({ timeoutMs: 2_000 }));
    const requests = hanging.counts.requests;
    const { status, body } = await post(MIXED);
    expect(status).toBe(200);
    expect(body.data).toEqual({
      merchant: { name: 'KFC' },
      couponTemplate: null,
      liveStream: { title: expect.any(String), sales: null },
    });
    expect(codes(body)).toEqual(['SUBGRAPH_TIMEOUT']);
    expect(body.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining([['couponTemplate'], ['liveStream', 'sales']]),
    );
    expect(body.errors?.[0]?.message).toBe(
      'The offers service did not answer within 2000 ms; the rest of the data is complete. Retry later.',
    );
    // The hung subgraph's address does not reach the client.
    expect(JSON.stringify(body)).not.toContain(String(hanging.port));
    expect(hanging.counts.requests).toBe(requests + 2);
    await eventually(
      () => hanging.counts.closed === hanging.counts.requests,
      'the gateway closed the hung connections',
    );
  });

  it('aborts the subgraph fetch when the client goes away', async () => {
    const { post, metrics } = await gatewayWith(hanging.url, settings({ timeoutMs: 60_000 }));
    const requests = hanging.counts.requests;
    const client = new AbortController();
    const request = post(ONE_OFFERS_FETCH, client.signal).catch((error: Error) => error);
    await eventually(() => hanging.counts.requests === requests + 1, 'the gateway called the hung subgraph');
    client.abort();
    expect(await request).toBeInstanceOf(Error);
    // Long before the 60 s timeout: the gateway closes the subgraph connection because the client left.
    await eventually(() => hanging.counts.closed === hanging.counts.requests, 'the subgraph fetch was aborted');
    await eventually(
      async () =>
        (await metrics()).includes(
          'lifegraph_gateway_subgraph_fetch_failures_total{subgraph="offers",reason="client_closed"} 1',
        ),
      'the aborted fetch is counted as client_closed',
    );
  });

  it('opens the circuit after repeated timeouts: offers is not called at all, then one probe (half-open)', async () => {
    const { post, readyz, metrics } = await gatewayWith(
      hanging.url,
      settings({ timeoutMs: 1_500, breakerFailures: 2, breakerCooldownMs: 3_000 }),
    );
    for (let i = 0; i < 2; i++) expect(codes((await post(ONE_OFFERS_FETCH)).body)).toEqual(['SUBGRAPH_TIMEOUT']);
    const requests = hanging.counts.requests;
    const fastFailures = await Promise.all(Array.from({ length: 5 }, () => post(ONE_OFFERS_FETCH)));
    for (const { status, body } of fastFailures) {
      expect(status).toBe(200);
      expect(body.data).toEqual({ merchant: { name: 'KFC' }, couponTemplate: null });
      expect(codes(body)).toEqual(['SUBGRAPH_CIRCUIT_OPEN']);
      expect(body.errors?.[0]?.path).toEqual(['couponTemplate']);
      expect(body.errors?.[0]?.message).toMatch(/^The offers service is failing, .* Retry later\.$/);
    }
    // Failing fast: no request reached the hung subgraph while the circuit was open.
    expect(hanging.counts.requests).toBe(requests);
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.subgraphs.find((s) => s.name === 'offers')).toMatchObject({ circuit: 'open', ready: false });
    expect(ready.body.subgraphs.filter((s) => s.name !== 'offers').every((s) => s.ready)).toBe(true);
    expect(await metrics()).toContain('lifegraph_gateway_subgraph_circuit_state{subgraph="offers"} 1');

    // After the cooldown, five concurrent requests send exactly one probe; it times out and the circuit reopens.
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    const probed = await Promise.all(Array.from({ length: 5 }, () => post(ONE_OFFERS_FETCH)));
    expect(probed.map(({ body }) => codes(body)[0]).sort()).toEqual([
      'SUBGRAPH_CIRCUIT_OPEN',
      'SUBGRAPH_CIRCUIT_OPEN',
      'SUBGRAPH_CIRCUIT_OPEN',
      'SUBGRAPH_CIRCUIT_OPEN',
      'SUBGRAPH_TIMEOUT',
    ]);
    expect(hanging.counts.requests).toBe(requests + 1);
  });
});

describe('a subgraph killed under load and restarted', () => {
  it('errors while it is down, opens its circuit, and recovers after the restart without restarting the gateway', async () => {
    const offers = subgraphs.offers;
    const { post, readyz } = await gatewayWith(
      offers.url,
      settings({ timeoutMs: 5_000, breakerFailures: 3, breakerCooldownMs: 500 }),
    );
    const full = await post(MIXED);
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data.couponTemplate).toEqual({ title: expect.any(String) });

    // Load while the subgraph dies: every answer still carries the other subgraphs' data.
    const load = Promise.all(Array.from({ length: 30 }, () => post(ONE_OFFERS_FETCH)));
    offers.killGroup('SIGKILL');
    await offers.exited;
    for (const { status, body } of await load) {
      expect(status).toBe(200);
      expect(body.data.merchant).toEqual({ name: 'KFC' });
      if (body.errors) {
        expect(codes(body)).toEqual([expect.stringMatching(/^SUBGRAPH_(UNAVAILABLE|CIRCUIT_OPEN)$/)]);
        expect(body.errors[0]?.path).toEqual(['couponTemplate']);
      }
    }
    for (let i = 0; i < 4; i++) {
      const { body } = await post(ONE_OFFERS_FETCH);
      expect(body.data).toEqual({ merchant: { name: 'KFC' }, couponTemplate: null });
      expect(codes(body)).toEqual([expect.stringMatching(/^SUBGRAPH_(UNAVAILABLE|CIRCUIT_OPEN)$/)]);
    }
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.subgraphs.find((s) => s.name === 'offers')).toMatchObject({ reachable: false, circuit: 'open' });

    const restarted = await startSubgraphProcess('offers', {
      dataDir,
      subgraphSecret: TEST_SECRETS.subgraphSecret,
      port: offers.port,
    });
    subgraphs.offers = restarted;
    // Ready again before any request has probed the circuit: readiness must not wait for traffic that a
    // load balancer would only send once the gateway is ready.
    await eventually(async () => (await readyz()).status === 200, 'the gateway is ready while the circuit is open');
    expect((await readyz()).body.subgraphs.find((s) => s.name === 'offers')).toMatchObject({
      ready: true,
      circuit: 'open',
    });
    // The next request after the cooldown is the half-open probe; it succeeds and closes the circuit.
    await eventually(async () => (await post(ONE_OFFERS_FETCH)).body.errors === undefined, 'offers answers again');
    const recovered = await post(MIXED);
    expect(recovered.body.errors).toBeUndefined();
    expect(recovered.body.data.couponTemplate).toEqual({ title: expect.any(String) });
    // /readyz reuses its check for a second: the closed circuit shows on the next one.
    await eventually(
      async () => (await readyz()).body.subgraphs.find((s) => s.name === 'offers')?.circuit === 'closed',
      'readiness shows the closed circuit',
    );
  });
});
