import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';
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
  return compression({ threshold: thresholdBytes }) as unknown as Middleware;
}
