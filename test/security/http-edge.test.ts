import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonErrorHandler, MAX_BODY_BYTES } from '../../subgraphs/contract/http.ts';
import { useTestGraph } from '../support/graph.ts';

// Whatever a client sends, the answer is GraphQL JSON with the right status: never Express's HTML page, never a
// stack trace or a file path, never a subgraph's internal URL, and nothing reaches a subgraph.

interface Probe {
  name: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sent as this user (a bearer token), so authorization is not what refuses it. */
  as?: string;
  status: number;
  code: string;
  message?: RegExp;
  allow?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const post = (body: unknown) => JSON.stringify(body);
/** Reads a subgraph's database: a probe that wrongly got through would move `statementCount()`. */
const DATA = '{ merchant(id: "mer_kfc") { id } }';
const big = post({ query: DATA, variables: { padding: 'x'.repeat(MAX_BODY_BYTES + 100_000) } });

/** Apollo Server's own words for a body without keys. */
const NO_KEYS =
  /^The request carries no operation: POST a JSON object such as .+ with content-type: application\/json\.$/;

const PROBES: Probe[] = [
  { name: 'malformed JSON', body: '{"query": ', status: 400, code: 'BAD_REQUEST', message: /not valid JSON.*"query"/ },
  { name: 'a null body', body: 'null', status: 400, code: 'BAD_REQUEST', message: /must be a JSON object/ },
  { name: 'a string body', body: '"x"', status: 400, code: 'BAD_REQUEST', message: /must be a JSON object/ },
  { name: 'a number body', body: '42', status: 400, code: 'BAD_REQUEST', message: /must be a JSON object/ },
  {
    name: 'an empty array',
    body: '[]',
    status: 400,
    code: 'BAD_REQUEST',
    message: /^Operation batching is off: send one operation per request, .+, not an array\.$/,
  },
  { name: 'an empty object', body: '{}', status: 400, code: 'BAD_REQUEST', message: NO_KEYS },
  {
    name: 'charset latin1',
    headers: { 'content-type': 'application/json; charset=latin1' },
    body: post({ query: DATA }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: /send the body as UTF-8/,
  },
  {
    name: 'UTF-8 bytes sent as charset utf-16',
    headers: { 'content-type': 'application/json; charset=utf-16' },
    body: post({ query: DATA }),
    status: 400,
    code: 'BAD_REQUEST',
    message: /not valid JSON: send a UTF-8 JSON object/,
  },
  {
    name: 'an unknown content-encoding',
    headers: { ...JSON_TYPE, 'content-encoding': 'zstd-nope' },
    body: post({ query: DATA }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: /uncompressed, or as gzip/,
  },
  {
    name: 'a corrupt gzip body',
    headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
    body: post({ query: DATA }),
    status: 400,
    code: 'BAD_REQUEST',
    message: /could not be read/,
  },
  {
    name: 'a text/plain body (what a cross-site form can send)',
    headers: { 'content-type': 'text/plain' },
    body: post({ query: 'mutation { likePost(postId: "pst_1") { userErrors { code } } }' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: /send .* with content-type: application\/json/,
  },
  {
    name: 'an XML body',
    headers: { 'content-type': 'application/xml', 'apollo-require-preflight': 'true' },
    body: '<query/>',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: /application\/xml body is not read here: send .* with content-type: application\/json\.$/,
  },
  { name: 'a 1.1 MB body', body: big, status: 413, code: 'PAYLOAD_TOO_LARGE', message: /limit of 1048576 bytes/ },
  {
    name: 'a small gzip body that inflates past the limit',
    headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
    body: gzipSync(big),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: /limit of 1048576 bytes .*: send a smaller operation or split it/,
  },
  {
    name: 'an unknown operationName',
    body: post({ query: `query A ${DATA}`, operationName: 'B' }),
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
    message: /no operation named "B" \(it defines: A\): set operationName/,
  },
  {
    name: 'two named operations and no operationName',
    body: post({ query: `query A ${DATA} query B ${DATA}` }),
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
    message: /several operations \(A, B\): set operationName/,
  },
  {
    name: 'two anonymous operations',
    body: post({ query: `${DATA} ${DATA}` }),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /anonymous operation must be the only defined operation/,
  },
  {
    name: 'a subscription',
    body: post({ query: 'subscription { liveStreamUpdated(id: "lvs_kfc_1") { id } }' }),
    status: 400,
    code: 'BAD_REQUEST',
    message: /not served over HTTP.*WebSocket \(graphql-transport-ws\) and Server-Sent Events/,
  },
  {
    name: 'a bad SafeInt variable',
    body: post({
      query: 'mutation($input: RepayIouInput!) { repayIou(input: $input) { userErrors { code } } }',
      variables: { input: { iouId: 'iou_bob_alice', amountFen: 2 ** 60, idempotencyKey: 'edge' } },
    }),
    as: 'usr_alice',
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /"\$input".*"input\.amountFen"/,
  },
  ...['PUT', 'DELETE', 'PATCH'].map((method) => ({
    name: `${method} /graphql`,
    method,
    body: method === 'DELETE' ? undefined : post({ query: DATA }),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    message: new RegExp(`^${method} is not allowed on /graphql: use GET, POST\\.$`),
    allow: 'GET, POST',
  })),
  {
    name: 'a mutation over GET',
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent('mutation { likePost(postId: "pst_1") { userErrors { code } } }')}`,
    headers: { 'apollo-require-preflight': 'true' },
    status: 405,
    code: 'BAD_REQUEST',
    message: /^GET requests only run queries: send this mutation as a POST with content-type: application\/json\.$/,
    allow: 'POST',
  },
  {
    name: 'POST /healthz',
    method: 'POST',
    path: '/healthz',
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    message: /^POST is not allowed on \/healthz: use GET\.$/,
    allow: 'GET',
  },
  {
    name: 'GET of an unknown path',
    method: 'GET',
    path: '/wp-admin',
    status: 404,
    code: 'NOT_FOUND',
    // /metrics is not served on the public port in production (LIFEGRAPH_PUBLIC_METRICS, see admin-port.test.ts).
    message: /^Nothing is served at GET \/wp-admin: use \/graphql, \/healthz, \/readyz(, \/metrics)?\.$/,
  },
  {
    name: 'POST to an unknown path',
    path: '/v2/graphql',
    body: '{}',
    status: 404,
    code: 'NOT_FOUND',
    message: /^Nothing is served at POST \/v2\/graphql: use \/graphql/,
  },
];

/** Asserts the shape every refusal shares and returns the parsed body. */
async function expectGraphQLError(response: Response, probe: Probe) {
  const text = await response.text();
  expect(response.status, text).toBe(probe.status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
  expect(body.data ?? null).toBeNull();
  expect(body.errors?.length).toBeGreaterThan(0);
  expect(body.errors?.[0]?.extensions?.code).toBe(probe.code);
  if (probe.message) expect(body.errors?.[0]?.message).toMatch(probe.message);
  if (probe.allow) expect(response.headers.get('allow')).toBe(probe.allow);
  expect(text).not.toMatch(/stacktrace|\/work\/|node_modules|\.ts:\d|<html|127\.0\.0\.1|localhost/i);
  return body;
}

describe.each([
  { mode: 'development', production: false },
  { mode: 'production', production: true },
])('the gateway in $mode', ({ production }) => {
  // The probes' operations must reach what they probe; trusted-documents.test.ts covers the enforcing production default.
  const graph = useTestGraph({ production, trustedDocuments: 'allow' });
  let origin: string;
  beforeAll(() => {
    origin = new URL(graph.gateway.url).origin;
  });

  it.each(PROBES)('$name: $status $code, as JSON, and no subgraph is called', async (probe) => {
    const headers: Record<string, string> = { ...(probe.body !== undefined ? JSON_TYPE : {}), ...probe.headers };
    if (probe.as) headers.authorization = `Bearer ${await graph.tokenFor(probe.as)}`;
    const before = graph.statementCount();
    const response = await fetch(`${origin}${probe.path ?? '/graphql'}`, {
      method: probe.method ?? 'POST',
      headers,
      body: probe.body,
    });
    await expectGraphQLError(response, probe);
    expect(graph.statementCount()).toBe(before);
  });

  it('still serves a good request after all of them', async () => {
    const { status, body } = await graph.query('{ merchant(id: "mer_kfc") { id } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { merchant: { id: 'mer_kfc' } } });
  });

  it('a subgraph answers its own bad bodies and paths as JSON too', async () => {
    const subgraph = new URL(graph.subgraphs.offers.url).origin;
    const send = (path: string, body: string | undefined, method = 'POST') =>
      fetch(`${subgraph}${path}`, { method, headers: JSON_TYPE, body });
    await expectGraphQLError(await send('/graphql', '{"query": '), { name: '', status: 400, code: 'BAD_REQUEST' });
    await expectGraphQLError(await send('/graphql', big), { name: '', status: 413, code: 'PAYLOAD_TOO_LARGE' });
    await expectGraphQLError(await send('/graphql', undefined, 'DELETE'), {
      name: '',
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      allow: 'GET, POST',
    });
    await expectGraphQLError(await send('/nope', '{}'), { name: '', status: 404, code: 'NOT_FOUND' });
  });
});

describe('the final error handler', () => {
  /** An Express app whose `/boom` throws, optionally after an earlier handler set `x-request-id`. */
  async function boomingApp(presetRequestId?: string) {
    const logged: { error: unknown; requestId: string }[] = [];
    const app = express();
    app.get('/boom', (_req, res) => {
      if (presetRequestId) res.set('x-request-id', presetRequestId);
      throw new Error('database at /work/secret.sqlite is gone');
    });
    app.use(jsonErrorHandler((error, requestId) => logged.push({ error, requestId })));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return {
      logged,
      boom: () => fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`),
      close: () => new Promise((resolve) => server.close(resolve)),
    };
  }

  it('answers an unexpected error with a JSON 500 that says nothing about it, and logs it under the requestId it returns', async () => {
    const app = await boomingApp();
    try {
      const first = await app.boom();
      const body = (await expectGraphQLError(first, { name: '', status: 500, code: 'INTERNAL_SERVER_ERROR' })) as {
        errors: { message: string; extensions: { requestId?: string } }[];
      };
      expect(body.errors[0]?.message).toMatch(/logged under the requestId in this error's extensions: quote it/);
      const requestId = body.errors[0]?.extensions.requestId;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(first.headers.get('x-request-id')).toBe(requestId);
      expect(app.logged).toHaveLength(1);
      expect(String(app.logged[0]?.error)).toMatch(/secret\.sqlite/);
      expect(app.logged[0]?.requestId).toBe(requestId);
      // One id per request.
      const second = await app.boom();
      expect(second.headers.get('x-request-id')).not.toBe(requestId);
      expect(app.logged[1]?.requestId).toBe(second.headers.get('x-request-id'));
    } finally {
      await app.close();
    }
  });

  it('keeps the request id already set on the response', async () => {
    const app = await boomingApp('5f0c1d2e-0000-4000-8000-000000000001');
    try {
      const response = await app.boom();
      const body = (await expectGraphQLError(response, { name: '', status: 500, code: 'INTERNAL_SERVER_ERROR' })) as {
        errors: { extensions: { requestId?: string } }[];
      };
      expect(body.errors[0]?.extensions.requestId).toBe('5f0c1d2e-0000-4000-8000-000000000001');
      expect(response.headers.get('x-request-id')).toBe('5f0c1d2e-0000-4000-8000-000000000001');
      expect(app.logged[0]?.requestId).toBe('5f0c1d2e-0000-4000-8000-000000000001');
    } finally {
      await app.close();
    }
  });
});
