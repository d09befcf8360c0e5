import { readFileSync } from 'node:fs';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import type { SubgraphFetchOptions } from '../../gateway/subgraph-fetch/config.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import type { SubgraphName } from '../../subgraphs/contract/settings.ts';
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
async function gatewayWith(
  offersUrl: string,
  subgraphFetch: SubgraphFetchOptions,
  extra: { logger?: Logger; production?: boolean } = {},
) {
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
      logger: extra.logger ?? pino({ level: 'silent' }),
      production: extra.production,
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
    return {
      status: response.status,
      requestId: response.headers.get('x-request-id'),
      body: (await response.json()) as GraphQLResponseBody,
    };
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
          subgraphs: {
            name: string;
            url?: string;
            ready: boolean;
            reachable: boolean;
            circuit: string;
            error?: string;
          }[];
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
    // Exactly one error per path offers owned, each a timeout saying what to do; nothing else.
    const message = 'The offers service did not answer within 2000 ms; the rest of the data is complete. Retry later.';
    expect(
      body.errors
        ?.map((e) => [e.path, e.extensions?.code, e.message])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      [['couponTemplate'], 'SUBGRAPH_TIMEOUT', message],
      [['liveStream', 'sales'], 'SUBGRAPH_TIMEOUT', message],
    ]);
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

    // Waves of five concurrent requests fail fast until the cooldown is over; then one wave sends exactly one
    // probe, which times out and reopens the circuit (the request count below proves no earlier wave sent any).
    let probed: Awaited<ReturnType<typeof post>>[] = [];
    await vi.waitFor(
      async () => {
        probed = await Promise.all(Array.from({ length: 5 }, () => post(ONE_OFFERS_FETCH)));
        expect(probed.map(({ body }) => codes(body)[0])).toContain('SUBGRAPH_TIMEOUT');
      },
      { timeout: 15_000, interval: 250 },
    );
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
    const answers = await load;
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      if (body.errors) {
        expect(body.data).toEqual({ merchant: { name: 'KFC' }, couponTemplate: null });
        expect(body.errors).toEqual([
          expect.objectContaining({
            path: ['couponTemplate'],
            extensions: expect.objectContaining({
              code: expect.stringMatching(/^SUBGRAPH_(UNAVAILABLE|CIRCUIT_OPEN)$/),
            }),
          }),
        ]);
      } else {
        // Answered before the kill: the whole answer.
        expect(body.data).toEqual({
          merchant: { name: 'KFC' },
          couponTemplate: { title: full.body.data.couponTemplate.title },
        });
      }
    }
    // The kill landed under the load: some of these requests met the dead subgraph.
    expect(answers.filter(({ body }) => body.errors).length).toBeGreaterThan(0);
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

/** Warnings and errors a gateway logs, parsed. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) }) };
}

type TestGateway = Awaited<ReturnType<typeof gatewayWith>>;
const COOLDOWN_MS = 1_000;
/** Probes that stay out until the test resets their connection: far longer than any test step. */
const HALF_OPEN = settings({ timeoutMs: 60_000, breakerFailures: 1, breakerCooldownMs: COOLDOWN_MS });
const OFFERS_STATE = 'lifegraph_gateway_subgraph_circuit_state{subgraph="offers"}';

/** Opens offers' circuit (one failure opens it in HALF_OPEN), waits out the cooldown, and sends the probe. */
async function sendProbe(gateway: TestGateway, signal?: AbortSignal) {
  let requests = hanging.counts.requests;
  const failing = gateway.post(ONE_OFFERS_FETCH);
  await eventually(() => hanging.counts.requests === requests + 1, 'the gateway called offers');
  hanging.dropConnections();
  expect(codes((await failing).body)).toEqual(['SUBGRAPH_UNAVAILABLE']);
  expect(await gateway.metrics()).toContain(`${OFFERS_STATE} 1`);
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
  requests = hanging.counts.requests;
  let settled = false;
  const probe = gateway.post(ONE_OFFERS_FETCH, signal).finally(() => {
    settled = true;
  });
  await eventually(() => hanging.counts.requests === requests + 1, 'the probe reached offers');
  return { probe, settled: () => settled, requests: hanging.counts.requests };
}

