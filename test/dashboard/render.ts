import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { signUserToken } from '../../gateway/auth/user-token.ts';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { exitWithUsageError, loadSecrets, parseCommandLine } from '../../subgraphs/contract/index.ts';
import {
  type Server,
  seed,
  startServer,
  startSubgraphs,
  stopAll,
  subgraphPortsEnv,
} from '../../test/bench/processes.ts';
import { dashboardPage, type PanelData } from './page.ts';
import { evaluate, legendOf, parseExposition, parsePromQL, type Series } from './promql.ts';
import { driveTraffic } from './traffic.ts';

const { values } = parseCommandLine({
  command: 'npx tsx test/dashboard/render.ts',
  usage: `Usage: npx tsx test/dashboard/render.ts [--seconds N] [--out FILE] [--chromium PATH]
Renders gateway/grafana/lifegraph.json from real data: starts the whole graph (four subgraphs and the gateway, on a fresh
seeded data directory), drives a mixed load for N seconds while scraping every process's /metrics each second,
computes each panel's queries from those samples and screenshots the panels in headless Chromium.
  --seconds N      how long the load runs (default 40)
  --out FILE       the PNG written (default gateway/grafana/dashboard.png)
  --chromium PATH  the browser (default /usr/bin/chromium, Debian's chromium package)
Prints the PNG's path on stdout; progress goes to stderr.`,
  options: {
    seconds: { type: 'string', default: '40' },
    out: { type: 'string', default: fileURLToPath(new URL('../../gateway/grafana/dashboard.png', import.meta.url)) },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 10 || seconds > 600) exitWithUsageError('--seconds must be 10 to 600');

/** Grafana's `$__rate_interval` for a 1 s scrape interval is 4 scrape intervals; one more keeps two samples in it. */
const RATE_INTERVAL = '5s';
const SCRAPE_MS = 1000;

interface Dashboard {
  title: string;
  panels: {
    type: string;
    title: string;
    gridPos: PanelData['gridPos'];
    fieldConfig?: { defaults?: { unit?: string } };
    targets?: { expr: string; legendFormat?: string }[];
  }[];
}

const say = (text: string) => process.stderr.write(`${text}\n`);

/** Every sample of every scrape, by metric name, with the job and instance labels Prometheus would add. */
const store = new Map<string, Series[]>();
const byKey = new Map<string, Series>();
function record(job: string, instance: string, text: string, at: number) {
  for (const sample of parseExposition(text)) {
    const labels = { ...sample.labels, job, instance };
    const key = `${sample.name}${JSON.stringify(labels)}`;
    let series = byKey.get(key);
    if (!series) {
      series = { name: sample.name, labels, points: [] };
      byKey.set(key, series);
      store.set(sample.name, [...(store.get(sample.name) ?? []), series]);
    }
    series.points.push([at, sample.value]);
  }
}

async function scrape(targets: { job: string; url: string }[], at: number) {
  await Promise.all(
    targets.map(async ({ job, url }) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_MS) });
        if (response.ok) record(job, new URL(url).host, await response.text(), at);
      } catch {
        // Down (the incident below): no samples, as Prometheus records `up 0` and nothing else.
      }
    }),
  );
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'lifegraph-dashboard-'));
const running: Server[][] = [];
try {
  say(`seeding ${dataDir}`);
  await seed(dataDir, 1);
  const secrets = loadSecrets(dataDir);
  const keys = new ApiKeyStore(dataDir);
  const partnerKey = keys.create({ name: 'dashboard', scopes: [], merchants: [], expiresAt: null }).key;
  keys.close();
  const env = {
    LOG_LEVEL: 'warn',
    LIFEGRAPH_DEDUP_REQUESTS: 'on',
    LIFEGRAPH_DEDUP_SUBGRAPH_FETCHES: 'on',
    LIFEGRAPH_TRUSTED_PROXIES: '1',
    NODE_ENV: '',
  };
  const subgraphs = await startSubgraphs(dataDir);
  running.push(subgraphs);
  const gateway = await startServer(
    'gateway',
    'gateway/cli/gateway.ts',
    ['--supergraph', 'schema/supergraph.graphql', '--port', '0', '--data-dir', dataDir],
    { ...env, ...subgraphPortsEnv(subgraphs) },
  );
  running.unshift([gateway]);
  const targets = [gateway, ...subgraphs].map((s) => ({
    job: s.part.name === 'gateway' ? 'lifegraph-gateway' : `lifegraph-${s.part.name}`,
    url: `http://127.0.0.1:${s.port}/metrics`,
  }));
  const userToken = await signUserToken({ userId: 'usr_alice' }, { secret: secrets.jwtSecret });

  say(`load for ${seconds} s, scraping ${targets.length} processes every second`);
  const started = Date.now();
  const until = started + seconds * 1000;
  const times: number[] = [];
  const scraping = (async () => {
    for (let tick = 0; Date.now() <= until + SCRAPE_MS; tick++) {
      const at = Math.round((started + tick * SCRAPE_MS) / 1000);
      times.push(at);
      await scrape(targets, at);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (tick + 1) * SCRAPE_MS - Date.now())));
    }
  })();
  // An incident for the failure panels: the social subgraph stops at 35 % of the run and is restarted 8 s later
  // (early enough for the circuit to close again before the end).
  const incident = (async () => {
    const social = subgraphs.find((s) => s.part.name === 'social') as Server;
    await new Promise((resolve) => setTimeout(resolve, seconds * 350));
    say('stopping the social subgraph for 8 s');
    await social.part.stop();
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const back = await startServer('social', 'subgraphs/cli.ts', [
      'social',
      '--port',
      String(social.port),
      '--data-dir',
      dataDir,
    ]);
    subgraphs[subgraphs.indexOf(social)] = back;
  })();
  const statuses = await driveTraffic({ url: gateway.url, userToken, partnerKey }, until);
  await Promise.all([scraping, incident]);
  say(`answers by status: ${[...statuses].map(([status, n]) => `${status} ×${n}`).join(', ')}`);

  const dashboard = JSON.parse(
    readFileSync(new URL('../../gateway/grafana/lifegraph.json', import.meta.url), 'utf8'),
  ) as Dashboard;
  // From the first full rate window to the last second the load ran for (it winds down after).
  const shown = times.filter((t) => t >= (times[0] ?? 0) + 5 && t <= until / 1000 - 1);
  const panels: PanelData[] = dashboard.panels.map((panel) => {
    const lines = new Map<string, (number | null)[]>();
    for (const target of panel.targets ?? []) {
      const query = parsePromQL(target.expr.replaceAll('$__rate_interval', RATE_INTERVAL));
      shown.forEach((at, i) => {
        for (const sample of evaluate(query, store, at)) {
          const legend = legendOf(target.legendFormat, sample.labels);
          const line = lines.get(legend) ?? Array<number | null>(shown.length).fill(null);
          line[i] = sample.value;
          lines.set(legend, line);
        }
      });
    }
    return {
      type: panel.type,
      title: panel.title,
      gridPos: panel.gridPos,
      unit: panel.fieldConfig?.defaults?.unit,
      lines: [...lines].map(([legend, values]) => ({ legend, values })),
    };
  });
  const note =
    `Rendered by test/dashboard/render.ts from real samples: ${seconds} s of mixed load on the whole graph ` +
    `(${new Date(started).toISOString().slice(0, 16)}Z), every process's /metrics scraped each second; ` +
    `$__rate_interval = ${RATE_INTERVAL}. The social subgraph was stopped for 8 s mid-run.`;
  const browser = await chromium.launch({
    executablePath: values.chromium,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1616, height: 900 } });
    await page.setContent(dashboardPage(dashboard.title, note, panels, shown));
    await page.screenshot({ path: values.out, fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(values.out);
} finally {
  await stopAll(running);
  rmSync(dataDir, { recursive: true, force: true });
}
