import { MERCHANTS_100 } from '../../test/bench/settings.ts';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET, WEST_LAKE } from '../../test/support/operations.ts';

/** Who sends the traffic: the gateway's URL and the credentials of a signed-in user and of a partner key. */
export interface TrafficTarget {
  url: string;
  userToken: string;
  partnerKey: string;
}

/** What the traffic did, by HTTP status, for the render's own summary line. */
export type StatusCounts = Map<number, number>;

const PUBLIC_READS = [
  { query: LIFE_FEED, variables: { first: 10, near: WEST_LAKE } },
  { query: NEARBY_DEALS, variables: { at: WEST_LAKE, radius: 3000 } },
  { query: MERCHANT_PAGE, variables: { id: 'mer_kfc', n: 5 } },
  { query: LIVE_ROOM, variables: { id: 'lvs_kfc_1' } },
];

/** Requests a broken or careless client sends: each is refused in its own way (400, 401, a field error). */
const BAD_REQUESTS: { body: string; headers?: Record<string, string> }[] = [
  { body: '{"query": ' },
  { body: JSON.stringify({ query: '{ merchant(id: "mer_kfc") { nope } }' }) },
  { body: JSON.stringify({ query: '{ merchants(first: 500) { edges { node { id } } } }' }) },
  { body: JSON.stringify({ query: '{ me { id } }' }) },
  { body: JSON.stringify({ query: '{ merchant(id: "mer_kfc") { id } }' }), headers: { authorization: 'Bearer nope' } },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A mixed load on the gateway until `until` (ms since the epoch): anonymous app users reading the public pages
 * (each from an address of its own, which the gateway reads from X-Forwarded-For with LIFEGRAPH_TRUSTED_PROXIES=1),
 * a signed-in user opening the wallet, a
 * partner listing merchants, a trickle of bad requests, bursts of identical reads (shared by deduplication) and
 * one greedy client whose expensive pages empty its bucket (429 THROTTLED).
 */
export async function driveTraffic(target: TrafficTarget, until: number): Promise<StatusCounts> {
  const statuses: StatusCounts = new Map();
  const send = async (body: string, headers: Record<string, string> = {}) => {
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    } catch {
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
    }
  };
  const loop = async (pauseMs: number, step: (i: number) => Promise<unknown>) => {
    for (let i = 0; Date.now() < until; i++) {
      await step(i);
      await sleep(pauseMs);
    }
  };
  const from = (address: string) => ({ 'x-forwarded-for': address });
  await Promise.all([
    ...[1, 2, 3, 4].map((n) =>
      // A new app user (address) each time: each has a full bucket, as a crowd of phones would.
      loop(40, (i) =>
        send(JSON.stringify(PUBLIC_READS[(i + n) % PUBLIC_READS.length]), from(`10.${n}.${i >> 8}.${i & 255}`)),
      ),
    ),
    loop(150, () => send(JSON.stringify({ query: WALLET }), { authorization: `Bearer ${target.userToken}` })),
    loop(250, () =>
      send(JSON.stringify({ query: '{ merchants(first: 20) { edges { node { id name category { name } } } } }' }), {
        'x-api-key': target.partnerKey,
      }),
    ),
    loop(300, (i) => {
      const bad = BAD_REQUESTS[i % BAD_REQUESTS.length] as (typeof BAD_REQUESTS)[number];
      return send(bad.body, { ...from('10.0.1.1'), ...bad.headers });
    }),
    // Ten identical reads at once, every two seconds: all but one share the first one's execution.
    loop(2000, () =>
      Promise.all(Array.from({ length: 10 }, () => send(JSON.stringify(PUBLIC_READS[1]), from('10.0.2.1')))),
    ),
    // Ten lists of 100 merchants a second from one address, each costing about 1 400 points: its bucket (15 000,
    // refilling 500 a second) is empty within seconds, and then admits one now and then.
    loop(100, () => send(JSON.stringify({ query: MERCHANTS_100 }), from('10.0.3.1'))),
  ]);
  return statuses;
}