/** Sends `count` requests and waits (boundedly) until all are answered; the caller's signal cancels stragglers. */
async function answeredAtOnce(gateway: TestGateway, count: number) {
  const cancel = new AbortController();
  const answers: Awaited<ReturnType<TestGateway['post']>>[] = [];
  const failures: unknown[] = [];
  for (let i = 0; i < count; i++) {
    gateway.post(ONE_OFFERS_FETCH, cancel.signal).then(
      (answer) => answers.push(answer),
      (error) => failures.push(error),
    );
  }
  try {
    await eventually(
      () => answers.length + failures.length === count,
      'the requests were answered while the probe is out',
    );
  } finally {
    cancel.abort();
  }
  // A request that failed (the gateway reset it, or sent no JSON) is a finding, not a request to drop.
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${count} requests failed instead of being answered`, { cause: failures[0] });
  }
  return answers;
}

describe('a half-open circuit', () => {
  it('fails every other request at once while the probe is out; the probe alone decides, and is logged with its requestId', async () => {
    const { lines, logger } = capturingLogger();
    const gateway = await gatewayWith(hanging.url, HALF_OPEN, { logger });
    const { probe, settled, requests } = await sendProbe(gateway);
    // Not held until the probe ends (cockatiel's default, with their own timeouts running meanwhile).
    for (const { status, body } of await answeredAtOnce(gateway, 3)) {
      expect(status).toBe(200);
      expect(body.data).toEqual({ merchant: { name: 'KFC' }, couponTemplate: null });
      expect(codes(body)).toEqual(['SUBGRAPH_CIRCUIT_OPEN']);
    }
    expect(settled()).toBe(false);
    expect(hanging.counts.requests).toBe(requests);
    expect(await gateway.metrics()).toContain(`${OFFERS_STATE} 2`);

    hanging.dropConnections();
    const probed = await probe;
    expect(codes(probed.body)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(await gateway.metrics()).toContain(`${OFFERS_STATE} 1`);
    // The operator finds the failure behind a client's report by the requestId the client was given.
    expect(probed.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'subgraph fetch failed',
        subgraph: 'offers',
        reason: 'unavailable',
        requestId: probed.requestId,
      }),
    );
  });

  it("does not close when the probe's client hangs up: the probe runs on to its verdict", async () => {
    const gateway = await gatewayWith(hanging.url, HALF_OPEN);
    const client = new AbortController();
    const { probe, requests } = await sendProbe(gateway, client.signal);
    const closed = hanging.counts.closed;
    client.abort();
    await expect(probe).rejects.toThrow();
    // Still half-open: the next request fails fast instead of being let through to the dead subgraph.
    const [next] = await answeredAtOnce(gateway, 1);
    expect(codes(next?.body ?? {})).toEqual(['SUBGRAPH_CIRCUIT_OPEN']);
    expect(hanging.counts.requests).toBe(requests);
    // The probe's fetch was not aborted with its client.
    expect(hanging.counts.closed).toBe(closed);
    expect(await gateway.metrics()).toContain(`${OFFERS_STATE} 2`);

    hanging.dropConnections();
    // The subgraph's failure, not the client's, decides: the circuit opens again.
    await eventually(async () => (await gateway.metrics()).includes(`${OFFERS_STATE} 1`), 'the circuit reopened');
    const metrics = await gateway.metrics();
    expect(metrics).toContain(
      'lifegraph_gateway_subgraph_fetch_failures_total{subgraph="offers",reason="unavailable"} 2',
    );
    expect(metrics).not.toContain('reason="client_closed"');
  });
});

describe("the gateway's /readyz", () => {
  it('gives up on a subgraph after the subgraph timeout when that is shorter than 2 s, saying so', async () => {
    const { readyz } = await gatewayWith(hanging.url, settings({ timeoutMs: 300 }));
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body.subgraphs.find((s) => s.name === 'offers')).toMatchObject({
      reachable: false,
      ready: false,
      error: 'no answer within 300 ms',
    });
  });

  it('shows subgraph URLs in development and only its verdict in production, where it is public', async () => {
    const development = await (await gatewayWith(subgraphs.offers.url, settings({}))).readyz();
    expect(development.body.subgraphs.find((s) => s.name === 'offers')?.url).toBe(subgraphs.offers.url);
    const { status, body } = await (
      await gatewayWith(subgraphs.offers.url, settings({}), { production: true })
    ).readyz();
    expect(status).toBe(200);
    // The details (subgraphs, their URLs) are on the admin port (test/integration/admin-port.test.ts).
    expect(body).toEqual({ ready: true, draining: false });
  });
});
