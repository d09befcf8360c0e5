import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { readIntegerEnv } from '../../subgraphs/contract/index.ts';
import type { GatewayContext } from '../context.ts';
import { isClientFacing } from './production.ts';

/** How many distinct operation names become metric labels by default; later ones count as `other`. */
export const DEFAULT_MAX_OPERATION_LABELS = 100;
/** Longer operation names are never admitted as labels (they count as `other`), nor logged whole. */
const MAX_OPERATION_NAME_LENGTH = 100;

/**
 * A label whose values come from clients, kept to a bounded set: the first `limit` distinct values seen are
 * admitted, every later one is reported as `other`, so no traffic can grow the series count past the bound.
 */
export class BoundedLabel {
  private readonly admitted = new Set<string>();

  constructor(private readonly limit: number) {}

  /** The label value to record for `value`. */
  of(value: string): string {
    if (this.admitted.has(value)) return value;
    if (this.admitted.size >= this.limit || value.length > MAX_OPERATION_NAME_LENGTH) return 'other';
    this.admitted.add(value);
    return value;
  }
}

/** Reads `LIFEGRAPH_METRICS_MAX_OPERATIONS` (default 100), failing fast on anything but a whole number. */
export function maxOperationLabelsFromEnv(): number {
  return readIntegerEnv('LIFEGRAPH_METRICS_MAX_OPERATIONS', { defaultValue: DEFAULT_MAX_OPERATION_LABELS, min: 0 });
}

