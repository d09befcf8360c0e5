import { describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { DEFAULT_RATE_LIMITS } from '../../gateway/rate-limit/settings.ts';
import { type TestGraph, useTestGraph } from '../support/graph.ts';
import { ALICE } from '../support/identities.ts';

/**
 * Cost-based rate limits through the real gateway: every answer says what it cost (extensions.cost, RateLimit
 * headers); a partner key with a small bucket gets exactly what its budget allows, then 429 THROTTLED with a
 * Retry-After that, once waited, is enough; a request that cost less than estimated is refunded.
 */
const FULL = 'query Full { merchants(first: 2) { edges { node { id name } } } }';
// Scale 1 has far fewer than 100 merchants: the list comes back short of its estimate.
const SHORT = 'query Short { merchants(first: 100) { edges { node { id } } } }';

interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: responses of several shapes
  body: any;
}

async function post(graph: TestGraph, query: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(graph.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

function partnerKey(graph: TestGraph, rateLimit: { pointsPerSecond: number; bucketPoints: number } | null) {
  const store = new ApiKeyStore(graph.dataDir);
  try {
    const { key, summary } = store.create({ name: 'rate test', scopes: [], merchants: [], expiresAt: null, rateLimit });
    return { key, id: summary.id, headers: { 'x-api-key': key } };
  } finally {
    store.close();
  }
}

describe('cost and rate limits', () => {
  const graph = useTestGraph();

  it('tells every caller what each request cost and what is left, in extensions.cost and the RateLimit headers', async () => {
    const token = await graph.tokenFor(ALICE);
    const callers = [
      { kind: 'anonymous', headers: {} as Record<string, string>, limits: DEFAULT_RATE_LIMITS.buckets.anonymous },
      { kind: 'user', headers: { authorization: `Bearer ${token}` }, limits: DEFAULT_RATE_LIMITS.buckets.user },
      { kind: 'partner', headers: partnerKey(graph, null).headers, limits: DEFAULT_RATE_LIMITS.buckets.partner },
    ];
    for (const caller of callers) {
      const answer = await post(graph, FULL, caller.headers);
      expect(answer.status, caller.kind).toBe(200);
      const cost = answer.body.extensions.cost;
      expect(cost.requestedQueryCost, caller.kind).toBeGreaterThan(0);
      expect(cost.actualQueryCost).toBe(cost.requestedQueryCost);
      expect(cost.throttleStatus).toEqual({
        maximumAvailable: caller.limits.bucketPoints,
        currentlyAvailable: expect.any(Number),
        restoreRate: caller.limits.pointsPerSecond,
      });
      expect(cost.throttleStatus.currentlyAvailable).toBeLessThanOrEqual(
        caller.limits.bucketPoints - cost.actualQueryCost,
      );
      const window = Math.ceil(caller.limits.bucketPoints / caller.limits.pointsPerSecond);
      expect(answer.headers.get('ratelimit-policy')).toBe(`"cost";q=${caller.limits.bucketPoints};w=${window}`);
      expect(answer.headers.get('ratelimit')).toMatch(
        new RegExp(`^"cost";r=${cost.throttleStatus.currentlyAvailable};t=\\d+$`),
      );
    }
    // A request refused before it ran (here: it does not validate) cost nothing and still shows the bucket.
    const invalid = await post(graph, '{ merchants { nope } }');
    expect(invalid.status).toBe(400);
    expect(invalid.body.extensions.cost).toMatchObject({ requestedQueryCost: 0, actualQueryCost: 0 });
    expect(invalid.headers.get('ratelimit')).toMatch(/^"cost";r=\d+;t=\d+$/);
  });

  it('estimates from the schema: the same list costs more with first: 100 than with first: 1', async () => {
    const cost = async (first: number) =>
      (await post(graph, `{ merchants(first: ${first}) { edges { node { id name } } } }`)).body.extensions.cost
        .requestedQueryCost;
    const [one, hundred] = [await cost(1), await cost(100)];
    expect(hundred).toBeGreaterThan(one);
    // Each merchant node costs the same: 99 more of them cost 99 times one node more.
    expect((hundred - one) % 99).toBe(0);
  });

  it('gives a small bucket exactly what it holds, then 429 THROTTLED with a Retry-After that is enough', async () => {
    const cost = (await post(graph, FULL)).body.extensions.cost.requestedQueryCost as number;
    // Three requests' worth; refilling one request's worth takes about 3 s, far longer than sending three.
    const pointsPerSecond = Math.max(1, Math.floor(cost / 3));
    const partner = partnerKey(graph, { pointsPerSecond, bucketPoints: 3 * cost });
    for (let i = 0; i < 3; i++) expect((await post(graph, FULL, partner.headers)).status).toBe(200);
    const statements = graph.statementCount();
    const refused = await post(graph, FULL, partner.headers);
    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors[0].extensions.code).toBe('THROTTLED');
    expect(refused.body.errors[0].message).toMatch(/Retry after \d+ s/);
    // Nothing ran: no subgraph was asked for anything.
    expect(graph.statementCount()).toBe(statements);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(cost / pointsPerSecond));
    expect(refused.body.extensions.cost).toMatchObject({ requestedQueryCost: cost, actualQueryCost: 0 });
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    expect((await post(graph, FULL, partner.headers)).status).toBe(200);
  }, 30_000);

  it('refunds what a request did not use: the bucket loses the actual cost, not the estimate', async () => {
    const partner = partnerKey(graph, { pointsPerSecond: 1, bucketPoints: 100_000 });
    const answer = await post(graph, SHORT, partner.headers);
    expect(answer.status).toBe(200);
    const { requestedQueryCost, actualQueryCost, throttleStatus } = answer.body.extensions.cost;
    const returned = answer.body.data.merchants.edges.length;
    expect(returned).toBeLessThan(100);
    expect(actualQueryCost).toBeLessThan(requestedQueryCost);
    expect(actualQueryCost).toBeGreaterThan(0);
    // Refilled at most a point or two while the request ran; never charged the estimate.
    expect(throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(100_000 - actualQueryCost);
    expect(throttleStatus.currentlyAvailable).toBeLessThan(100_000 - actualQueryCost + 3);
  });

  it('refuses, without waiting, an operation that costs more than the bucket can ever hold', async () => {
    const partner = partnerKey(graph, { pointsPerSecond: 1, bucketPoints: 5 });
    const answer = await post(graph, SHORT, partner.headers);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'bucket', maximum: 5 });
    expect(answer.headers.get('retry-after')).toBeNull();
  });

  it('gives nothing back for a request that was refused before it ran (no refund of what was never taken)', async () => {
    const partner = partnerKey(graph, { pointsPerSecond: 1, bucketPoints: 60 });
    const spent = (await post(graph, FULL, partner.headers)).body.extensions.cost;
    const left = spent.throttleStatus.currentlyAvailable;
    expect(left).toBeLessThan(60);
    // Too big for the bucket: refused before anything is taken or run.
    expect((await post(graph, SHORT, partner.headers)).status).toBe(400);
    const after = (await post(graph, FULL, partner.headers)).body.extensions.cost;
    // One more FULL spent, a second or two of refill at 1 point/s; a refund of SHORT's estimate would show as more.
    expect(after.throttleStatus.currentlyAvailable).toBeLessThanOrEqual(left - spent.actualQueryCost + 3);
  });

  it('counts partner requests, points and throttles per key id in the metrics', async () => {
    const partner = partnerKey(graph, { pointsPerSecond: 1, bucketPoints: 10_000 });
    await post(graph, FULL, partner.headers);
    const metrics = await (await fetch(graph.gateway.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(new RegExp(`lifegraph_partner_requests_total\\{key_id="${partner.id}",outcome="ok"\\} 1`));
    expect(metrics).toMatch(new RegExp(`lifegraph_partner_cost_points_total\\{key_id="${partner.id}"\\} \\d+`));
  });
});

describe('the secondary limit on money and stock mutations', () => {
  const graph = useTestGraph({ rateLimits: { ...DEFAULT_RATE_LIMITS, moneyMutationsPerMinute: 2 } });

  it('allows a caller that many per minute, whatever they cost, then 429 THROTTLED', async () => {
    const token = await graph.tokenFor(ALICE);
    const claim = (n: number) =>
      post(
        graph,
        `mutation { claimCoupon(input: { templateId: "cpt_nope", idempotencyKey: "rate-${n}-${Date.now()}" }) { __typename } }`,
        { authorization: `Bearer ${token}` },
      );
    expect((await claim(1)).status).toBe(200);
    expect((await claim(2)).status).toBe(200);
    const refused = await claim(3);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'THROTTLED', limit: 'moneyMutationsPerMinute' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Reads are not money mutations: they go on.
    expect((await post(graph, FULL, { authorization: `Bearer ${token}` })).status).toBe(200);
  });
});
