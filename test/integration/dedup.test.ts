import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { dedupRequestsFromEnv } from '../../gateway/request-dedup.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { dedupSubgraphFetchesFromEnv, InFlight } from '../../gateway/subgraph-fetch/dedup.ts';
import { SUPERGRAPH_FILE } from '../../gateway/supergraph.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/contract/index.ts';
import { splitCost } from '../support/cost.ts';
import { type As, TEST_SECRETS, useTestGraph } from '../support/graph.ts';

const graph = useTestGraph();

/** Long enough that every concurrent request of a test reaches its subgraph fetch before the first is answered. */
const SUBGRAPH_DELAY_MS = 300;
const READ = '{ post(id: "pst_kfc_1") { id likeCount viewerHasLiked store { id name } } }';
/** Request ids starting with this make the proxies answer 500. */
const FAILING_REQUEST = 'fail-';

/** A proxy in front of one subgraph that holds each request a while and counts the requests it forwards. */
async function slowCountingProxy(target: string) {
  const proxy = {
    server: undefined as unknown as Server,
    url: '',
    requests: 0,
    mutations: 0,
    requestIds: [] as string[],
  };
  proxy.server = createServer(async (req, res) => {
    // The gateway's live-subscription feed long-polls GET /events here too: pass it through, uncounted.
    if (req.method !== 'POST') {
      const { host: _host, ...headers } = req.headers as Record<string, string>;
      const answer = await fetch(new URL(req.url ?? '/', target), { headers });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(await answer.text());
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    proxy.requests++;
    const requestId = String(req.headers['x-request-id']);
    proxy.requestIds.push(requestId);
    if ((JSON.parse(body) as { query: string }).query.trimStart().startsWith('mutation')) proxy.mutations++;
    await new Promise((resolve) => setTimeout(resolve, SUBGRAPH_DELAY_MS));
    // A request the test marks fails inside the subgraph: the gateway answers an internal error.
    if (requestId.startsWith(FAILING_REQUEST)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ data: null, errors: [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }),
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'content-length'),
    ) as Record<string, string>;
    const answer = await fetch(target, { method: 'POST', headers, body });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(await answer.text());
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}/graphql`;
  return proxy;
}
type Proxy = Awaited<ReturnType<typeof slowCountingProxy>>;

/** A gateway over slow counting proxies of the test graph's subgraphs; dedup from the environment if not given. */
function useProxiedGateway(
  dedup: { dedupSubgraphFetches?: boolean; dedupRequests?: boolean } = {},
  logger = pino({ level: 'silent' }),
) {
  const state = { gateway: undefined as unknown as RunningGateway, proxies: {} as Record<SubgraphName, Proxy> };
  beforeAll(async () => {
    for (const name of SUBGRAPH_NAMES) state.proxies[name] = await slowCountingProxy(graph.subgraphs[name].url);
    state.gateway = await startGateway(
      {
        supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
        subgraphSecret: TEST_SECRETS.subgraphSecret,
        authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret })),
        urlOverrides: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, state.proxies[name].url])),
        logger,
        ...dedup,
      },
      0,
    );
  });
  afterAll(async () => {
    await state.gateway?.stop();
    for (const proxy of Object.values(state.proxies)) proxy.server.close();
  });
  const requests = () =>
    Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, state.proxies[name].requests])) as Record<
      SubgraphName,
      number
    >;
  const query = async (operation: string, as?: As) => {
    const response = await fetch(state.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(as ? { authorization: `Bearer ${await graph.tokenFor(as)}` } : {}),
      },
      body: JSON.stringify({ query: operation }),
    });
    // Without extensions.cost: each caller's bucket is its own, the rest of the answers must be the same.
    // biome-ignore lint/suspicious/noExplicitAny: the tests read a few known fields
    return splitCost((await response.json()) as { data?: any; errors?: unknown[] }, response.status).body;
  };
  /** What one run of `run` cost each subgraph, in requests. */
  const cost = async (run: () => Promise<unknown>) => {
    const before = requests();
    await run();
    const after = requests();
    return Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, after[name] - before[name]]));
  };
  const dedupCount = async (kind: DedupKind) => {
    const text = await (await fetch(state.gateway.url.replace('/graphql', '/metrics'))).text();
    return Number(new RegExp(`^lifegraph_dedup_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  };
  return { state, query, cost, dedupCount };
}

