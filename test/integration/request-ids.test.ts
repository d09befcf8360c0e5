import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUserToken } from '../../gateway/auth/user-token.ts';
import { DEFAULT_RATE_LIMITS } from '../../gateway/rate-limit/settings.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import { TEST_SECRETS } from '../support/graph.ts';
import { postBothWays } from '../support/lean-path.ts';
import { type LocalGraph, startLocalGraph } from '../support/local-graph.ts';
import { removeTestDataDir, testDataDir } from '../support/temp.ts';

/**
 * Issue 11 items 2 and 3: a request's id (the client's sane `x-request-id`, else a new one) comes back on every
 * answer, reaches every subgraph the request touched, and is on every log line about the request, in the gateway
 * and in each subgraph; refusals that never reach Apollo's plugins have their line too.
 */

/** Log lines as objects, as pino wrote them (the gateway's and, with `subgraph`, each subgraph's). */
type LogLine = Record<string, unknown> & { msg: string; requestId?: string; subgraph?: string };
const logged: LogLine[] = [];
const memory = new Writable({
  write(chunk, _encoding, done) {
    for (const text of String(chunk).split('\n')) if (text) logged.push(JSON.parse(text) as LogLine);
    done();
  },
});

let graph: LocalGraph;
let dataDir: string;
beforeAll(async () => {
  dataDir = testDataDir('lifegraph-request-ids-');
  seedDataDir(dataDir, { scale: 1 });
  graph = await startLocalGraph({
    dataDir,
    secrets: TEST_SECRETS,
    ports: { gateway: 0, merchants: 0, content: 0, offers: 0, social: 0 },
    scheduler: false,
    logger: pino({ level: 'info' }, memory),
    trustedDocuments: 'allow',
    // Each user a small bucket of their own, so one test can spend usr_bob's down to a 429.
    rateLimits: {
      ...DEFAULT_RATE_LIMITS,
      buckets: { ...DEFAULT_RATE_LIMITS.buckets, user: { pointsPerSecond: 0.01, bucketPoints: 20 } },
    },
  });
});
afterAll(async () => {
  await graph?.stop();
  removeTestDataDir(dataDir);
});

const MERCHANT = JSON.stringify({ query: 'query OneMerchant { merchant(id: "mer_kfc") { id name } }' });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The lines about one request, once the writes that end its response have happened. */
async function linesOf(requestId: string): Promise<LogLine[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return logged.filter((line) => line.requestId === requestId);
}

describe('request ids', () => {
  it('a sane client id comes back on both paths and is on the gateway line and the subgraph line', async () => {
    for (const [i, response] of (
      await postBothWays(graph.gateway.url, MERCHANT, { 'x-request-id': 'client.trace:42-a' })
    ).entries()) {
      expect(response.status, `answer ${i}`).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('client.trace:42-a');
      await response.text();
    }
    const lines = await linesOf('client.trace:42-a');
    const gatewayLines = lines.filter((line) => line.msg === 'graphql request');
    expect(gatewayLines).toHaveLength(2);
    expect(gatewayLines[0]).toMatchObject({
      operation: 'OneMerchant',
      caller: 'anonymous',
      outcome: 'ok',
      codes: [],
      status: 200,
      path: '/graphql',
    });
    expect(gatewayLines[0]?.operationHash).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof gatewayLines[0]?.ms).toBe('number');
    const subgraphLines = lines.filter((line) => line.msg === 'subgraph request');
    expect(subgraphLines.map((line) => line.subgraph)).toEqual(['merchants', 'merchants']);
    expect(subgraphLines[0]).toMatchObject({ caller: 'anonymous', outcome: 'ok', status: 200 });
  });

  it.each([
    ['with a space', 'has space'],
    ['too long', 'x'.repeat(129)],
    ['with a quote', 'a"b'],
    ['empty', ''],
  ])('an id %s is replaced by a new one, never echoed or logged', async (_, insane) => {
    const response = await fetch(graph.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': insane },
      body: MERCHANT,
    });
    expect(response.status).toBe(200);
    await response.text();
    const requestId = response.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(UUID);
    const lines = await linesOf(requestId);
    expect(lines.map((line) => line.subgraph ?? 'gateway')).toEqual(expect.arrayContaining(['gateway', 'merchants']));
    if (insane) expect(JSON.stringify(logged)).not.toContain(JSON.stringify(insane).slice(1, -1));
  });

  it('a user is named on the line; an anonymous caller refused a field gets its code on the line', async () => {
    const token = await signUserToken({ userId: 'usr_alice' }, { secret: TEST_SECRETS.jwtSecret });
    const lineOf = async (headers: Record<string, string>) => {
      const response = await fetch(graph.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: 'query Who { me { id } }' }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      const lines = await linesOf(response.headers.get('x-request-id') ?? '');
      return { body, line: lines.find((l) => l.msg === 'graphql request') };
    };
    const user = await lineOf({ authorization: `Bearer ${token}` });
    expect(user.body.errors).toBeUndefined();
    expect(user.line).toMatchObject({ operation: 'Who', caller: 'user', userId: 'usr_alice', outcome: 'ok' });
    const anonymous = await lineOf({});
    const code = anonymous.body.errors?.[0]?.extensions?.code;
    expect(code).toBeDefined();
    expect(anonymous.line).toMatchObject({ operation: 'Who', caller: 'anonymous', codes: [code] });
    expect(anonymous.line?.userId).toBeUndefined();
  });
});

