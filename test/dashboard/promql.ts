/**
 * Just enough PromQL to draw the dashboard's panels from scraped samples, with Prometheus's semantics for the shapes
 * gateway/grafana/lifegraph.json uses: instant selectors with `=` / `!=` matchers, `rate(selector[range])`,
 * `sum` / `max` with or without `by (...)`, `topk(k, ...)` and `histogram_quantile(q, ...)`. Anything else is a
 * parse error naming what it met, so a dashboard change that needs more says so instead of drawing nothing.
 */

/** One scraped time series: its metric name, its labels (job and instance included) and its samples. */
export interface Series {
  name: string;
  labels: Record<string, string>;
  /** [unix seconds, value], in time order. */
  points: [number, number][];
}

/** A value of an instant vector: a label set (without the metric name) and its value at the instant. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

type Node =
  | { kind: 'number'; value: number }
  | { kind: 'selector'; name: string; matchers: Matcher[]; rangeSeconds?: number }
  | { kind: 'call'; fn: 'rate' | 'topk' | 'histogram_quantile'; args: Node[] }
  | { kind: 'aggregate'; op: 'sum' | 'max'; by: string[] | null; expr: Node };

interface Matcher {
  label: string;
  equal: boolean;
  value: string;
}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)([smh])?|([A-Za-z_:][A-Za-z0-9_:]*)|("(?:[^"\\]|\\.)*")|(!=|[(){}[\],=]))/y;

/** Parses `expr` (with `$__rate_interval` already replaced by a duration such as `5s`). */
export function parsePromQL(expr: string): Node {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.trimEnd().length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expr);
    if (!match) throw new Error(`cannot read PromQL at "${expr.slice(at)}" in ${expr}`);
    tokens.push(match[0].trim());
  }
  let position = 0;
  const peek = () => tokens[position];
  const next = () => {
    const token = tokens[position++];
    if (token === undefined) throw new Error(`PromQL ends too early: ${expr}`);
    return token;
  };
  const expect = (token: string) => {
    const got = next();
    if (got !== token) throw new Error(`expected "${token}", got "${got}" in ${expr}`);
  };
  const labelList = () => {
    expect('(');
    const labels: string[] = [];
    while (peek() !== ')') {
      labels.push(next());
      if (peek() === ',') next();
    }
    expect(')');
    return labels;
  };
  const parseNode = (): Node => {
    const token = next();
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (token === 'sum' || token === 'max') {
      let by: string[] | null = null;
      if (peek() === 'by') {
        next();
        by = labelList();
      }
      expect('(');
      const inner = parseNode();
      expect(')');
      return { kind: 'aggregate', op: token, by, expr: inner };
    }
    if (token === 'rate' || token === 'topk' || token === 'histogram_quantile') {
      expect('(');
      const args = [parseNode()];
      while (peek() === ',') {
        next();
        args.push(parseNode());
      }
      expect(')');
      return { kind: 'call', fn: token, args };
    }
    if (!/^[A-Za-z_:]/.test(token)) throw new Error(`unexpected "${token}" in ${expr}`);
    const matchers: Matcher[] = [];
    if (peek() === '{') {
      next();
      while (peek() !== '}') {
        const label = next();
        const op = next();
        if (op !== '=' && op !== '!=') throw new Error(`matcher ${op} is not supported in ${expr}`);
        matchers.push({ label, equal: op === '=', value: JSON.parse(next()) as string });
        if (peek() === ',') next();
      }
      next();
    }
    let rangeSeconds: number | undefined;
    if (peek() === '[') {
      next();
      rangeSeconds = seconds(next());
      expect(']');
    }
    return { kind: 'selector', name: token, matchers, rangeSeconds };
  };
  const node = parseNode();
  if (position !== tokens.length) throw new Error(`unexpected "${tokens[position]}" in ${expr}`);
  return node;
}