type DedupKind = 'subgraph_fetch' | 'request';
const times = <T>(n: number, run: () => Promise<T>) => Promise.all(Array.from({ length: n }, run));

const KINDS = [
  // One share per subgraph fetch joined.
  {
    kind: 'subgraph_fetch',
    setting: { dedupSubgraphFetches: true },
    shares: (callers: number, fetches: number) => callers * fetches,
  },
  // One share per request joined, however many fetches it saved.
  { kind: 'request', setting: { dedupRequests: true }, shares: (callers: number) => callers },
] as const;

describe.each(KINDS)('$kind dedup on', ({ kind, setting, shares }) => {
  const gateway = useProxiedGateway(setting);
  const total = (cost: Record<string, number>) => Object.values(cost).reduce((sum, n) => sum + n, 0);

  it('N identical concurrent anonymous reads cost each subgraph one fetch, and each caller gets its own answer', async () => {
    const one = await gateway.cost(() => gateway.query(READ));
    expect(one.content).toBe(1);
    expect(one.merchants).toBe(1);
    const sharedBefore = await gateway.dedupCount(kind);
    let answers: Awaited<ReturnType<typeof gateway.query>>[] = [];
    const five = await gateway.cost(async () => {
      answers = await times(5, () => gateway.query(READ));
    });
    expect(five).toEqual(one);
    expect(answers.map((a) => a.errors)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.data.post).toMatchObject({
      id: 'pst_kfc_1',
      viewerHasLiked: false,
      store: { id: expect.any(String) },
    });
    // Four of the five callers joined the work the first one started.
    expect((await gateway.dedupCount(kind)) - sharedBefore).toBe(shares(4, total(one)));
  });

  it('two identities never share a fetch: each sees its own viewerHasLiked', async () => {
    const liked = await graph.query('mutation { likePost(postId: "pst_kfc_1") { post { id } } }', { as: 'usr_dave' });
    expect(liked.body.errors).toBeUndefined();
    const sharedBefore = await gateway.dedupCount(kind);
    let answers: Awaited<ReturnType<typeof gateway.query>>[] = [];
    const cost = await gateway.cost(async () => {
      answers = await Promise.all([gateway.query(READ, 'usr_dave'), gateway.query(READ, 'usr_erin')]);
    });
    expect(cost.content).toBe(2);
    expect(answers.map((a) => a.data.post.viewerHasLiked)).toEqual([true, false]);
    // Two concurrent reads by the same user do share.
    const same = await gateway.cost(() => times(2, () => gateway.query(READ, 'usr_erin')));
    expect(same.content).toBe(1);
    expect((await gateway.dedupCount(kind)) - sharedBefore).toBe(shares(1, total(same)));
  });

  it('a mutation is never shared: two identical concurrent mutations by one user both reach the subgraph', async () => {
    const mutation = 'mutation { likePost(postId: "pst_kfc_2") { post { id } } }';
    const sharedBefore = await gateway.dedupCount(kind);
    const mutationsBefore = gateway.state.proxies.content.mutations;
    const answers = await times(2, () => gateway.query(mutation, 'usr_frank'));
    expect(answers.map((a) => a.errors)).toEqual([undefined, undefined]);
    expect(gateway.state.proxies.content.mutations - mutationsBefore).toBe(2);
    expect(await gateway.dedupCount(kind)).toBe(sharedBefore);
  });
});

