import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import type { GatewayContext } from '../signed-data-source.ts';

/** Prometheus metrics of one gateway, served at `GET /metrics`. */
export function createMetrics() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'lifegraph_gateway_requests_total',
    help: 'GraphQL requests handled by the gateway, by operation name, caller kind and outcome.',
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
  return { registry, requests, duration };
}
export type GatewayMetrics = ReturnType<typeof createMetrics>;

/**
 * One structured log line and one metric sample per request: operation name, caller kind (never the
 * identity itself), outcome (`ok`, `partial` with field errors, `error`), the error codes, and duration.
 */
export function observability(metrics: GatewayMetrics, logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, contextValue, operationName, errors }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const operation = operationName ?? request.operationName ?? 'anonymous';
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const codes = [
            ...new Set((errors ?? body?.errors ?? []).map((e) => String(e.extensions?.code ?? 'UNKNOWN'))),
          ];
          const outcome = codes.length === 0 ? 'ok' : body?.data ? 'partial' : 'error';
          const caller = contextValue?.identity?.kind ?? 'unauthenticated';
          metrics.requests.inc({ operation, caller, outcome });
          metrics.duration.observe({ operation }, seconds);
          logger.info(
            { operation, caller, outcome, codes, status: response.http.status ?? 200, ms: Math.round(seconds * 1000) },
            'graphql request',
          );
        },
      };
    },
  };
}
