import type { IncomingMessage, ServerResponse } from 'node:http';
import compressible from 'compressible';
import compression from 'compression';
import onHeaders from 'on-headers';
import vary from 'vary';
import { readIntegerEnv } from '../../subgraphs/contract/index.ts';

export const COMPRESSION_THRESHOLD_ENV = 'LIFEGRAPH_COMPRESSION_THRESHOLD_BYTES';
/** Below about 1 KiB a compressed body saves less than its headers and the CPU cost it. */
export const DEFAULT_COMPRESSION_THRESHOLD_BYTES = 1024;

/** The smallest body compressed: `LIFEGRAPH_COMPRESSION_THRESHOLD_BYTES`, else 1 KiB; a bad value throws naming it. */
export function compressionThresholdFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return readIntegerEnv(COMPRESSION_THRESHOLD_ENV, { defaultValue: DEFAULT_COMPRESSION_THRESHOLD_BYTES, min: 0, env });
}

/** A handler in the connect style, which both node:http and Express call. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Response compression for both of the gateway's paths (Express, and the lean /graphql path on bare node:http):
 * the `compression` middleware, which works on any node response, so both answer alike. A JSON body of at least
 * `thresholdBytes` goes out as br or gzip when the client accepts one (brotli at quality 4, about gzip's cost),
 * and every compressible answer says `vary: accept-encoding`, so a cache keeps the two apart.
 */
export function responseCompression(thresholdBytes: number): Middleware {
  const compress = compression({ threshold: thresholdBytes }) as unknown as Middleware;
  return (req, res, next) => {
    if (req.headers['accept-encoding'] !== undefined) return compress(req, res, next);
    // A client that names no encoding gets none from the middleware (it negotiates `identity`), but it paid for
    // it on every answer: wrapped writes and a content negotiation were 3 % of the gateway's CPU under load.
    // Such an answer only gets the middleware's `vary`, on the same condition.
    onHeaders(res, () => {
      if (consideredForCompression(res)) vary(res, 'Accept-Encoding');
    });
    next();
  };
}

/** Whether the middleware considers the answer for compression (and so says `vary`): its own two checks. */
function consideredForCompression(res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  if (typeof type !== 'string' || !compressible(type)) return false;
  const cacheControl = res.getHeader('cache-control');
  return !cacheControl || !NO_TRANSFORM.test(String(cacheControl));
}

/** The middleware's test for `Cache-Control: no-transform`, which tells it to leave the body alone. */
const NO_TRANSFORM = /(?:^|,)\s*?no-transform\s*?(?:,|$)/i;
