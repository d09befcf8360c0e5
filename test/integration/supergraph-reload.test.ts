import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { startGateway } from '../../gateway/server.ts';
import { SUPERGRAPH_FILE } from '../../gateway/supergraph.ts';
import type { SupergraphSource } from '../../gateway/supergraph-reload-sources.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { type GraphQLResponseBody, TEST_SECRETS, useTestGraph } from '../support/graph.ts';
import { eventually } from '../support/processes.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Supergraph hot reload (issue 11, item 5): a gateway in this process serves a supergraph from a temporary file
 * (or a URL) over the real subgraphs of a test graph, while queries flow without a pause. A valid new supergraph
 * is swapped in, and what the gateway derives from it (fields, access policy, costs) follows; invalid text, a
 * supergraph composition refuses and a half-written file are each refused, logged and counted, the old one
 * serving on; not one flowing request fails.
 */

const graph = useTestGraph();
const ORIGINAL = readFileSync(SUPERGRAPH_FILE, 'utf8');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `sdl` with `edit` applied to the body of `type <name>`; throws when an edit changed nothing (the SDL moved on). */
function editType(sdl: string, name: string, edit: (body: string) => string): string {
  const start = sdl.indexOf(`\ntype ${name}\n`);
  const end = sdl.indexOf('\n}\n', start);
  if (start < 0 || end < 0) throw new Error(`no type ${name} in the supergraph`);
  const body = sdl.slice(start, end);
  const edited = edit(body);
  if (edited === body) throw new Error(`the edit of ${name} changed nothing: update the test to the supergraph`);
  return sdl.slice(0, start) + edited + sdl.slice(end);
}

const must = (body: string, pattern: RegExp, replacement: string) => {
  if (!pattern.test(body)) throw new Error(`${pattern} is not in the supergraph any more: update the test`);
  return body.replace(pattern, replacement);
};

/**
 * A valid change touching each thing derived from the supergraph: `Merchant.city` removed (the schema),
 * `Merchant.status` made @authenticated (the access policy) and `Merchant.miniPrograms` assumed 50 long, not 5
 * (the cost model).
 */
const CHANGED = editType(ORIGINAL, 'Merchant', (body) => {
  let edited = must(body, /\n {2}"""The city the merchant is registered in\."""\n {2}city: String![^\n]*\n/, '\n');
  edited = must(edited, /(\n {2}status: MerchantStatus! @join__field\(graph: MERCHANTS\))/, '$1 @authenticated');
  return must(edited, /(miniPrograms: [^\n]*@listSize\(assumedSize: )5\)/, '$150)');
});
/** Parses, but composition refuses it: the root field `merchant` returns a type that does not exist. */
const UNCOMPOSABLE = editType(ORIGINAL, 'Query', (body) =>
  must(body, /\): Merchant @join__field\(graph: MERCHANTS\)/, '): Merchant2 @join__field(graph: MERCHANTS)'),
);

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
}

/** A gateway over the test graph's subgraphs that reloads from `source`, with a logger the test reads. */
async function reloadingGateway(
  source: SupergraphSource,
  urlOverrides?: Parameters<typeof startGateway>[0]['urlOverrides'],
) {
  const logs: LogLine[] = [];
  const gateway = await startGateway(
    {
      supergraphSdl: ORIGINAL,
      subgraphSecret: TEST_SECRETS.subgraphSecret,
      authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret })),
      urlOverrides: urlOverrides ?? Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, graph.subgraphs[name].url])),
      supergraphSource: source,
      logger: pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
    },
    0,
  );
  const origin = new URL(gateway.url).origin;
  const post = async (query: string) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponseBody };
  };
  const readyz = async () =>
    (await (await fetch(`${origin}/readyz`)).json()) as { supergraph: { hash: string; loadedAt: string } };
  const metrics = async () => (await fetch(`${origin}/metrics`)).text();
  const failures = async () =>
    Number((await metrics()).match(/^lifegraph_supergraph_reload_failures_total (\d+)$/m)?.[1] ?? Number.NaN);
  const refusals = () => logs.filter((line) => line.msg.startsWith('supergraph reload refused'));
  return { gateway, logs, post, readyz, metrics, failures, refusals };
}

/**
 * Queries that every version serves the same, sent back to back by `concurrency` loops until stopped; every answer
 * that is not a 200 without errors is kept.
 */
