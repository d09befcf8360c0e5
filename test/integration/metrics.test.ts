import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/index.ts';
import { useTestGraph } from '../support/graph.ts';

/**
 * Issue 11 item 4: every process serves Prometheus metrics an operator can use: process and Node metrics, and in
 * the gateway requests by outcome and caller, subgraph fetches (count, latency, failures), refusals, circuits and
 * deduplication; in each subgraph its requests and their latency. Every label is bounded: a burst of invented
 * operation names (which the gateway's query planner puts into each subgraph operation's name) adds no series.
 */
const graph = useTestGraph();

const metricsOf = async (url: string) => (await fetch(new URL('/metrics', url))).text();
/** The sample lines (no comments) of a metrics text. */
const samples = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#'));

const MERCHANT = 'query OneMerchant { merchant(id: "mer_kfc") { id name } }';

describe('metrics', () => {
  it('the gateway serves process, Node, request, fetch, refusal, circuit and dedup metrics', async () => {
    const { body } = await graph.query(MERCHANT);
    expect(body.errors).toBeUndefined();
    const text = await metricsOf(graph.gateway.url);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
      'lifegraph_gateway_requests_total',
      'lifegraph_gateway_request_duration_seconds',
      'lifegraph_gateway_refusals_total',
      'lifegraph_gateway_subgraph_fetch_duration_seconds',
      'lifegraph_gateway_subgraph_fetch_failures_total',
      'lifegraph_gateway_subgraph_circuit_state',
      'lifegraph_dedup_total',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain(
      'lifegraph_gateway_requests_total{operation="OneMerchant",caller="anonymous",outcome="ok"} 1',
    );
    expect(text).toMatch(
      /lifegraph_gateway_subgraph_fetch_duration_seconds_count\{subgraph="merchants",outcome="ok"\} [1-9]/,
    );
    expect(text).toContain('lifegraph_gateway_subgraph_circuit_state{subgraph="merchants"} 0');
  });

  it.each(SUBGRAPH_NAMES)('the %s subgraph serves process, Node and request metrics at /metrics', async (name) => {
    await graph.query(MERCHANT);
    const text = await metricsOf(graph.subgraphs[name].url);
    for (const metric of [
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'lifegraph_subgraph_requests_total',
      'lifegraph_subgraph_request_duration_seconds',
    ]) {
      expect(text, metric).toContain(`# TYPE ${metric} `);
    }
    if (name === 'merchants') {
      expect(text).toMatch(
        /lifegraph_subgraph_requests_total\{subgraph="merchants",caller="anonymous",outcome="ok"\} [1-9]/,
      );
    }
  });

  it('a burst of 300 invented operation names adds no series in any process past its bound', async () => {
    const send = (name: string) => graph.query(MERCHANT.replace('OneMerchant', name));
    const seriesCounts = async () => [
      samples(await metricsOf(graph.gateway.url)).filter((line) => line.startsWith('lifegraph_')).length,
      ...(await Promise.all(
        SUBGRAPH_NAMES.map(
          async (name) =>
            samples(await metricsOf(graph.subgraphs[name].url)).filter((line) => line.startsWith('lifegraph_')).length,
        ),
      )),
    ];
    for (let i = 0; i < 10; i++) await send(`Warmup${i}`);
    const before = await seriesCounts();
    for (let i = 0; i < 300; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => send(`Burst${i + j}`)));
    }
    const after = await seriesCounts();
    // The subgraphs have no operation label: not one lifegraph series more (Node's own vary with GC and handles). The gateway admits the first 100 names as
    // labels (see metrics-cardinality.test.ts): at most 100 × (3 callers × 5 outcomes + 13 histogram lines) more.
    expect(after.slice(1)).toEqual(before.slice(1));
    expect((after[0] ?? 0) - (before[0] ?? 0)).toBeLessThanOrEqual(100 * (15 + 13));
    expect(await metricsOf(graph.gateway.url)).not.toContain('Burst299');
    for (const name of SUBGRAPH_NAMES) expect(await metricsOf(graph.subgraphs[name].url)).not.toContain('Burst');
  });
});

/** The committed Grafana dashboard, as Grafana imports it. */
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: { type: string; name: string; query: string }[] };
  panels: {
    id: number;
    type: string;
    datasource?: { type: string; uid: string };
    gridPos: { x: number; y: number; w: number; h: number };
    targets?: { refId: string; expr: string; datasource: { uid: string } }[];
  }[];
}

describe('the Grafana dashboard (gateway/grafana/lifegraph.json)', () => {
  const dashboard = JSON.parse(
    readFileSync(new URL('../../gateway/grafana/lifegraph.json', import.meta.url), 'utf8'),
  ) as Dashboard;
  const queried = dashboard.panels.filter((panel) => panel.type !== 'row');
  /** Grafana's reference to the dashboard's `datasource` variable (a plain string, not a template literal). */
  const chosenDatasource = ['$', '{datasource}'].join('');

  it('is an importable dashboard whose every panel queries the Prometheus chosen in its datasource variable', () => {
    expect(dashboard).toMatchObject({ uid: 'lifegraph-overview', title: 'lifegraph' });
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ type: 'datasource', name: 'datasource', query: 'prometheus' }),
    );
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    for (const panel of queried) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: chosenDatasource });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource.uid).toBe(chosenDatasource);
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('queries only metrics the gateway or a subgraph serves', async () => {
    await graph.query(MERCHANT);
    const served = [
      await metricsOf(graph.gateway.url),
      ...(await Promise.all(SUBGRAPH_NAMES.map((name) => metricsOf(graph.subgraphs[name].url)))),
    ].join('\n');
    const names = new Set(
      queried.flatMap((panel) =>
        (panel.targets ?? []).flatMap(
          (target) => target.expr.match(/\b(?:lifegraph|process|nodejs)_[a-z0-9_]+/g) ?? [],
        ),
      ),
    );
    expect(names.size).toBeGreaterThan(15);
    for (const name of names) {
      expect(served, name).toContain(`# TYPE ${name.replace(/_(?:bucket|count|sum)$/, '')} `);
    }
  });
});
