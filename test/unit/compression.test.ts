import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import compression from 'compression';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Middleware, responseCompression } from '../../gateway/http/compression.ts';

// The gateway skips the compression middleware for a client that names no encoding (it would negotiate
// `identity` anyway): such answers must carry exactly the headers the middleware gives them.

/** What a handler answers, by path: content type, cache-control, body size, and whether headers are set by writeHead. */
const ANSWERS: Record<string, { type?: string; cacheControl?: string; bytes: number; writeHead?: boolean }> = {
  '/json-large': { type: 'application/json; charset=utf-8', bytes: 4096 },
  '/json-small': { type: 'application/graphql-response+json; charset=utf-8', bytes: 10 },
  '/no-transform': { type: 'application/json', cacheControl: 'private, No-Transform', bytes: 4096 },
  '/image': { type: 'image/png', bytes: 4096 },
  '/no-type': { bytes: 4096 },
  '/write-head': { type: 'application/json', bytes: 4096, writeHead: true },
};

function serve(middleware: Middleware): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    middleware(req, res, () => {
      const answer = ANSWERS[req.url ?? ''] ?? { bytes: 0 };
      res.setHeader('vary', 'Origin');
      const body = 'x'.repeat(answer.bytes);
      const headers: Record<string, string> = {};
      if (answer.type) headers['content-type'] = answer.type;
      if (answer.cacheControl) headers['cache-control'] = answer.cacheControl;
      if (answer.writeHead) res.writeHead(200, headers);
      else for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Status, the headers compression decides on, and the body as received (decoded when compressed). */
function get(server: http.Server, path: string, acceptEncoding?: string) {
  const { port } = server.address() as AddressInfo;
  return new Promise<{ status?: number; vary?: string; encoding?: string; body: string }>((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    http
      .get({ host: '127.0.0.1', port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const body =
            encoding === 'gzip' ? zlib.gunzipSync(raw) : encoding === 'br' ? zlib.brotliDecompressSync(raw) : raw;
          resolve({ status: res.statusCode, vary: res.headers.vary, encoding, body: body.toString() });
        });
      })
      .on('error', reject);
  });
}

describe('response compression', () => {
  let ours: http.Server;
  let middleware: http.Server;
  beforeAll(async () => {
    ours = await serve(responseCompression(1024));
    middleware = await serve(compression({ threshold: 1024 }) as unknown as Middleware);
  });
  afterAll(() => {
    ours.close();
    middleware.close();
  });

  it.each(Object.keys(ANSWERS))(
    'answers %s without accept-encoding as the compression middleware does',
    async (path) => {
      const [a, b] = await Promise.all([get(ours, path), get(middleware, path)]);
      expect(a).toEqual(b);
      expect(a.encoding).toBeUndefined();
    },
  );

  it('says vary: Accept-Encoding on a compressible answer to a client that names no encoding', async () => {
    expect((await get(ours, '/json-small')).vary).toBe('Origin, Accept-Encoding');
    expect((await get(ours, '/image')).vary).toBe('Origin');
    expect((await get(ours, '/no-transform')).vary).toBe('Origin');
  });

  it('still compresses for a client that accepts an encoding, and only from the threshold', async () => {
    expect(await get(ours, '/json-large', 'gzip')).toMatchObject({ encoding: 'gzip', body: 'x'.repeat(4096) });
    expect(await get(ours, '/json-large', 'br, gzip')).toMatchObject({
      encoding: 'br',
      vary: 'Origin, Accept-Encoding',
    });
    expect((await get(ours, '/json-small', 'gzip')).encoding).toBeUndefined();
    expect((await get(ours, '/json-large', 'identity')).encoding).toBeUndefined();
  });
});
