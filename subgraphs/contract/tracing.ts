import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_GRAPHQL_OPERATION_NAME,
  ATTR_GRAPHQL_OPERATION_TYPE,
} from '@opentelemetry/semantic-conventions/incubating';

/**
 * Distributed tracing for every lifegraph process, with OpenTelemetry. Off unless a tracer provider is registered:
 * `startTracingFromEnv` registers one that exports over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, and tests register their own with `useTracerProvider`. While it
 * is off, the servers do not wrap their handlers, add their plugins or wrap SQL statements, so a request pays
 * nothing for it (the API's no-op tracer is not even called).
 */

/** The tracer every lifegraph span comes from (the service is told apart by the resource's `service.name`). */
export function tracer(): Tracer {
  return current;
}

// Taken again on each registration: `trace.disable()` replaces the API's proxy provider, and a tracer taken from
// the old one would never reach the new provider.
let current = trace.getTracer('lifegraph');

/** A registered provider: what `useTracerProvider` takes (NodeTracerProvider, BasicTracerProvider). */
interface TracerProviderHandle {
  register?(config?: object): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let registered: TracerProviderHandle | undefined;

/** Whether spans are recorded: a tracer provider is registered (see `useTracerProvider`). */
export function tracingEnabled(): boolean {
  return registered !== undefined;
}

/**
 * Makes `provider` the process's tracer provider, with the async-hooks context manager and the W3C trace context
 * propagator its `register()` installs; `undefined` turns tracing off again (tests). Register before the gateway
 * and subgraphs start: they decide once, when built, whether to trace.
 */
export function useTracerProvider(provider: TracerProviderHandle | undefined): void {
  // The API refuses a second global provider: the previous one (and its context manager) goes first.
  trace.disable();
  context.disable();
  propagation.disable();
  registered = provider;
  provider?.register?.();
  current = trace.getTracer('lifegraph');
}

/**
 * Starts exporting this process's spans over OTLP/HTTP when the standard OpenTelemetry variables ask for it
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; not when `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none`), as `serviceName` unless `OTEL_SERVICE_NAME` names it. The exporter reads its
 * own variables (headers, timeout, protocol); the provider reads the sampler's (`OTEL_TRACES_SAMPLER`). Does
 * nothing when a provider is already registered (a test's, or a second server in one process).
 */
export function startTracingFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): void {
  if (registered) return;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return;
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }))
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults above.
    .merge(detectResources({ detectors: [envDetector] }));
  useTracerProvider(
    new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] }),
  );
}

/** Sends the spans still batched (a stopping server calls it, so the last requests' spans are not lost). */
export async function flushTraces(): Promise<void> {
  await registered?.forceFlush().catch(() => {});
}

/** Paths whose requests get a span: GraphQL only, so health probes and scrapes make no traces. */
const TRACED_PATH = /^\/graphql(?:[/?]|$)/i;

/**
 * The server's request handler, with a SERVER span named `spanName` around each GraphQL request: it continues
 * the caller's W3C `traceparent` (or starts a trace) and is the active span while the request is handled, so
 * every span made for it (planning, fetches, SQL) is its child. `handler` itself when tracing is off.
 */
export function tracedRequests(
  spanName: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (!tracingEnabled()) return handler;
  return (req, res) => {
    const url = req.url ?? '/';
    if (!TRACED_PATH.test(url)) return handler(req, res);
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const path = url.split('?', 1)[0] as string;
    const span = current.startSpan(
      spanName,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method ?? 'GET', [ATTR_URL_PATH]: path } },
      parent,
    );
    res.once('close', () => {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    const active = trace.setSpan(parent, span);
    // Express's body parser goes on from the request's stream events, which run outside the handler's context.
    context.bind(active, req);
    context.with(active, () => handler(req, res));
  };
}

/**
 * Names the request's span after its operation (`graphql.operation.name` and `.type`) once Apollo has resolved
 * it, and marks it failed when the operation had errors. Listed only while tracing is on (`tracingPlugins`).
 */
function operationSpanNames<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const span = trace.getActiveSpan();
      if (!span) return;
      return {
        async didResolveOperation({ operationName, operation }) {
          if (operationName) span.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, operationName);
          if (operation) span.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, operation.operation);
        },
        async didEncounterErrors({ errors }) {
          span.setAttribute('graphql.error.count', errors.length);
          const code = errors[0]?.extensions?.code;
          if (typeof code === 'string') span.setAttribute('graphql.error.code', code);
        },
      };
    },
  };
}

/** The Apollo Server plugins tracing needs: none while it is off. */
export function tracingPlugins<TContext extends BaseContext>(): ApolloServerPlugin<TContext>[] {
  return tracingEnabled() ? [operationSpanNames<TContext>()] : [];
}

/** Marks `span` failed with `error`, and ends it. */
export function endWithError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}

/**
 * Runs `work` inside a span named `name`, a child of the active span, ended when `work` settles (failed when it
 * throws). Without an active span (no traced request), `work` runs alone: jobs and start-up make no traces.
 */
export function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  work: () => T,
  kind = SpanKind.INTERNAL,
): T {
  const active = context.active();
  if (!trace.getSpan(active)) return work();
  const span = current.startSpan(name, { attributes, kind }, active);
  let result: T;
  try {
    result = context.with(trace.setSpan(active, span), work);
  } catch (error) {
    endWithError(span, error);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        endWithError(span, error);
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** The active span's trace id, for log lines; undefined outside a traced request (and always while tracing is off). */
export function activeTraceId(): string | undefined {
  return trace.getActiveSpan()?.spanContext().traceId;
}

/** Marks the active span failed, with why (`error.type`, as the semantic conventions name it) and what happened. */
export function failActiveSpan(errorType: string, message: string): void {
  const span = trace.getActiveSpan();
  span?.setAttribute(ATTR_ERROR_TYPE, errorType);
  span?.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The `traceparent` (and `tracestate`) of the active span, added to a flat `[name, value, ...]` header list. */
export function injectTraceHeaders(headers: string[]): void {
  propagation.inject(context.active(), headers, FLAT_HEADERS);
}

/** Writes propagation headers into a flat `[name, value, ...]` list, as the gateway's fetcher sends them. */
const FLAT_HEADERS = {
  set(carrier: string[], key: string, value: string) {
    carrier.push(key, value);
  },
};
