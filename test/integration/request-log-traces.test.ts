import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { useTracerProvider } from '../../subgraphs/contract/tracing.ts';
import { TEST_SECRETS } from '../support/graph.ts';
import { type LocalGraph, startLocalGraph } from '../support/local-graph.ts';
import { removeTestDataDir, testDataDir } from '../support/temp.ts';

// With tracing on, every request line (the gateway's and each subgraph's) names the trace of its request.

const logged: Record<string, unknown>[] = [];
const memory = new Writable({
  write(chunk, _encoding, done) {
    for (const text of String(chunk).split('\n')) if (text) logged.push(JSON.parse(text));
    done();
  },
});
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

let graph: LocalGraph;
let dataDir: string;
beforeAll(async () => {
  // Before the graph starts: the servers decide when built whether to trace.
  useTracerProvider(provider);
  dataDir = testDataDir('lifegraph-log-traces-');
  seedDataDir(dataDir, { scale: 1 });
  graph = await startLocalGraph({
    dataDir,
    secrets: TEST_SECRETS,
    ports: { gateway: 0, merchants: 0, content: 0, offers: 0, social: 0 },
    scheduler: false,
    logger: pino({ level: 'info' }, memory),
    trustedDocuments: 'allow',
  });
});
afterAll(async () => {
  await graph?.stop();
  removeTestDataDir(dataDir);
  useTracerProvider(undefined);
  await provider.shutdown();
});

describe('request lines with tracing on', () => {
  it('the gateway line and the subgraph line carry the trace id of the request span', async () => {
    const response = await fetch(graph.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'traced-1' },
      body: JSON.stringify({ query: 'query OneMerchant { merchant(id: "mer_kfc") { id name } }' }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const request = exporter.getFinishedSpans().find((span) => span.name === 'graphql.request');
    const traceId = request?.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const lines = logged.filter((line) => line.requestId === 'traced-1');
    expect(lines.map((line) => [line.msg, line.traceId])).toEqual(
      expect.arrayContaining([
        ['graphql request', traceId],
        ['subgraph request', traceId],
      ]),
    );
  });
});