function flowingRequests(post: (query: string) => Promise<{ status: number; body: GraphQLResponseBody }>) {
  const queries = [
    '{ merchant(id: "mer_kfc") { id name } }',
    '{ merchants(first: 3) { edges { node { id name } } } }',
    '{ __typename }',
  ];
  let running = true;
  let sent = 0;
  const failed: unknown[] = [];
  const loop = async (offset: number) => {
    for (let i = offset; running; i++) {
      try {
        const { status, body } = await post(queries[i % queries.length] as string);
        if (status !== 200 || body.errors) failed.push({ status, body });
      } catch (error) {
        failed.push(String(error));
      }
      sent++;
    }
  };
  const loops = Array.from({ length: 4 }, (_, i) => loop(i));
  return {
    sent: () => sent,
    failed,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const MERCHANT_FIELDS = '{ __type(name: "Merchant") { fields { name } } }';
const fieldsOf = (body: GraphQLResponseBody) => body.data.__type.fields.map((f: { name: string }) => f.name);

describe('a gateway serving a supergraph file, while requests flow', () => {
  const dir = testDataDir('lg-reload-');
  const file = join(dir, 'supergraph.graphql');
  let reloading: Awaited<ReturnType<typeof reloadingGateway>>;
  let flow: ReturnType<typeof flowingRequests>;

  beforeAll(async () => {
    writeFileSync(file, ORIGINAL);
    // A long mtime poll: the swaps below come from fs.watch on the directory.
    reloading = await reloadingGateway({ file, pollMs: 60_000, debounceMs: 50 });
    flow = flowingRequests(reloading.post);
  });
  afterAll(async () => {
    await flow?.stop();
    await reloading?.gateway.stop();
  });

  /** Waits until more requests have been answered during the current step. */
  const whileRequestsFlow = async () => {
    const before = flow.sent();
    await eventually(() => flow.sent() >= before + 20, 'requests flow');
  };

  it('serves the file it started with, its hash in /readyz and the info metric', async () => {
    await whileRequestsFlow();
    expect((await reloading.readyz()).supergraph.hash).toBe(sha256(ORIGINAL));
    expect(await reloading.metrics()).toContain(`lifegraph_supergraph_info{hash="${sha256(ORIGINAL)}"} 1`);
    expect(fieldsOf((await reloading.post(MERCHANT_FIELDS)).body)).toContain('city');
  });

  it('swaps in a valid new supergraph (written and renamed over, as a deploy does): schema, policy and costs follow', async () => {
    const cost = async () =>
      (await reloading.post('{ merchant(id: "mer_kfc") { miniPrograms { id } } }')).body.extensions?.cost
        ?.requestedQueryCost;
    const before = await cost();
    const loadedBefore = (await reloading.readyz()).supergraph.loadedAt;
    writeFileSync(`${file}.tmp`, CHANGED);
    renameSync(`${file}.tmp`, file);
    await eventually(async () => (await reloading.readyz()).supergraph.hash === sha256(CHANGED), 'the swap', 15_000);
    await whileRequestsFlow();

    expect((await reloading.readyz()).supergraph.loadedAt).not.toBe(loadedBefore);
    expect(fieldsOf((await reloading.post(MERCHANT_FIELDS)).body)).not.toContain('city');
    // The access policy is the new supergraph's: status now needs a signed-in caller (its null, non-null, bubbles up).
    const status = await reloading.post('{ merchant(id: "mer_kfc") { id status } }');
    expect(status.body.data).toEqual({ merchant: null });
    expect(status.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['UNAUTHENTICATED', ['merchant', 'status']],
    ]);
    // And so is the cost model: 50 mini programs assumed instead of 5.
    expect(await cost()).toBeGreaterThan(before as number);
    // One series: the old hash's is gone.
    const info = (await reloading.metrics()).match(/^lifegraph_supergraph_info\{.*$/gm);
    expect(info).toEqual([`lifegraph_supergraph_info{hash="${sha256(CHANGED)}"} 1`]);
    expect(reloading.logs.some((line) => line.msg.startsWith('supergraph reloaded from'))).toBe(true);
  });

  it.each([
    ['text that is not GraphQL', () => 'this is not { a supergraph', /^it is not GraphQL: Syntax Error/],
    ['a supergraph composition refuses', () => UNCOMPOSABLE, /^composition refused it: .*Merchant2/],
    ['a half-written file', () => ORIGINAL.slice(0, Math.floor(ORIGINAL.length / 2)), /^it is not GraphQL/],
  ])('refuses %s: logged with its reason and counted, the old supergraph serving on', async (_, text, reason) => {
    const failuresBefore = await reloading.failures();
    const refusalsBefore = reloading.refusals().length;
    writeFileSync(file, text());
    await eventually(async () => (await reloading.failures()) > failuresBefore, 'the refusal is counted', 15_000);
    await whileRequestsFlow();

    const refusal = reloading.refusals().at(-1);
    expect(reloading.refusals().length).toBe(refusalsBefore + 1);
    expect(refusal?.level).toBe(40);
    expect(refusal?.reason).toMatch(reason);
    expect(refusal?.msg).toContain(`still serving ${sha256(CHANGED).slice(0, 16)}`);
    expect(refusal?.msg).not.toContain('\n');
    expect((await reloading.readyz()).supergraph.hash).toBe(sha256(CHANGED));
    expect(fieldsOf((await reloading.post(MERCHANT_FIELDS)).body)).not.toContain('city');
  });

  it('swaps back to the first supergraph, and not one of the flowing requests failed', async () => {
    writeFileSync(file, ORIGINAL);
    await eventually(async () => (await reloading.readyz()).supergraph.hash === sha256(ORIGINAL), 'the swap', 15_000);
    await whileRequestsFlow();
    expect(fieldsOf((await reloading.post(MERCHANT_FIELDS)).body)).toContain('city');
    expect((await reloading.post('{ merchant(id: "mer_kfc") { status } }')).body.errors).toBeUndefined();
    await flow.stop();
    expect(flow.failed).toEqual([]);
    expect(flow.sent()).toBeGreaterThan(100);
  });
});

describe('a gateway polling LIFEGRAPH_SUPERGRAPH_URL', () => {
  let served: { status: number; body: string } = { status: 200, body: ORIGINAL };
  let notModified = 0;
  const server = http.createServer((req, res) => {
    const etag = `"${sha256(served.body).slice(0, 16)}"`;
    if (served.status === 200 && req.headers['if-none-match'] === etag) {
      notModified++;
      res.writeHead(304).end();
      return;
    }
    res.writeHead(served.status, { 'content-type': 'text/plain', etag }).end(served.body);
  });
  let reloading: Awaited<ReturnType<typeof reloadingGateway>>;
  /** Where nothing listens (a port just freed): a supergraph moving a subgraph there is refused. */
  let nowhere = '';

  beforeAll(async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    nowhere = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/graphql`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/supergraph.graphql?token=secret`;
    // The test graph's URL for each subgraph, except where a supergraph moves one to `nowhere`.
    const overrides = (subgraphs: { name: string; url: string }[]) =>
      Object.fromEntries(
        subgraphs
          .filter((s) => s.url !== nowhere)
          .map((s) => [s.name, graph.subgraphs[s.name as (typeof SUBGRAPH_NAMES)[number]].url]),
      );
    reloading = await reloadingGateway({ url, pollMs: 100 }, overrides);
  });
  afterAll(async () => {
    await reloading?.gateway.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('asks with If-None-Match, and swaps in a new version when the URL serves one', async () => {
    await eventually(() => notModified > 0, 'a 304 for the unchanged supergraph');
    served = { status: 200, body: CHANGED };
    await eventually(async () => (await reloading.readyz()).supergraph.hash === sha256(CHANGED), 'the swap');
    expect(fieldsOf((await reloading.post(MERCHANT_FIELDS)).body)).not.toContain('city');
  });

  it('refuses a version that moves a subgraph to where nothing answers, naming it', async () => {
    const moved = CHANGED.replace(/(@join__graph\(name: "social", url: ")[^"]+"/, `$1${nowhere}"`);
    expect(moved).not.toBe(CHANGED);
    served = { status: 200, body: moved };
    await eventually(() => reloading.refusals().length > 0, 'the refusal');
    expect(reloading.refusals().at(-1)?.reason).toMatch(/^subgraph social does not answer: .*ECONNREFUSED/);
    expect((await reloading.readyz()).supergraph.hash).toBe(sha256(CHANGED));
  });

  it('counts a URL that fails on every poll, logs it once, and keeps serving', async () => {
    served = { status: 503, body: 'down' };
    const before = await reloading.failures();
    await eventually(async () => (await reloading.failures()) >= before + 3, 'three failed polls counted');
    const down = reloading.refusals().filter((line) => line.reason?.includes('HTTP 503'));
    expect(down).toHaveLength(1);
    // The URL's query (where tokens go) is never logged.
    expect(down[0]?.msg).not.toContain('secret');
    expect(down[0]?.reason).toMatch(
      /^cannot read it: GET http:\/\/127\.0\.0\.1:\d+\/supergraph\.graphql answered HTTP 503$/,
    );
    expect((await reloading.post('{ merchant(id: "mer_kfc") { id } }')).body.errors).toBeUndefined();
    expect((await reloading.readyz()).supergraph.hash).toBe(sha256(CHANGED));
  });
});