describe('refusals have their line and their count', () => {
  const refusals: [string, () => Promise<Response>, number, string][] = [
    [
      '401 bad credentials (the context throws)',
      () =>
        fetch(graph.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
          body: MERCHANT,
        }),
      401,
      'UNAUTHENTICATED',
    ],
    [
      '400 CSRF (Apollo refuses a GET without a preflight header)',
      () => fetch(`${graph.gateway.url}?query=${encodeURIComponent('{ __typename }')}`),
      400,
      'BAD_REQUEST',
    ],
    [
      '400 a body that is not JSON (lean path)',
      () => fetch(graph.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      400,
      'BAD_REQUEST',
    ],
    [
      '413 a body over 1 MiB (Express)',
      () =>
        fetch(graph.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(1024 * 1024)}` }),
        }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      '415 another media type',
      () => fetch(graph.gateway.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ];

  it.each(refusals)('%s', async (_, send, status, code) => {
    const before = await refusalCount(code);
    const response = await send();
    expect(response.status).toBe(status);
    const requestId = response.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(UUID);
    await response.text();
    const lines = (await linesOf(requestId)).filter((line) => line.msg === 'graphql request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status, codes: [code], outcome: 'refused', caller: 'unauthenticated' });
    expect(await refusalCount(code)).toBe(before + 1);
  });
});

describe('a 429 THROTTLED', () => {
  it('is its operation line with the code and the status, and counts as a refusal', async () => {
    const token = await signUserToken({ userId: 'usr_bob' }, { secret: TEST_SECRETS.jwtSecret });
    const before = await refusalCount('THROTTLED');
    let response: Response | undefined;
    for (let i = 0; i < 50; i++) {
      response = await fetch(graph.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: MERCHANT,
      });
      await response.text();
      if (response.status === 429) break;
    }
    expect(response?.status).toBe(429);
    const [line] = (await linesOf(response?.headers.get('x-request-id') ?? '')).filter(
      (l) => l.msg === 'graphql request',
    );
    expect(line).toMatchObject({
      operation: 'OneMerchant',
      caller: 'user',
      userId: 'usr_bob',
      status: 429,
      codes: ['THROTTLED'],
    });
    expect(await refusalCount('THROTTLED')).toBe(before + 1);
  });
});

/** `lifegraph_gateway_refusals_total` for one code, from the gateway's `/metrics`. */
async function refusalCount(code: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', graph.gateway.url))).text();
  const sample = text.split('\n').find((line) => line.startsWith(`lifegraph_gateway_refusals_total{code="${code}"}`));
  return sample ? Number(sample.slice(sample.lastIndexOf(' ') + 1)) : 0;
}
