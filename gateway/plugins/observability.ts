import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import {
  codesOf,
  describeOnLine,
  type LineWriter,
  logFields,
  readIntegerEnv,
  requestLineOfContext,
  requestLineOfError,
} from '../../subgraphs/contract/index.ts';
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
  // Process and Node metrics (CPU, memory, heap, event loop lag, GC, handles), as every lifegraph process serves.
  collectDefaultMetrics({ register: registry });
  // Every label is bounded: operation by BoundedLabel, caller by Identity['kind'], outcome by three values.
  const requests = new Counter({
    name: 'lifegraph_gateway_requests_total',
    help: 'GraphQL requests handled by the gateway, by operation name (the first N seen; then "other"; "none" when refused before GraphQL ran), caller kind and outcome (ok, partial, error, refused, client_closed).',
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
  const refusals = new Counter({
    name: 'lifegraph_gateway_refusals_total',
    help: 'Requests answered 4xx, on any path, by error code (UNAUTHENTICATED, BAD_REQUEST for CSRF or a bad body, PAYLOAD_TOO_LARGE, THROTTLED, ...; the first 50 codes seen, then "other").',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  // Codes come from the gateway's own errors, but subgraph codes pass through: bounded all the same.
  const refusalCodes = new BoundedLabel(50);
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
  return {
    registry,
    requests,
    duration,
    dedup,
    operations,
    refusals,
    refusalCodes,
    rateLimitStoreFailures,
    countCost,
  };
}
export type GatewayMetrics = ReturnType<typeof createMetrics>;

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
 * Writes each finished request's line (see subgraphs/contract/request-log.ts) and counts it: every `/graphql`
 * request, refusals that never reached Apollo included (401 from the context, CSRF, 413, 415, a body that is
 * not JSON), is one `graphql request` line and one `requests_total` sample; other paths get an `http request`
 * line only when refused or failed. A `/graphql` answer Apollo never ran that is not a refusal (the landing page,
 * an answer shared from another caller's execution, which counts where it ran) is logged but not counted.
 */
export function requestLineWriter(metrics: GatewayMetrics, logger: Logger): LineWriter {
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
  return (line, status, ms, finished) => {
    const graphql = GRAPHQL_PATH.test(line.path);
    if (status >= 400 && status < 500)
      metrics.refusals.inc({ code: metrics.refusalCodes.of(codesOf(line, status)[0] ?? 'BAD_REQUEST') });
    if (!graphql && status < 400 && finished) return;
    const fields = logFields(line, status, ms, finished);
    if (graphql && (line.graphql || status >= 400 || !finished)) {
      const operation = line.operationLabel ?? 'none';
      count(operation, fields.caller, fields.outcome);
      time(operation, ms / 1000);
    }
    const message = graphql ? 'graphql request' : 'http request';
    if (status >= 500 || line.internalErrors) logger.error(fields, message);
    else logger.info(fields, message);
  };
}

/** The paths Express's `app.use('/graphql')` takes (as lean-graphql.ts matches them). */
const GRAPHQL_PATH = /^\/graphql(?:\/|$)/i;

/**
 * Fills in each request's line (operation, hash, caller, outcome, codes, internal messages; the line writer
 * writes and counts it) and logs every internal error whole (message, stack, path) with the request id, which the
 * client also gets in the error's `extensions.requestId` and in the `x-request-id` response header.
 */
export function observability(metrics: GatewayMetrics, logger: Logger): ApolloServerPlugin<GatewayContext> {
  const write = requestLineWriter(metrics, logger);
  const didEncounterErrors: GraphQLRequestListener<GatewayContext>['didEncounterErrors'] = async ({
    errors,
    contextValue,
    operationName,
  }) => {
    const debugging = logger.isLevelEnabled('debug');
    for (const error of errors) {
      // A client-facing error is only logged at debug level: skip describing it (its stack is source-mapped, dear
      // when a partial answer carries 100 errors) when nothing would be written.
      if (!debugging && isClientFacing(error.extensions?.code as string | undefined)) continue;
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
  const isInternal = (code: string | undefined) => !isClientFacing(code);
  return {
    // Building the context failed with something other than a credentials error (the key database cannot be
    // read, say): no request listener runs, so this is where it is logged, under the request's id.
    async contextCreationDidFail({ error }) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (typeof code === 'string' && isClientFacing(code)) return;
      const requestLine = requestLineOfError(error);
      const requestId = requestLine?.requestId ?? randomUUID();
      if (requestLine) requestLine.internalErrors = [error.message];
      // Extensions of the original error are copied onto the GraphQL error the client gets (graphql-js does).
      Object.assign(error, { extensions: { ...(error as Partial<GraphQLError>).extensions, requestId } });
      logger.error(
        { requestId, code: 'INTERNAL_SERVER_ERROR', message: error.message, stack: error.stack },
        'graphql error',
      );
    },
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        didEncounterErrors,
        async willSendResponse(request) {
          const { response, contextValue, operation: resolved } = request;
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const requestId = contextValue.requestId;
          for (const error of body?.errors ?? NO_ERRORS) {
            const code = error.extensions?.code;
            if (typeof code !== 'string' || !isClientFacing(code)) {
              (error as { extensions: Record<string, unknown> }).extensions = { ...error.extensions, requestId };
            }
          }
          // An execution with no request line of its own (one not started by an HTTP request) gets a line of its own.
          const line = requestLineOfContext(contextValue) ?? { requestId, method: 'POST', path: '/graphql' };
          describeOnLine(line, request, isInternal);
          // Only a name that resolved to an operation of the document may become a label, within the bound;
          // a name sent with an unparsable or unresolvable document is arbitrary client text.
          const name = resolved?.name?.value;
          line.operationLabel = !resolved ? 'unresolved' : name ? metrics.operations.of(name) : 'anonymous';
          if (!requestLineOfContext(contextValue)) {
            write(line, response.http.status ?? 200, Number(process.hrtime.bigint() - started) / 1e6, true);
          }
        },
      };
    },
  };
}
