import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useTracerProvider } from '../../subgraphs/contract/tracing.ts';
import { useTestGraph } from '../support/graph.ts';
import { LIFE_FEED } from '../support/operations.ts';

// Registered before the graph starts (hooks run in order): the servers decide when built whether to trace.
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => useTracerProvider(provider));
afterAll(async () => {
  useTracerProvider(undefined);
  await provider.shutdown();
});
const graph = useTestGraph();
beforeEach(() => exporter.reset());

/** The gateway's request spans, once one has ended (it ends as the response is sent, a moment after the client has it). */
async function requestSpans(): Promise<ReadableSpan[]> {
  const requests = () => exporter.getFinishedSpans().filter((s) => s.name === 'graphql.request');
  for (let i = 0; i < 100 && requests().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return requests();
}

/** The spans of one trace, once its last span (the gateway's request span) has ended. */
async function spansOf(traceId: string): Promise<ReadableSpan[]> {
  await requestSpans();
  return exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
/** The one span named `name` whose parent is `parent`. */
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan, name: string) =>
  spans.filter((s) => s.name === name && parentOf(s) === idOf(parent));

describe('distributed tracing', () => {
  it('one trace covers the gateway request, its planning, each subgraph fetch and each subgraph operation with its SQL', async () => {
    const { body } = await graph.query(LIFE_FEED, { variables: { first: 5 }, as: 'usr_alice' });
    expect(body.errors).toBeUndefined();
    const [request, ...others] = await requestSpans();
    expect(others).toEqual([]);
    if (!request) throw new Error('no graphql.request span was exported');
    const spans = await spansOf(request.spanContext().traceId);

    expect(request.kind).toBe(SpanKind.SERVER);
    expect(parentOf(request)).toBeUndefined();
    expect(request.attributes).toMatchObject({
      'graphql.operation.name': 'LifeFeed',
      'graphql.operation.type': 'query',
      'http.response.status_code': 200,
    });
    expect(childrenOf(spans, request, 'graphql.plan')).toHaveLength(1);

    const fetches = childrenOf(spans, request, 'subgraph.fetch');
    const called = [...new Set(fetches.map((f) => f.attributes['lifegraph.subgraph.name']))].sort();
    // LifeFeed reads posts and accounts (content), their merchants (merchants) and the attached offers (offers).
    expect(called).toEqual(['content', 'merchants', 'offers']);
    for (const fetch of fetches) {
      expect(fetch.kind).toBe(SpanKind.CLIENT);
      // The subgraph continued the traceparent the fetch sent: its operation span is the fetch's child.
      const [operation, ...more] = childrenOf(spans, fetch, 'graphql.operation');
      expect(more).toEqual([]);
      if (!operation)
        throw new Error(`no operation span under the fetch to ${fetch.attributes['lifegraph.subgraph.name']}`);
      expect(operation.kind).toBe(SpanKind.SERVER);
      expect(operation.attributes['graphql.operation.name']).toBe(fetch.attributes['graphql.operation.name']);
      // Its SQL statements are its descendants (directly, or inside an entity batch).
      const inside = descendantsOf(spans, operation);
      const sql = inside.filter((s) => s.attributes['db.system.name'] === 'sqlite');
      expect(sql.length, `SQL spans under ${fetch.attributes['lifegraph.subgraph.name']}`).toBeGreaterThan(0);
      expect(sql[0]?.attributes['db.query.text']).toMatch(/^select /i);
      expect(sql[0]?.attributes['db.namespace']).toBe(fetch.attributes['lifegraph.subgraph.name']);
      if (Number(fetch.attributes['lifegraph.entities.count']) > 0)
        expect(childrenOf(spans, operation, 'subgraph.entities')).toHaveLength(1);
    }
  });

  it("continues the caller's traceparent: the request span is its child, in the caller's trace", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const { body } = await graph.query('query Me { me { id nickname } }', {
      as: 'usr_alice',
      headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
    });
    expect(body.errors).toBeUndefined();
    const spans = await spansOf(traceId);
    const request = spans.find((s) => s.name === 'graphql.request');
    expect(parentOf(request as ReadableSpan)).toBe(callerSpan);
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['graphql.plan', 'subgraph.fetch', 'graphql.operation']),
    );
  });

  it('health probes make no spans', async () => {
    await fetch(graph.gateway.url.replace('/graphql', '/healthz'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

/** Every span below `root` in the trace. */
function descendantsOf(spans: ReadableSpan[], root: ReadableSpan): ReadableSpan[] {
  const below = new Set([idOf(root)]);
  const found: ReadableSpan[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const span of spans) {
      const parent = parentOf(span);
      if (parent && below.has(parent) && !below.has(idOf(span))) {
        below.add(idOf(span));
        found.push(span);
        grew = true;
      }
    }
  }
  return found;
}
