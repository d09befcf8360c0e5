import { type Logger, pino } from 'pino';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { type LineWriter, logFields } from '../contract/request-log.ts';
import type { SubgraphName } from '../contract/settings.ts';

/** Log lines are written in batches of this many bytes, or after LOG_FLUSH_MS at the latest (as the gateway's). */
const LOG_BATCH_BYTES = 12_288;
const LOG_FLUSH_MS = 1000;

/**
 * A subgraph's request logger: `given` (tests pass one writing to memory) or pino at `LOG_LEVEL` (default info)
 * on stderr (stdout carries only a command's result), batched as the gateway's is; every line names the subgraph.
 * `flush` writes what is still buffered.
 */
export function subgraphLogger(name: SubgraphName, given?: Logger): { logger: Logger; flush(): Promise<void> } {
  if (given) return { logger: given.child({ subgraph: name }), flush: async () => {} };
  const destination = pino.destination({
    dest: 2,
    sync: false,
    minLength: LOG_BATCH_BYTES,
    periodicFlush: LOG_FLUSH_MS,
  });
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { subgraph: name } }, destination);
  const flush = () =>
    new Promise<void>((resolve) => {
      // Resolves after 2 s at the latest, should stdout never drain.
      const timer = setTimeout(resolve, 2000);
      destination.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  return { logger, flush };
}

/**
 * A subgraph's metrics, served at its `GET /metrics`: process and Node metrics, and its requests by caller kind and
 * outcome with their latency. No operation label: the gateway names a subgraph's operations after the client's.
 */
export function subgraphMetrics(name: SubgraphName) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'lifegraph_subgraph_requests_total',
    help: 'Requests a subgraph answered, by subgraph, caller kind (of the identity the gateway signed) and outcome (ok, partial, error, refused, client_closed).',
    labelNames: ['subgraph', 'caller', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'lifegraph_subgraph_request_duration_seconds',
    help: 'Time from receiving a subgraph request to sending its response.',
    labelNames: ['subgraph'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }).labels({ subgraph: name });
  return { registry, requests, duration };
}

/** Paths whose successful answers are neither logged nor counted (probes, scrapes and event pulls, many a minute). */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/events']);

/** Writes and counts each finished request's line (see contract/request-log.ts), as the gateway does. */
export function subgraphLineWriter(
  name: SubgraphName,
  metrics: ReturnType<typeof subgraphMetrics>,
  logger: Logger,
): LineWriter {
  return (line, status, ms, finished) => {
    if (finished && status < 400 && QUIET_PATHS.has(line.path)) return;
    const fields = logFields(line, status, ms, finished);
    metrics.requests.inc({ subgraph: name, caller: fields.caller, outcome: fields.outcome });
    metrics.duration.observe(ms / 1000);
    if (status >= 500 || line.internalErrors) logger.error(fields, 'subgraph request');
    else logger.info(fields, 'subgraph request');
  };
}
