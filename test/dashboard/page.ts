/**
 * The dashboard as an HTML page of inline SVG charts, laid out as Grafana lays out gateway/grafana/lifegraph.json
 * (its 24-column grid, 30 px rows, titles, legends, units), in Grafana's dark theme. Each panel draws the series
 * render.ts computed from the scraped samples.
 */

/** One line of a panel: its legend and its values, null where the query had no value (drawn as a gap). */
export interface Line {
  legend: string;
  values: (number | null)[];
}

export interface PanelData {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  unit?: string;
  lines: Line[];
}

const PAGE_WIDTH = 1600;
const COLUMN = PAGE_WIDTH / 24;
const ROW = 30;
const GAP = 8;
const HEADER = 64;
/** Grafana's classic palette, in its order. */
const COLORS = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0', '#508642'];
const MORE_COLORS = ['#cca300', '#447ebc', '#c15c17', '#890f02', '#0a437c', '#6d1f62', '#584477', '#b7dbab'];
const PALETTE = [...COLORS, ...MORE_COLORS];

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/** A value as Grafana's unit shows it. */
export function formatValue(value: number, unit: string | undefined): string {
  const fixed = (n: number) => {
    const abs = Math.abs(n);
    return abs === 0 ? '0' : abs >= 100 ? n.toFixed(0) : abs >= 10 ? n.toFixed(1) : n.toFixed(2);
  };
  switch (unit) {
    case 'reqps':
      return `${fixed(value)} req/s`;
    case 's':
      if (value === 0) return '0 s';
      if (Math.abs(value) < 0.001) return `${fixed(value * 1e6)} µs`;
      return Math.abs(value) < 1 ? `${fixed(value * 1000)} ms` : `${fixed(value)} s`;
    case 'percentunit':
      return `${fixed(value * 100)}%`;
    case 'bytes': {
      const units = ['B', 'KiB', 'MiB', 'GiB'];
      let scaled = value;
      let index = 0;
      while (Math.abs(scaled) >= 1024 && index < units.length - 1) {
        scaled /= 1024;
        index++;
      }
      return `${fixed(scaled)} ${units[index]}`;
    }
    default:
      return Math.abs(value) >= 1000 ? `${fixed(value / 1000)} K` : fixed(value);
  }
}

/** About how wide 11 px sans-serif text is (capitals are wider), to wrap legends as the browser will draw them. */
function textWidth(text: string): number {
  let width = 0;
  for (const c of text) width += /[A-Z_]/.test(c) ? 7.8 : /[ .:,|]/.test(c) ? 3.4 : 6.3;
  return width;
}

/** A "nice" axis maximum and step (1, 2 or 5 × a power of ten, of KiB / MiB / GiB for bytes) for data up to `max`. */
function axis(max: number, unit: string | undefined): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  if (unit === 'bytes' && max >= 1024) {
    const scale = 1024 ** Math.min(3, Math.floor(Math.log(max) / Math.log(1024)));
    const scaled = axis(max / scale, undefined);
    return { top: scaled.top * scale, step: scaled.step * scale };
  }
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return { top: Math.ceil(max / step) * step, step };
}

