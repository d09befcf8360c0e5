import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseOrigins } from '../../gateway/http/cors.ts';
import { useTestGraph } from '../support/graph.ts';
import { postBothWays } from '../support/lean-path.ts';

// The settings an operator sets on the gateway's HTTP side, checked over real HTTP against a whole graph.

const FRONTEND = 'https://app.example.com';

/** A CORS preflight for a POST from `origin`, as a browser sends it before calling the graph. */
function preflight(url: string, origin: string) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
}

/** LIFEGRAPH_CORS_ORIGINS as the gateway reads it at start, for the graphs of the enclosing describe. */
function withCorsOrigins(value: string) {
  beforeAll(() => {
    vi.stubEnv('LIFEGRAPH_CORS_ORIGINS', value);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
}

describe('CORS in production: only the origins in LIFEGRAPH_CORS_ORIGINS', () => {
  withCorsOrigins(` ${FRONTEND} , https://admin.example.com`);
  const graph = useTestGraph({ production: true, trustedDocuments: 'allow' });

  it('a preflight from a configured origin is allowed; from another (localhost included) it is refused', async () => {
    const allowed = await preflight(graph.gateway.url, FRONTEND);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(FRONTEND);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    for (const other of ['https://evil.example.com', 'http://localhost:3000', 'https://app.example.com.evil.io']) {
      const refused = await preflight(graph.gateway.url, other);
      expect(refused.headers.get('access-control-allow-origin'), other).toBeNull();
    }
  });

  it('the POST itself (lean path) admits the configured origin and not another', async () => {
    const post = (origin: string) =>
      fetch(graph.gateway.url, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    expect((await post(FRONTEND)).headers.get('access-control-allow-origin')).toBe(FRONTEND);
    expect((await post('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the page read the request id and the rate-limit headers, on the lean path and Express alike', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    for (const answer of await postBothWays(graph.gateway.url, body, { origin: FRONTEND })) {
      expect(answer.headers.get('access-control-expose-headers')).toBe(
        'x-request-id,ratelimit,ratelimit-policy,retry-after',
      );
      // Each exposed header is one the answer really carries (Retry-After only on a 429).
      expect([answer.headers.get('x-request-id'), answer.headers.get('ratelimit')]).toEqual([
        expect.any(String),
        expect.stringMatching(/^"cost";r=\d+;t=\d+$/),
      ]);
    }
  });
});

describe('CORS in development: Studio, any localhost port, and the configured origins', () => {
  withCorsOrigins(FRONTEND);
  const graph = useTestGraph();

  it.each([FRONTEND, 'https://studio.apollographql.com', 'http://localhost:3000', 'http://127.0.0.1:5173'])(
    'admits %s',
    async (origin) => {
      expect((await preflight(graph.gateway.url, origin)).headers.get('access-control-allow-origin')).toBe(origin);
    },
  );

  it.each(['https://evil.example.com', 'http://localhost.evil.io', 'https://localhost:3000'])(
    'refuses %s',
    async (origin) => {
      expect((await preflight(graph.gateway.url, origin)).headers.get('access-control-allow-origin')).toBeNull();
    },
  );
});

/** A raw answer (node:http does not decompress): status, headers and the bytes as they came over the wire. */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }>((resolve, reject) => {
    const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes: Buffer.concat(chunks) }),
      );
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A GraphQL POST on the lean path, accepting `encoding`. */
const post = (url: string, query: string, encoding?: string) =>
  rawRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(encoding ? { 'accept-encoding': encoding } : {}) },
    body: JSON.stringify({ query }),
  });

/** Over 1 KiB of JSON in development, where introspection is open. */
const LARGE = '{ __schema { types { name kind } } }';
const SMALL = '{ __typename }';

describe('response compression and headers', () => {
  const graph = useTestGraph();

  it.each([
    ['gzip', gunzipSync],
    ['br', brotliDecompressSync],
  ] as const)('a large answer goes out as %s when the client accepts it', async (encoding, decode) => {
    const answer = await post(graph.gateway.url, LARGE, `${encoding}, identity`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe(encoding);
    expect(answer.headers.vary?.toLowerCase()).toContain('accept-encoding');
    const body = JSON.parse(decode(answer.bytes).toString('utf8'));
    expect(body.data.__schema.types.length).toBeGreaterThan(20);
    expect(answer.bytes.length).toBeLessThan(decode(answer.bytes).length / 3);
  });

  it('a large answer stays plain for a client that accepts no compression', async () => {
    const answer = await post(graph.gateway.url, LARGE);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.bytes.toString('utf8')).data.__schema.types.length).toBeGreaterThan(20);
  });

  it('a small answer stays plain even when the client accepts gzip', async () => {
    const answer = await post(graph.gateway.url, SMALL, 'gzip, br');
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers.vary?.toLowerCase()).toContain('accept-encoding');
    expect(JSON.parse(answer.bytes.toString('utf8')).data).toEqual({ __typename: 'Query' });
  });

  it('Express answers (GET /metrics) are compressed alike', async () => {
    const origin = graph.gateway.url.replace('/graphql', '');
    const answer = await rawRequest(`${origin}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(answer.bytes).toString('utf8')).toContain('lifegraph_gateway_requests_total');
  });

  it('no answer says X-Powered-By, on either path', async () => {
    const origin = graph.gateway.url.replace('/graphql', '');
    const answers = [
      await post(graph.gateway.url, SMALL),
      await rawRequest(`${origin}/healthz`),
      await rawRequest(`${origin}/nowhere`),
      await rawRequest(graph.gateway.url, { headers: { accept: 'text/html' } }),
    ];
    for (const answer of answers) expect(answer.headers['x-powered-by']).toBeUndefined();
  });
});

describe('LIFEGRAPH_CORS_ORIGINS values', () => {
  it('reads a comma-separated list of origins', () => {
    expect(parseOrigins('https://a.example, http://localhost:3000,')).toEqual([
      'https://a.example',
      'http://localhost:3000',
    ]);
  });

  it.each(['app.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'ftp://x.example', '*'])(
    'refuses %s, naming the variable and what is allowed',
    (value) => {
      expect(() => parseOrigins(value)).toThrow(
        /^LIFEGRAPH_CORS_ORIGINS has ".*", which is not an origin: .*scheme:\/\/host\[:port\]/,
      );
    },
  );
});
