import autocannon from 'autocannon';
import type { GraphQLResponseBody } from '../support/graph.ts';
import type { Operation, Settings } from './settings.ts';

/** The HTTP request of an operation, as autocannon fires it. */
export interface LoadRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/** The request a client sends for `op` to `url`, with `token` as its bearer token when the operation has a user. */
export function requestOf(url: string, op: Operation, token?: string): LoadRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (op.as) {
    if (!token) throw new Error(`${op.name} is sent as ${op.as}, but no token was given`);
    headers.authorization = `Bearer ${token}`;
  }
  return { url, method: 'POST', headers, body: JSON.stringify({ query: op.query, variables: op.variables }) };
}

/** Sends the request once and returns its data; throws if the answer is not a 200 without errors. */
export async function answerOf(name: string, request: LoadRequest): Promise<{ data: unknown; bytes: number }> {
  const response = await fetch(request.url, request);
  const text = await response.text();
  let body: GraphQLResponseBody;
  try {
    body = JSON.parse(text) as GraphQLResponseBody;
  } catch {
    throw new Error(`${name} answered HTTP ${response.status} with no JSON: ${text.slice(0, 200)}`);
  }
  if (response.status !== 200 || body.errors) {
    const detail = body.errors?.map((e) => e.message).join('; ') ?? '';
    throw new Error(`${name} answered HTTP ${response.status} ${detail}: benchmarking errors would mean nothing`);
  }
  return { data: body.data, bytes: Buffer.byteLength(text) };
}

/** What one autocannon run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number };
  /** Responses received. */
  requests: number;
  /** Requests sent, answered or not when the time was up. */
  sent: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Fires `request` with the benchmark's connections for `seconds` (from worker threads if `settings.workers`). */
export async function load(request: LoadRequest, settings: Settings, seconds: number): Promise<LoadResult> {
  return summary(
    await autocannon({
      ...request,
      connections: settings.connections,
      workers: settings.workers || undefined,
      duration: seconds,
      // A function cannot reach autocannon's worker threads.
      ...(settings.workers ? {} : { setupClient: clientPerConnection(request) }),
    }),
  );
}

/**
 * Gives each connection a client address of its own (`x-forwarded-for`, which our gateway reads with
 * LIFEGRAPH_TRUSTED_PROXIES=1 as the benchmark starts it; the baseline ignores it), so that an anonymous operation
 * has a rate-limit bucket per connection: one bucket at the largest setting (10 000 000 points, 100 000 a second)
 * runs dry within seconds at the thousands of requests per second BENCH_SUBGRAPHS=replay reaches.
 */
function clientPerConnection(request: LoadRequest): (client: autocannon.Client) => void {
  let connection = 0;
  return (client) => {
    connection++;
    client.setHeaders({ ...request.headers, 'x-forwarded-for': `198.51.100.${connection % 254 || 254}` });
  };
}

/** What `sample` read at both ends of a steady window of a load run, and the responses received in between. */
export interface LoadWindow<T> {
  start: T;
  end: T;
  responses: number;
  milliseconds: number;
}

/** The share of a run cut off at each end of its window: connections opening, and the last requests in flight. */
const WINDOW_MARGIN = 0.1;

/**
 * Fires `request` from this thread for `seconds`, calling `sample` (a reading of CPU time) at both ends of a steady
 * window: the run without its first and last tenth. Every connection has a request in flight at both ends, so
 * the work done in the window is the work of the responses received in it.
 */
export async function loadWithWindow<T>(
  request: LoadRequest,
  settings: Settings,
  seconds: number,
  sample: () => T,
): Promise<{ result: LoadResult; window: LoadWindow<T> }> {
  let responses = 0;
  const running = autocannon({
    ...request,
    connections: settings.connections,
    duration: seconds,
    ...(settings.rate > 0 ? { overallRate: settings.rate } : {}),
    setupClient: clientPerConnection(request),
    // Every measured answer is checked: a 200 with GraphQL errors (a timeout, a subgraph refusing under load)
    // is cheaper than the real answer and would flatter the numbers. A substring test keeps the client cheap.
    verifyBody: (body) => body !== undefined && !body.includes('"errors":'),
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  running.on('response', () => {
    responses++;
  });
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const margin = seconds * 1000 * WINDOW_MARGIN;
  const window = (async (): Promise<LoadWindow<T>> => {
    await wait(margin);
    const [start, startedAt, before] = [sample(), performance.now(), responses];
    await wait(seconds * 1000 - 2 * margin);
    return { start, end: sample(), responses: responses - before, milliseconds: performance.now() - startedAt };
  })();
  const result = summary(await running);
  return { result, window: await window };
}

function summary(result: autocannon.Result): LoadResult {
  return {
    requestsPerSecond: round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: round(result.latency.average) },
    requests: result.requests.total,
    sent: result.requests.sent,
    non2xx: result.non2xx,
    // Answers with GraphQL errors (see loadWithWindow) count as failed requests.
    errors: result.errors + (result.mismatches ?? 0),
    timeouts: result.timeouts,
  };
}

/** Rounds to two decimals, for the report. */
export const round = (n: number) => Math.round(n * 100) / 100;

/** Whether any request of the run failed: its numbers are then not comparable. */
export const failed = (r: LoadResult) => r.non2xx + r.errors + r.timeouts > 0;
