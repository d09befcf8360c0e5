import { context, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startTracingFromEnv,
  tracedRequests,
  tracingEnabled,
  useTracerProvider,
} from '../../subgraphs/contract/tracing.ts';

afterEach(() => useTracerProvider(undefined));

describe('tracing settings', () => {
  it('is off without an OTLP endpoint: no provider, and handlers are left as they are', () => {
    startTracingFromEnv('lifegraph-test', {});
    expect(tracingEnabled()).toBe(false);
    const handler = () => {};
    expect(tracedRequests('graphql.request', handler)).toBe(handler);
    // The API's no-op tracer: its spans record nothing and carry no trace id.
    expect(trace.getSpan(context.active())).toBeUndefined();
  });

  it.each([{ OTEL_SDK_DISABLED: 'true' }, { OTEL_SDK_DISABLED: ' TRUE ' }, { OTEL_TRACES_EXPORTER: 'none' }])(
    'stays off when the standard variables say so: %o',
    (off) => {
      startTracingFromEnv('lifegraph-test', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', ...off });
      expect(tracingEnabled()).toBe(false);
    },
  );

  it.each([
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' },
  ])('is on with an OTLP endpoint: %o', (endpoint) => {
    startTracingFromEnv('lifegraph-test', endpoint);
    expect(tracingEnabled()).toBe(true);
    // Spans are recorded: a started span has a real trace id.
    const span = trace.getTracer('test').startSpan('probe');
    expect(span.spanContext().traceId).not.toBe('00000000000000000000000000000000');
    expect(span.isRecording()).toBe(true);
    span.end();
  });
});