describe('request dedup: each caller keeps its own request id', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (text: string) => lines.push(JSON.parse(text)) });
  const gateway = useProxiedGateway({ dedupRequests: true }, logger);
  const send = (requestId: string) =>
    fetch(gateway.state.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ query: READ }),
    });
  /** The `graphql request` log line of each id (the gateway writes them once each response has gone). */
  const requestLines = async (ids: string[]) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return ids.map((id) => lines.filter((line) => line.msg === 'graphql request' && line.requestId === id));
  };

  it('in its response header and its log line; the joiners name the request that ran it, whose id the subgraph got', async () => {
    const ids = ['shared-a', 'shared-b', 'shared-c'];
    const before = gateway.state.proxies.content.requestIds.length;
    const answers = await Promise.all(ids.map(send));
    expect(answers.map((a) => a.headers.get('x-request-id'))).toEqual(ids);
    // One execution, under the id of the request that started it.
    const fetched = gateway.state.proxies.content.requestIds.slice(before);
    expect(fetched).toHaveLength(1);
    const ran = fetched[0] as string;
    expect(ids).toContain(ran);
    const found = await requestLines(ids);
    expect(found.map((l) => l.length)).toEqual([1, 1, 1]);
    for (const [i, id] of ids.entries()) {
      expect(found[i]?.[0]).toMatchObject({ operation: 'anonymous', caller: 'anonymous', outcome: 'ok', status: 200 });
      expect(found[i]?.[0]?.sharedFrom).toBe(id === ran ? undefined : ran);
    }
  });

  it('in the extensions of its internal errors', async () => {
    const ids = [`${FAILING_REQUEST}a`, `${FAILING_REQUEST}b`, `${FAILING_REQUEST}c`];
    const before = gateway.state.proxies.content.requestIds.length;
    const answers = await Promise.all(ids.map(send));
    expect(gateway.state.proxies.content.requestIds.length - before).toBe(1);
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as {
      errors?: { extensions?: { code?: string; requestId?: string } }[];
    }[];
    for (const [i, id] of ids.entries()) {
      expect(bodies[i]?.errors?.length).toBeGreaterThan(0);
      for (const error of bodies[i]?.errors ?? []) expect(error.extensions?.requestId).toBe(id);
    }
    const found = (await requestLines(ids)).flat();
    expect(found.map((line) => [line.outcome, line.codes])).toEqual(
      Array(3).fill(['partial', ['INTERNAL_SERVER_ERROR']]),
    );
    expect(found.filter((line) => line.sharedFrom !== undefined)).toHaveLength(2);
  });
});

describe('dedup off (the default)', () => {
  const gateway = useProxiedGateway();

  it('N identical concurrent anonymous reads each make their own fetches', async () => {
    const one = await gateway.cost(() => gateway.query(READ));
    const five = await gateway.cost(() => times(5, () => gateway.query(READ)));
    expect(five).toEqual(Object.fromEntries(Object.entries(one).map(([name, n]) => [name, 5 * n])));
    expect([await gateway.dedupCount('subgraph_fetch'), await gateway.dedupCount('request')]).toEqual([0, 0]);
  });
});

describe('work in flight', () => {
  it('a caller that aborts stops waiting; the work goes on for the others and is cancelled once all have left', async () => {
    let joined = 0;
    const inFlight = new InFlight<string>(() => joined++);
    const started: { finish: (value: string) => void; signal: AbortSignal }[] = [];
    const start = (signal: AbortSignal) =>
      new Promise<string>((resolve) => {
        started.push({ finish: resolve, signal });
      });
    const leaving = new AbortController();
    const first = inFlight.run('k', start, leaving.signal);
    const second = inFlight.run('k', start, new AbortController().signal);
    leaving.abort(new Error('client left'));
    await expect(first).rejects.toThrow('client left');
    const third = inFlight.run('k', start, new AbortController().signal);
    expect(started[0]?.signal.aborted).toBe(false);
    started[0]?.finish('answer');
    expect(await Promise.all([second, third])).toEqual(['answer', 'answer']);
    expect([started.length, joined]).toEqual([1, 2]);
    // Settled work is forgotten: the next caller starts anew, and when its only caller leaves, it is cancelled.
    const alone = new AbortController();
    const next = inFlight.run('k', start, alone.signal);
    alone.abort(new Error('client left'));
    await expect(next).rejects.toThrow('client left');
    expect(started.length).toBe(2);
    expect(started[1]?.signal.aborted).toBe(true);
  });

  // The readers the gateway calls, so a wrong variable name in either fails here.
  it.each([
    ['LIFEGRAPH_DEDUP_SUBGRAPH_FETCHES', dedupSubgraphFetchesFromEnv],
    ['LIFEGRAPH_DEDUP_REQUESTS', dedupRequestsFromEnv],
  ] as const)('%s is off unless set to on, and anything else stops the start', (key, read) => {
    expect(read({})).toBe(false);
    expect(read({ [key]: 'off' })).toBe(false);
    expect(read({ [key]: ' on ' })).toBe(true);
    expect(() => read({ [key]: 'yes' })).toThrow(`${key} must be "on" or "off"`);
  });
});
