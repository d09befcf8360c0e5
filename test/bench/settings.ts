import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET, WEST_LAKE } from '../support/operations.ts';

/** The repository root: parts, CLIs and the JSON report are found from it. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Reads a whole-number setting from the environment once, failing fast with a readable message. */
function intSetting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number >= ${min}, got "${raw}"`);
  return value;
}

/** Reads a setting that takes one of `choices` (the first is the default). */
function choiceSetting<T extends string>(name: string, choices: readonly T[]): T {
  const raw = process.env[name] || choices[0];
  const choice = choices.find((c) => c === raw);
  if (!choice) throw new Error(`${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return choice;
}

export const settings = {
  mode: choiceSetting('BENCH_MODE', ['compare', 'inprocess'] as const),
  // Compare mode: the gateways call the real subgraphs, or replay-subgraph.ts in front of each (repeats answered
  // from memory), so that each gateway is what limits the run.
  subgraphs: choiceSetting('BENCH_SUBGRAPHS', ['real', 'replay'] as const),
  // Our gateway's own caches (verified tokens, per-operation analysis): as shipped, or off to measure without them.
  gatewayCaches: choiceSetting('BENCH_GATEWAY_CACHES', ['on', 'off'] as const),
  // Our gateway with both opt-in deduplications on (identical concurrent requests and subgraph fetches share work).
  gatewayDedup: choiceSetting('BENCH_GATEWAY_DEDUP', ['off', 'on'] as const),
  connections: intSetting('BENCH_CONNECTIONS', 10, 1),
  // Compare mode: requests per second offered to each gateway (autocannon's overallRate over all connections);
  // 0 sends as fast as the connections go.
  rate: intSetting('BENCH_RATE', 0, 0),
  durationSeconds: intSetting('BENCH_DURATION', 10, 1),
  warmupSeconds: intSetting('BENCH_WARMUP', 3, 0),
  // Measured pairs (ours, baseline) per operation, the order alternating; the report gives the median pair.
  rounds: intSetting('BENCH_ROUNDS', 1, 1),
  // Scale 5 is the smallest with 100 merchants (108), so that the large operation lists 100 items.
  scale: intSetting('BENCH_SCALE', 5, 1),
  // One worker thread fires the load, so the client does not share an event loop with what it measures.
  workers: intSetting('BENCH_WORKERS', 1, 0),
  // Node options for our gateway only (e.g. heap settings to try), as NODE_OPTIONS.
  gatewayNodeOptions: process.env.BENCH_GATEWAY_NODE_OPTIONS ?? '',
  // A directory: our gateway runs under the V8 CPU profiler and writes its profile there when the benchmark stops it.
  profileDir: process.env.BENCH_PROFILE ? path.resolve(process.env.BENCH_PROFILE) : null,
  // Passed to our gateway as --workers N only when set.
  gatewayWorkers: process.env.BENCH_GATEWAY_WORKERS ? intSetting('BENCH_GATEWAY_WORKERS', 1, 1) : null,
};
export type Settings = typeof settings;

export const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()) ?? null;
export const outFile = path.resolve(ROOT, process.env.BENCH_OUT ?? 'data/bench/latest.json');

/** An operation sent as the client teams send it. */
export interface Operation {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** A signed-in user, sent as an `Authorization: Bearer` token. */
  as?: string;
}

/** One list of 100 merchants, each with its life account (content) and coupon templates (offers). */
export const MERCHANTS_100 = /* GraphQL */ `#graphql
  query Merchants100 {
    merchants(first: 100) { edges { node { id name category { name }
      lifeAccount { id name followerCount }
      couponTemplates(first: 3) { edges { node { id title remainingStock faceValue { yuan } } } } } } }
  }
`;

/** The five client operations of test/support/operations.ts, and the large one. */
export const OPERATIONS: Operation[] = [
  { name: 'LifeFeed', query: LIFE_FEED, variables: { first: 10, near: WEST_LAKE }, as: 'usr_alice' },
  { name: 'NearbyDeals', query: NEARBY_DEALS, variables: { at: WEST_LAKE, radius: 3000 } },
  { name: 'Wallet', query: WALLET, variables: {}, as: 'usr_alice' },
  { name: 'MerchantPage', query: MERCHANT_PAGE, variables: { id: 'mer_kfc', n: 5 } },
  { name: 'LiveRoom', query: LIVE_ROOM, variables: { id: 'lvs_kfc_1' } },
  { name: 'Merchants100', query: MERCHANTS_100, variables: {} },
];

/** The operations BENCH_ONLY selects (all by default). */
export function selectedOperations(): Operation[] {
  const selected = OPERATIONS.filter((op) => !only || only.includes(op.name));
  if (selected.length === 0)
    throw new Error(`BENCH_ONLY matches no operation; pick from ${OPERATIONS.map((o) => o.name)}`);
  return selected;
}
