/**
 * The slice of autocannon (https://github.com/mcollina/autocannon) the benchmark uses. It is loaded lazily, so the
 * typecheck and `npm test` do not depend on a tool only `npm run bench` needs, and a missing install says what to do.
 */
export interface LoadOptions {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Worker threads firing the requests; 0 fires them from this thread. */
  workers?: number;
}

/** What autocannon reports for one run (latencies in ms). */
export interface LoadResult {
  /** `average` per second; `total` answered; `sent` includes those still in flight when the time was up. */
  requests: { average: number; total: number; sent: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

type Autocannon = (options: LoadOptions) => Promise<LoadResult>;

/** Imports autocannon, failing with the install command when it is missing. */
export async function loadAutocannon(): Promise<Autocannon> {
  // A variable specifier keeps TypeScript from resolving the package at typecheck time.
  const specifier = 'autocannon';
  try {
    const module = (await import(specifier)) as { default: Autocannon };
    return module.default;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error('The benchmark needs autocannon: npm install --save-dev autocannon@9.0.0');
  }
}
