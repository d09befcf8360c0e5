import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTraces, useTracerProvider } from '../../subgraphs/contract/tracing.ts';
import { useTestGraph } from '../support/graph.ts';

/** What an OTLP/HTTP JSON export carries, as far as the test reads it. */
interface Export {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string; traceId: string; parentSpanId?: string }[] }[];
  }[];
}

// A collector on a real port, receiving what the exporter posts to <endpoint>/v1/traces.
const exports: { path: string; body: Export }[] = [];
const collector = createServer(async (req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  exports.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Export });
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});
beforeAll(async () => {
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  // Set before the graph starts: its first server registers the OTLP provider from the standard variables.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  useTracerProvider(undefined);
  collector.close();
});
const graph = useTestGraph();

describe('OTLP export', () => {
  it('with OTEL_EXPORTER_OTLP_ENDPOINT set, a request’s spans reach the collector as one trace, with a lifegraph service name', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const { body } = await graph.query('query Me { me { id nickname } }', {
      as: 'usr_alice',
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    expect(body.errors).toBeUndefined();
    // The request span ends as the answer is sent; the batch goes out when flushed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await flushTraces();
    expect(exports.map((e) => e.path)).toContain('/v1/traces');
    const resources = exports.flatMap((e) => e.body.resourceSpans);
    const services = resources.flatMap((r) => r.resource.attributes.filter((a) => a.key === 'service.name'));
    expect(services.map((a) => a.value.stringValue)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^lifegraph-/)]),
    );
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).filter((s) => s.traceId === traceId);
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['graphql.request', 'graphql.plan', 'subgraph.fetch', 'graphql.operation']),
    );
    expect(spans.some((s) => /^SELECT /.test(s.name))).toBe(true);
  });
});
