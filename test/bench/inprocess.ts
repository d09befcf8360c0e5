import { DEFAULT_RATE_LIMITS, MAX_BUCKET_POINTS, MAX_POINTS_PER_SECOND } from '../../gateway/rate-limit/settings.ts';
import { startTestGraph, type TestGraph } from '../support/graph.ts';
import { answerOf, type LoadResult, load, requestOf, round } from './load.ts';
import type { Operation, Settings } from './settings.ts';

/** `BENCH_MODE=inprocess`: one operation driven through the whole graph running in the benchmark's own process. */
export interface InProcessResult extends LoadResult {
  name: string;
  /** SQL statements of one request sent alone: exact, and the number to compare between commits. */
  sqlStatementsPerRequest: number;
  /** All statements during the load run divided by the requests sent: should match the exact number. */
  sqlStatementsPerRequestUnderLoad: number;
}

/** Boots the whole graph (four subgraphs and our gateway, real HTTP) in this process, seeded at `scale`. */
export function startInProcessGraph(scale: number): Promise<TestGraph> {
  // Buckets as large as they go: the load comes from one address and one user (see BENCH_RATE_LIMITS in compare.ts).
  const huge = { pointsPerSecond: MAX_POINTS_PER_SECOND, bucketPoints: MAX_BUCKET_POINTS };
  const rateLimits = { ...DEFAULT_RATE_LIMITS, buckets: { partner: huge, user: huge, anonymous: huge } };
  return startTestGraph({ scale, rateLimits });
}

async function requestFor(graph: TestGraph, op: Operation) {
  const token = op.as ? await graph.tokenFor({ user: op.as, expiresIn: '12h' }) : undefined;
  return requestOf(graph.gateway.url, op, token);
}

/**
 * The SQL statements (all subgraphs) of one request of `op` through our gateway, sent alone; throws if its answer
 * has errors. Subgraphs in processes of their own count nothing the benchmark can read: this is the exact count.
 */
export async function statementsOf(graph: TestGraph, op: Operation): Promise<number> {
  const request = await requestFor(graph, op);
  await settle(graph);
  const before = graph.statementCount();
  await answerOf(op.name, request);
  return graph.statementCount() - before;
}

/**
 * Waits until no SQL has run for a moment. autocannon resolves when its time is up, while the graph may still be
 * answering the last requests; their statements must not be counted for the next measurement.
 */
async function settle(graph: TestGraph) {
  let last = -1;
  while (graph.statementCount() !== last) {
    last = graph.statementCount();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Warms up, then drives `op` through the in-process graph and counts its statements under load. */
export async function measureInProcess(graph: TestGraph, op: Operation, settings: Settings): Promise<InProcessResult> {
  const request = await requestFor(graph, op);
  const sqlStatementsPerRequest = await statementsOf(graph, op);
  if (settings.warmupSeconds > 0) await load(request, settings, settings.warmupSeconds);
  await settle(graph);
  const before = graph.statementCount();
  const result = await load(request, settings, settings.durationSeconds);
  // Requests still in flight when the run ended are answered during settle(): divide by every request sent.
  await settle(graph);
  const statements = graph.statementCount() - before;
  return {
    name: op.name,
    ...result,
    sqlStatementsPerRequest,
    sqlStatementsPerRequestUnderLoad: result.sent ? round(statements / result.sent) : 0,
  };
}
