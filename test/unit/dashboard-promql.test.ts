import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, legendOf, parseExposition, parsePromQL, type Series } from '../dashboard/promql.ts';

// The PromQL subset test/dashboard/render.ts draws the dashboard screenshot with: every query of the dashboard parses,
// and each shape gives what Prometheus gives for the same samples.

const dashboard = JSON.parse(
  readFileSync(new URL('../../gateway/grafana/lifegraph.json', import.meta.url), 'utf8'),
) as {
  panels: { targets?: { expr: string }[] }[];
};

const store = (...series: Series[]) => {
  const byName = new Map<string, Series[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  return byName;
};
const at = (node: string, samples: ReturnType<typeof store>, time: number) =>
  evaluate(parsePromQL(node), samples, time).map((s) => [s.labels, s.value]);

describe('the dashboard renderer’s PromQL', () => {
  it('parses every query of the dashboard', () => {
    const queries = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(queries.length).toBeGreaterThan(20);
    for (const query of queries) expect(() => parsePromQL(query.replaceAll('$__rate_interval', '5s'))).not.toThrow();
    expect(() => parsePromQL('avg(x)')).toThrow('unexpected "("');
  });

  it('rate() is the per-second increase in the window, a counter reset counting from zero', () => {
    const requests: Series = {
      name: 'requests_total',
      labels: { outcome: 'ok', job: 'a' },
      points: [
        [100, 10],
        [101, 20],
        [102, 30],
        [103, 5], // the process restarted
        [104, 15],
      ],
    };
    const other: Series = { name: 'requests_total', labels: { outcome: 'error', job: 'b' }, points: [[100, 1]] };
    const samples = store(requests, other);
    expect(at('rate(requests_total[2s])', samples, 102)).toEqual([[requests.labels, 10]]);
    // 10 + 10 + 5 (after the reset) + 10 over 4 s.
    expect(at('rate(requests_total{outcome="ok"}[5s])', samples, 104)).toEqual([[requests.labels, 8.75]]);
    expect(at('sum by (outcome) (rate(requests_total[5s]))', samples, 104)).toEqual([[{ outcome: 'ok' }, 8.75]]);
    expect(at('requests_total{outcome!="ok"}', samples, 100)).toEqual([[other.labels, 1]]);
    // An instant selector has nothing once the target stopped answering.
    expect(at('requests_total{outcome!="ok"}', samples, 104)).toEqual([]);
  });

  it('sum, max and topk aggregate per instant; legends take the labels', () => {
    const gauge = (job: string, value: number): Series => ({ name: 'g', labels: { job }, points: [[10, value]] });
    const samples = store(gauge('a', 1), gauge('b', 3), gauge('c', 2));
    expect(at('sum(g)', samples, 10)).toEqual([[{}, 6]]);
    expect(at('max by (job) (g)', samples, 10)).toHaveLength(3);
    expect(at('topk(2, g)', samples, 10).map(([labels]) => labels)).toEqual([{ job: 'b' }, { job: 'c' }]);
    expect(legendOf('{{job}} {{missing}}', { job: 'a' })).toBe('a');
  });

  it('histogram_quantile interpolates within the bucket the rank falls in, as Prometheus does', () => {
    const bucket = (le: string, counts: [number, number]): Series => ({
      name: 'd_bucket',
      labels: { le },
      points: [
        [0, 0],
        [1, counts[0]],
        [2, counts[1]],
      ],
    });
    // 100 observations a second: 50 up to 0.1 s, 90 up to 0.5 s, all up to 1 s.
    const samples = store(bucket('0.1', [50, 100]), bucket('0.5', [90, 180]), bucket('1', [100, 200]));
    samples.set('d_bucket', [...(samples.get('d_bucket') ?? []), bucket('+Inf', [100, 200])]);
    const quantile = (q: number) => at(`histogram_quantile(${q}, sum by (le) (rate(d_bucket[2s])))`, samples, 2);
    expect(quantile(0.5)).toEqual([[{}, 0.1]]);
    expect(quantile(0.7)[0]?.[1]).toBeCloseTo(0.3);
    expect(quantile(0.95)[0]?.[1]).toBeCloseTo(0.75);
  });

  it('reads the text exposition format, escapes included', () => {
    const text = '# HELP x a\n# TYPE x counter\nx_total{path="/a\\"b",code="1"} 3\nup 1\nh_bucket{le="+Inf"} 7\n';
    expect(parseExposition(text)).toEqual([
      { name: 'x_total', labels: { path: '/a"b', code: '1' }, value: 3 },
      { name: 'up', labels: {}, value: 1 },
      { name: 'h_bucket', labels: { le: '+Inf' }, value: 7 },
    ]);
  });
});