/** Prometheus metrics of one gateway, served at `GET /metrics`. */
export function createMetrics(options: { maxOperationLabels?: number } = {}) {
  const registry = new Registry();
  // Every label is bounded: operation by BoundedLabel, caller by Identity['kind'], outcome by three values.
  const requests = new Counter({
    name: 'lifegraph_gateway_requests_total',
    help: 'GraphQL requests handled by the gateway, by operation name (the first N seen; then "other"), caller kind and outcome.',
    labelNames: ['operation', 'caller', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'lifegraph_gateway_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to sending its response.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const dedup = new Counter({
    name: 'lifegraph_dedup_total',
    help: 'Callers that shared work already in flight instead of starting their own, by kind (subgraph_fetch, request).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const operations = new BoundedLabel(options.maxOperationLabels ?? maxOperationLabelsFromEnv());
  const costPoints = new Counter({
    name: 'lifegraph_cost_points_total',
    help: 'Actual cost points spent (see extensions.cost), by caller kind.',
    labelNames: ['caller'] as const,
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'lifegraph_throttled_requests_total',
    help: 'Requests refused with 429 THROTTLED (their bucket or the money-mutation rate was spent), by caller kind.',
    labelNames: ['caller'] as const,
    registers: [registry],
  });
  const partnerRequests = new Counter({
    name: 'lifegraph_partner_requests_total',
    help: 'Requests of partner API keys, by key id (the first N keys seen; then "other") and outcome (ok, throttled).',
    labelNames: ['key_id', 'outcome'] as const,
    registers: [registry],
  });
  const partnerCostPoints = new Counter({
    name: 'lifegraph_partner_cost_points_total',
    help: 'Actual cost points spent by partner API keys, by key id (the first N keys seen; then "other").',
    labelNames: ['key_id'] as const,
    registers: [registry],
  });
  const rateLimitStoreFailures = new Counter({
    name: 'lifegraph_rate_limit_store_failures_total',
    help: 'Bucket takes Redis did not answer in time; each was decided by the gateway process alone.',
    registers: [registry],
  });
  // Key ids are bounded by the keys created, but a key store is not a metrics budget: the first N, then "other".
  const keyIds = new BoundedLabel(options.maxOperationLabels ?? maxOperationLabelsFromEnv());
  /** Counts what one request cost, and for partner keys which key spent it. */
  const countCost = (caller: { kind: string; keyId?: string }, outcome: 'ok' | 'throttled', cost: number) => {
    if (outcome === 'throttled') throttled.inc({ caller: caller.kind });
    if (cost > 0) costPoints.inc({ caller: caller.kind }, cost);
    if (!caller.keyId) return;
    const keyId = keyIds.of(caller.keyId);
    partnerRequests.inc({ key_id: keyId, outcome });
    if (cost > 0) partnerCostPoints.inc({ key_id: keyId }, cost);
  };
  return { registry, requests, duration, dedup, operations, rateLimitStoreFailures, countCost };
}
export type GatewayMetrics = ReturnType<typeof createMetrics>;

/** The error codes of a request without errors (never changed). */
const NO_CODES: readonly string[] = Object.freeze([]);
const NO_ERRORS: readonly GraphQLFormattedError[] = Object.freeze([]);

/** What a log line says about one original error: everything the masked client error leaves out. */
function describeError(error: GraphQLError) {
  const extensions = error.extensions ?? {};
  // An error a subgraph answered with carries the subgraph's own stack when it sent one (development).
  const upstream = (extensions.exception as { stacktrace?: unknown } | undefined)?.stacktrace ?? extensions.stacktrace;
  return {
    code: typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR',
    message: error.message,
    path: error.path,
    serviceName: extensions.serviceName,
    stack: Array.isArray(upstream) ? upstream.join('\n') : (error.originalError?.stack ?? error.stack),
  };
}

/**
 * One structured log line and one metric sample per request: operation name, caller kind (never the
 * identity itself), outcome (`ok`, `partial` with field errors, `error`), the error codes, and duration.
 * Every internal error is logged whole (message, stack, path) with the request id, which the client also
 * gets in the error's `extensions.requestId` and in the `x-request-id` response header.
 */
export function observability(metrics: GatewayMetrics, logger: Logger): ApolloServerPlugin<GatewayContext> {
  // The metric children of each label set seen (bounded as the labels are), so a request allocates no label object.
  const counted = new Map<string, { inc: () => void }>();
  const timed = new Map<string, { observe: (seconds: number) => void }>();
  const count = (operation: string, caller: string, outcome: string) => {
    const key = `${operation}\n${caller}\n${outcome}`;
    let child = counted.get(key);
    if (!child) {
      child = metrics.requests.labels({ operation, caller, outcome });
      counted.set(key, child);
    }
    child.inc();
  };
  const time = (operation: string, seconds: number) => {
    let child = timed.get(operation);
    if (!child) {
      child = metrics.duration.labels({ operation });
      timed.set(operation, child);
    }
    child.observe(seconds);
  };
  const didEncounterErrors: GraphQLRequestListener<GatewayContext>['didEncounterErrors'] = async ({
    errors,
    contextValue,
    operationName,
  }) => {
    for (const error of errors) {
      const details = describeError(error);
      const line = {
        requestId: contextValue.requestId,
        operation: operationName?.slice(0, MAX_OPERATION_NAME_LENGTH),
        ...details,
      };
      // Client-facing errors (bad input, refused fields) are the caller's business, not an incident.
      if (isClientFacing(details.code)) logger.debug(line, 'graphql client error');
      else logger.error(line, 'graphql error');
    }
  };
  return {
    // Building the context failed with something other than a credentials error (the key database cannot be
    // read, say): no request listener runs, so this is where it is logged, under a request id of its own.
    async contextCreationDidFail({ error }) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (typeof code === 'string' && isClientFacing(code)) return;
      const requestId = randomUUID();
      // Extensions of the original error are copied onto the GraphQL error the client gets (graphql-js does).
      Object.assign(error, { extensions: { ...(error as Partial<GraphQLError>).extensions, requestId } });
      logger.error(
        { requestId, code: 'INTERNAL_SERVER_ERROR', message: error.message, stack: error.stack },
        'graphql error',
      );
    },
    async requestDidStart({ request }) {
      const started = process.hrtime.bigint();
      return {
        didEncounterErrors,
        async willSendResponse({ response, contextValue, operation: resolved, operationName, errors }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const requestId = contextValue.requestId;
          response.http.headers.set('x-request-id', requestId);
          for (const error of body?.errors ?? NO_ERRORS) {
            const code = error.extensions?.code;
            if (typeof code !== 'string' || !isClientFacing(code)) {
              (error as { extensions: Record<string, unknown> }).extensions = { ...error.extensions, requestId };
            }
          }
          // Only a name that resolved to an operation of the document may become a label, within the bound;
          // a name sent with an unparsable or unresolvable document is arbitrary client text.
          const name = resolved?.name?.value;
          const operation = !resolved ? 'unresolved' : name ? metrics.operations.of(name) : 'anonymous';
          const sent = errors ?? body?.errors;
          const codes = sent?.length
            ? [...new Set(sent.map((e) => String(e.extensions?.code ?? 'UNKNOWN')))]
            : NO_CODES;
          const outcome = codes.length === 0 ? 'ok' : body?.data ? 'partial' : 'error';
          const caller = contextValue?.identity?.kind ?? 'unauthenticated';
          count(operation, caller, outcome);
          time(operation, seconds);
          logger.info(
            {
              requestId,
              operation: (operationName ?? request.operationName ?? 'anonymous').slice(0, MAX_OPERATION_NAME_LENGTH),
              caller,
              outcome,
              codes,
              status: response.http.status ?? 200,
              ms: Math.round(seconds * 1000),
            },
            'graphql request',
          );
        },
      };
    },
  };
}