function seconds(duration: string): number {
  const match = /^(\d+(?:\.\d+)?)([smh])$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

/** The scraped series by metric name. */
export type SeriesStore = ReadonlyMap<string, readonly Series[]>;

/**
 * An instant selector's samples older than this are not "now" (Prometheus marks a series stale when a scrape
 * misses it; with one scrape a second, a sample older than 1.5 s means the target did not answer).
 */
const STALE_AFTER_SECONDS = 1.5;

/** Evaluates `node` at unix time `at` over `store`. */
export function evaluate(node: Node, store: SeriesStore, at: number): Sample[] {
  switch (node.kind) {
    case 'number':
      throw new Error('a number is not a vector');
    case 'selector': {
      if (node.rangeSeconds !== undefined) throw new Error(`range selector ${node.name} outside rate()`);
      const samples: Sample[] = [];
      for (const series of matching(node, store)) {
        const last = latest(series.points, at);
        if (last && at - last[0] <= STALE_AFTER_SECONDS) samples.push({ labels: series.labels, value: last[1] });
      }
      return samples;
    }
    case 'call':
      return evaluateCall(node, store, at);
    case 'aggregate': {
      const groups = new Map<string, Sample>();
      for (const sample of evaluate(node.expr, store, at)) {
        const labels = node.by ? pick(sample.labels, node.by) : {};
        const key = JSON.stringify(labels);
        const group = groups.get(key);
        if (!group) groups.set(key, { labels, value: sample.value });
        else group.value = node.op === 'sum' ? group.value + sample.value : Math.max(group.value, sample.value);
      }
      return [...groups.values()];
    }
  }
}

function evaluateCall(node: Extract<Node, { kind: 'call' }>, store: SeriesStore, at: number): Sample[] {
  const [first, second] = node.args;
  if (node.fn === 'rate') {
    if (first?.kind !== 'selector' || first.rangeSeconds === undefined) throw new Error('rate() needs selector[range]');
    const samples: Sample[] = [];
    for (const series of matching(first, store)) {
      const value = rate(series.points, at - first.rangeSeconds, at);
      if (value !== undefined) samples.push({ labels: series.labels, value });
    }
    return samples;
  }
  if (first?.kind !== 'number' || !second) throw new Error(`${node.fn}() needs a number and a vector`);
  const vector = evaluate(second, store, at);
  if (node.fn === 'topk') return [...vector].sort((a, b) => b.value - a.value).slice(0, first.value);
  return histogramQuantile(first.value, vector);
}

function matching(selector: Extract<Node, { kind: 'selector' }>, store: SeriesStore): readonly Series[] {
  return (store.get(selector.name) ?? []).filter((series) =>
    selector.matchers.every((m) => ((series.labels[m.label] ?? '') === m.value) === m.equal),
  );
}

function latest(points: readonly [number, number][], at: number): [number, number] | undefined {
  for (let i = points.length - 1; i >= 0; i--) {
    const point = points[i] as [number, number];
    if (point[0] <= at) return point;
  }
  return undefined;
}

/**
 * Per-second increase of a counter over the samples in (from, to], a reset (a restarted process) counting from 0.
 * Prometheus also extrapolates to the window's edges; with a scrape a second the difference is a few percent.
 */
function rate(points: readonly [number, number][], from: number, to: number): number | undefined {
  const inside = points.filter(([t]) => t > from && t <= to);
  const firstPoint = inside[0];
  const lastPoint = inside[inside.length - 1];
  if (!firstPoint || !lastPoint || inside.length < 2) return undefined;
  let increase = 0;
  for (let i = 1; i < inside.length; i++) {
    const previous = (inside[i - 1] as [number, number])[1];
    const current = (inside[i] as [number, number])[1];
    increase += current >= previous ? current - previous : current;
  }
  return increase / (lastPoint[0] - firstPoint[0]);
}

/** Prometheus's histogram_quantile over cumulative `le` buckets, per label set without `le`. */
function histogramQuantile(q: number, vector: Sample[]): Sample[] {
  const groups = new Map<string, { labels: Record<string, string>; buckets: [number, number][] }>();
  for (const sample of vector) {
    const { le, ...labels } = sample.labels;
    if (le === undefined) continue;
    const key = JSON.stringify(labels);
    const group = groups.get(key) ?? { labels, buckets: [] };
    group.buckets.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), sample.value]);
    groups.set(key, group);
  }
  const result: Sample[] = [];
  for (const { labels, buckets } of groups.values()) {
    buckets.sort((a, b) => a[0] - b[0]);
    const total = buckets[buckets.length - 1]?.[1] ?? 0;
    // No observations in the window: no value (Prometheus gives NaN, which Grafana leaves out).
    if (total <= 0 || buckets[buckets.length - 1]?.[0] !== Number.POSITIVE_INFINITY) continue;
    const rank = q * total;
    let index = buckets.findIndex(([, count]) => count >= rank);
    if (index < 0) index = buckets.length - 1;
    const [upper, count] = buckets[index] as [number, number];
    if (upper === Number.POSITIVE_INFINITY) {
      // In the open-ended bucket: the largest finite bound is the best estimate, as Prometheus answers.
      result.push({ labels, value: buckets[buckets.length - 2]?.[0] ?? 0 });
      continue;
    }
    const [lower, below] = index === 0 ? [0, 0] : (buckets[index - 1] as [number, number]);
    const inBucket = count - below;
    result.push({ labels, value: inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper });
  }
  return result;
}

function pick(labels: Record<string, string>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) if (labels[name] !== undefined) picked[name] = labels[name];
  return picked;
}

/** Grafana's legend: `{{label}}` replaced by the series' value of it. */
export function legendOf(format: string | undefined, labels: Record<string, string>): string {
  if (!format) return JSON.stringify(labels);
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '').trim();
}

/**
 * Reads Prometheus's text exposition format (what every process's /metrics serves) into samples of one scrape:
 * `name{label="value",...} value`, comments and HELP/TYPE lines skipped.
 */
export function parseExposition(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = match[3] as string;
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}
