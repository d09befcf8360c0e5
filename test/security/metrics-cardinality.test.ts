import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BoundedLabel,
  DEFAULT_MAX_OPERATION_LABELS,
  maxOperationLabelsFromEnv,
} from '../../gateway/plugins/observability.ts';
import { useTestGraph } from '../support/graph.ts';

/**
 * Issue 7 part 7: no metric label takes arbitrary client input. 2 000 invented operation names (which once
 * made `/metrics` 71 MB) leave the series count under its bound: the first 100 names are labels, the rest
 * count as `other`; a name that resolves to no operation is never a label.
 */
const graph = useTestGraph();

const post = (body: object, target = graph) =>
  fetch(target.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Every sample line of the gateway's own metrics, as [series, value]. */
async function gatewaySeries(target = graph): Promise<{ text: string; series: [string, number][] }> {
  const text = await (await fetch(new URL('/metrics', target.gateway.url))).text();
  const series = text
    .split('\n')
    .filter((line) => line.startsWith('lifegraph_gateway_'))
    .map((line) => {
      const at = line.lastIndexOf(' ');
      return [line.slice(0, at), Number(line.slice(at + 1))] as [string, number];
    });
  return { text, series };
}
const operationLabels = (series: [string, number][]) =>
  new Set(series.map(([name]) => /operation="([^"]*)"/.exec(name)?.[1]).filter(Boolean));

describe('operation name labels', () => {
  it('2 000 invented names: the first 100 are labels, the rest count as "other", and /metrics stays small', async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `Invented${i}`);
    for (let i = 0; i < names.length; i += 25) {
      const answers = await Promise.all(
        names.slice(i, i + 25).map(async (name) => (await post({ query: `query ${name} { __typename }` })).status),
      );
      expect(answers).toEqual(answers.map(() => 200));
    }
    const { text, series } = await gatewaySeries();
    const labels = operationLabels(series);
    expect(labels.size).toBe(DEFAULT_MAX_OPERATION_LABELS + 1);
    expect(labels).toContain('Invented0');
    expect(labels).toContain('Invented99');
    expect(labels).not.toContain('Invented100');
    expect(
      series.find(
        ([name]) => name === 'lifegraph_gateway_requests_total{operation="other",caller="anonymous",outcome="ok"}',
      )?.[1],
    ).toBe(1900);
    // Per label value: at most 3 callers × 3 outcomes request counters and 13 histogram lines.
    expect(series.length).toBeLessThanOrEqual(labels.size * (9 + 13));
    expect(text.length).toBeLessThan(300_000);
  });
});

describe('operation name labels while slots are free', () => {
  // A gateway of its own: on the one above, the 2 000 names took every slot and any new name is `other` anyway.
  const fresh = useTestGraph();

  it('a name that resolves to no operation, or a very long one, is never a label; a real one is', async () => {
    const long = `Q${'x'.repeat(500)}`;
    const hostile = [
      { query: 'query A { __typename } query B { __typename }', operationName: 'NotInTheDocument' },
      { query: '{ nope', operationName: 'Unparsable' },
      { query: `query ${long} { __typename }` },
    ];
    const statuses: number[] = [];
    for (const body of hostile) statuses.push((await post(body, fresh)).status);
    expect(statuses).toEqual([400, 400, 200]);
    expect((await post({ query: 'query Real { __typename }' }, fresh)).status).toBe(200);
    const labels = operationLabels((await gatewaySeries(fresh)).series);
    expect(labels).toContain('Real');
    expect(labels).toContain('unresolved');
    // Slots are free here, so only the too-long name can have been counted as `other`.
    expect(labels).toContain('other');
    for (const name of ['NotInTheDocument', 'Unparsable', long]) expect(labels).not.toContain(name);
  });
});

describe('BoundedLabel', () => {
  // Undone even when an assertion fails midway, so no later test sees a stubbed bound.
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('admits the first N distinct values and keeps recognising them', () => {
    const label = new BoundedLabel(2);
    expect(['a', 'b', 'c', 'a', 'b', 'd'].map((v) => label.of(v))).toEqual(['a', 'b', 'other', 'a', 'b', 'other']);
  });

  it('LIFEGRAPH_METRICS_MAX_OPERATIONS sets the bound; anything but a whole number stops the start', () => {
    vi.stubEnv('LIFEGRAPH_METRICS_MAX_OPERATIONS', '20');
    expect(maxOperationLabelsFromEnv()).toBe(20);
    vi.stubEnv('LIFEGRAPH_METRICS_MAX_OPERATIONS', '0');
    expect(maxOperationLabelsFromEnv()).toBe(0);
    for (const bad of ['lots', '1e3', '0x10', '-1']) {
      vi.stubEnv('LIFEGRAPH_METRICS_MAX_OPERATIONS', bad);
      expect(() => maxOperationLabelsFromEnv()).toThrow(
        `LIFEGRAPH_METRICS_MAX_OPERATIONS must be a whole number of at least 0 (got "${bad}")`,
      );
    }
    vi.unstubAllEnvs();
    expect(maxOperationLabelsFromEnv()).toBe(100);
  });
});
