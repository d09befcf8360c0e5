import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseOrigins } from '../../gateway/http/cors.ts';
import { useTestGraph } from '../support/graph.ts';

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