function chart(panel: PanelData, width: number, height: number, times: number[]): string {
  const legendItems = panel.lines.map((line, i) => ({ ...line, color: PALETTE[i % PALETTE.length] as string }));
  // Legend rows below the chart, as Grafana's list legend wraps.
  const rows: (typeof legendItems)[] = [[]];
  let used = 0;
  for (const item of legendItems) {
    const itemWidth = 24 + textWidth(item.legend);
    if (used + itemWidth > width - 16 && (rows[rows.length - 1]?.length ?? 0) > 0) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1]?.push(item);
    used += itemWidth;
  }
  const legendHeight = legendItems.length === 0 ? 0 : rows.length * 16 + 6;
  const left = 64;
  const top = 30;
  const plotWidth = width - left - 12;
  const plotHeight = Math.max(40, height - top - 22 - legendHeight);
  const all = panel.lines.flatMap((line) => line.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const { top: yTop, step } = axis(Math.max(0, ...all), panel.unit);
  const x = (i: number) => left + (plotWidth * i) / Math.max(1, times.length - 1);
  const y = (v: number) => top + plotHeight - (plotHeight * v) / yTop;
  const parts: string[] = [];
  for (let v = 0; v <= yTop + step / 2; v += step) {
    parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    parts.push(
      `<text x="${left - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${formatValue(v, panel.unit)}</text>`,
    );
  }
  const first = times[0] ?? 0;
  for (let i = 0; i < times.length; i++) {
    // A time every 10 s, none so close to the right edge that it would be cut off.
    if (Math.round((times[i] as number) - first) % 10 !== 0 || x(i) > left + plotWidth - 24) continue;
    const label = new Date((times[i] as number) * 1000).toISOString().slice(11, 19);
    parts.push(`<line x1="${x(i)}" x2="${x(i)}" y1="${top}" y2="${top + plotHeight}" class="grid"/>`);
    parts.push(`<text x="${x(i)}" y="${top + plotHeight + 15}" class="tick" text-anchor="middle">${label}</text>`);
  }
  for (const item of legendItems) {
    // A gap where the query had no value (a process not answering its scrape), as Grafana leaves one.
    let path = '';
    let drawing = false;
    item.values.forEach((value, i) => {
      if (value === null || !Number.isFinite(value)) {
        drawing = false;
        return;
      }
      path += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
      drawing = true;
    });
    parts.push(`<path d="${path}" stroke="${item.color}" class="line"/>`);
  }
  if (all.length === 0) {
    parts.push(`<text x="${width / 2}" y="${top + plotHeight / 2}" class="nodata" text-anchor="middle">No data</text>`);
  }
  let legendY = top + plotHeight + 34;
  for (const row of rows) {
    let legendX = 12;
    for (const item of row) {
      parts.push(`<rect x="${legendX}" y="${legendY - 4}" width="14" height="4" rx="1" fill="${item.color}"/>`);
      parts.push(`<text x="${legendX + 20}" y="${legendY}" class="legend">${escapeHtml(item.legend)}</text>`);
      legendX += 24 + textWidth(item.legend);
    }
    legendY += 16;
  }
  return parts.join('');
}

/** The whole page: the dashboard's title bar with `note`, then every panel at its grid position. */
export function dashboardPage(title: string, note: string, panels: PanelData[], times: number[]): string {
  const bottom = Math.max(...panels.map((p) => p.gridPos.y + p.gridPos.h));
  const body = panels
    .map((panel) => {
      const { x, y, w, h } = panel.gridPos;
      const style = `left:${x * COLUMN}px;top:${HEADER + y * ROW}px;width:${w * COLUMN - GAP}px;height:${h * ROW - GAP}px`;
      if (panel.type === 'row') return `<div class="row" style="${style}">${escapeHtml(panel.title)}</div>`;
      const width = w * COLUMN - GAP;
      const height = h * ROW - GAP;
      return (
        `<div class="panel" style="${style}"><div class="title">${escapeHtml(panel.title)}</div>` +
        `<svg width="${width}" height="${height}">${chart(panel, width, height, times)}</svg></div>`
      );
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  body { margin: 0; background: #111217; font-family: Inter, "DejaVu Sans", Arial, sans-serif; color: #ccccdc; }
  .page { position: relative; width: ${PAGE_WIDTH}px; height: ${HEADER + bottom * ROW}px; margin: 0 8px; }
  .header { position: absolute; left: 0; top: 12px; font-size: 20px; }
  .header small { display: block; font-size: 12px; color: #8e8e9e; margin-top: 4px; }
  .panel { position: absolute; background: #181b1f; border: 1px solid #2a2d35; border-radius: 2px; overflow: hidden; }
  .panel svg { position: absolute; left: 0; top: 0; }
  .title { position: absolute; left: 10px; top: 6px; font-size: 14px; font-weight: 500; }
  .row { position: absolute; font-size: 16px; font-weight: 500; padding-top: 4px; border-bottom: 1px solid #2a2d35; }
  .grid { stroke: #2a2d35; stroke-width: 1; }
  .tick { fill: #8e8e9e; font-size: 11px; }
  .legend { fill: #ccccdc; font-size: 11px; }
  .line { fill: none; stroke-width: 1.5; }
  .nodata { fill: #8e8e9e; font-size: 14px; }
  </style></head><body><div class="page">
  <div class="header">${escapeHtml(title)}<small>${escapeHtml(note)}</small></div>
  ${body}
  </div></body></html>`;
}
