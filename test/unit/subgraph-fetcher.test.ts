import { createHook } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../gateway/context.ts';
import { SignedDataSource } from '../../gateway/signed-data-source.ts';
import { RequestBodies } from '../../gateway/subgraph-fetch/body.ts';
import { SubgraphBreakers } from '../../gateway/subgraph-fetch/breakers.ts';
import { SubgraphFetcher } from '../../gateway/subgraph-fetch/fetcher.ts';
import { IDENTITY_HEADER, type Identity, verifyIdentity } from '../../subgraphs/contract/identity.ts';
import { eventually, startHangingServer } from '../support/processes.ts';

const SECRET = 'subgraph-secret-subgraph-secret-32';
const ALICE: Identity = { kind: 'user', subject: 'usr_alice', scopes: [], merchantIds: [] };
const OPTIONS = { timeoutMs: 300, breakerFailures: 5, breakerCooldownMs: 10_000 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A subgraph stand-in that counts connections and answers each POST with `answer(body, headers)`. */
async function startServer(
  answer: (body: Buffer, headers: http.IncomingHttpHeaders) => { status?: number; headers?: object; body: Buffer },
) {
  const counts = { connections: 0, closed: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = answer(Buffer.concat(chunks), req.headers);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body);
    });
  });
  server.on('connection', (socket) => {
    counts.connections += 1;
    socket.once('close', () => {
      counts.closed += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, counts };
}

function dataSource(url: string, fetcher: SubgraphFetcher, options = OPTIONS) {
  return new SignedDataSource(
    { name: 'offers', url },
    SECRET,
    options,
    new SubgraphBreakers(['offers'], options),
    fetcher,
  );
}

function fetchOf(query: string, variables: Record<string, unknown> = {}) {
  return {
    kind: 'health check',
    request: { query, variables },
    context: { identity: ALICE, requestId: 'req_1' },
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('the subgraph fetcher', () => {
  it('keeps one connection alive across sequential fetches, each signed for the exact body it sends', async () => {
    const received: Identity[] = [];
    const server = await startServer((body, headers) => {
      received.push(verifyIdentity(String(headers[IDENTITY_HEADER]), SECRET, body));
      const { variables } = JSON.parse(body.toString()) as { variables: { n: number } };
      return { body: json({ data: { n: variables.n } }) };
    });
    const fetcher = new SubgraphFetcher();
    cleanups.push(() => fetcher.close());
    const source = dataSource(server.url, fetcher);
    // Fetches a turn of the event loop apart, as those of separate client requests are: undici reuses a
    // socket only one turn after its last answer, in case the server closes it after all.
    for (let n = 0; n < 10; n += 1) {
      expect(await source.process(fetchOf('query($n: Int) { n }', { n }))).toEqual({ data: { n } });
      await new Promise(setImmediate);
    }
    expect(server.counts.connections).toBe(1);
    expect(received).toEqual(Array(10).fill(ALICE));
    // Back to back, the fetches alternate between two kept-alive connections, never opening one per fetch.
    for (let n = 0; n < 10; n += 1) await source.process(fetchOf('query($n: Int) { n }', { n }));
    expect(server.counts.connections).toBe(2);
    expect(server.counts.closed).toBe(0);
  });

  it('closes its connections on close(), and fetches nothing after it', async () => {
    const server = await startServer(() => ({ body: json({ data: { ok: true } }) }));
    const fetcher = new SubgraphFetcher();
    const source = dataSource(server.url, fetcher);
    expect(await source.process(fetchOf('{ ok }'))).toEqual({ data: { ok: true } });
    await fetcher.close();
    await eventually(() => server.counts.closed === 1, 'the pooled connection is closed');
    const after = await source.process(fetchOf('{ ok }'));
    expect(after.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
  });

  it('gives up after the subgraph timeout and closes the connection of the hung fetch', async () => {
    const hanging = await startHangingServer();
    cleanups.push(() => hanging.close());
    const fetcher = new SubgraphFetcher();
    cleanups.push(() => fetcher.close());
    const started = Date.now();
    const response = await dataSource(hanging.url, fetcher).process(fetchOf('{ ok }'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_TIMEOUT');
    expect(hanging.counts.requests).toBe(1);
    await eventually(() => hanging.counts.closed === 1, 'the timed-out fetch closes its connection');
  });

  it('reads a refusal (non-2xx) as the subgraph’s first error, and a compressed answer as JSON', async () => {
    const server = await startServer((body) =>
      body.toString().includes('refuse')
        ? { status: 400, body: json({ errors: [{ message: 'bad n', extensions: { code: 'BAD_USER_INPUT' } }] }) }
        : { headers: { 'content-encoding': 'gzip' }, body: gzipSync(json({ data: { ok: true } })) },
    );
    const fetcher = new SubgraphFetcher();
    cleanups.push(() => fetcher.close());
    const source = dataSource(server.url, fetcher);
    const refused = await source.process(fetchOf('{ refuse }'));
    expect(refused.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['bad n', 'BAD_USER_INPUT']]);
    expect(await source.process(fetchOf('{ ok }'))).toEqual({ data: { ok: true } });
  });

  it('stops reading an answer when its signal aborts mid-body, rejecting at once and dropping the connection', async () => {
    const counts = { closed: 0 };
    let halfSent!: () => void;
    const sentHalf = new Promise<void>((resolve) => {
      halfSent = resolve;
    });
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // The head and the first part of the body, then nothing: a subgraph stalling mid-answer.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"data":{"ok":', () => halfSent());
      });
    });
    server.on('connection', (socket) => socket.once('close', () => (counts.closed += 1)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const fetcher = new SubgraphFetcher();
    cleanups.push(() => fetcher.close());
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
    const controller = new AbortController();
    const fetching = fetcher.post(url, '{"query":"{ ok }"}', ['content-type', 'application/json'], controller.signal);
    await sentHalf;
    const reason = new Error('client left');
    controller.abort(reason);
    await expect(fetching).rejects.toBe(reason);
    await eventually(() => counts.closed === 1, 'the aborted fetch closes its connection');
    // An already aborted signal fails before anything is sent.
    await expect(fetcher.post(url, '{}', [], controller.signal)).rejects.toBe(reason);
  });

  it('leaves no timer behind once a fetch has ended (the timeout is cleared, not left to fire)', async () => {
    const server = await startServer(() => ({ body: json({ data: { ok: true } }) }));
    const fetcher = new SubgraphFetcher();
    cleanups.push(() => fetcher.close());
    // A long timeout: a timer left per fetch would still be pending when the fetches are over.
    const source = dataSource(server.url, fetcher, { ...OPTIONS, timeoutMs: 60_000 });
    // Timers alive (created and neither fired nor cleared), ref'd or not: getActiveResourcesInfo() omits unref'd ones.
    const live = new Set<number>();
    const hook = createHook({
      init: (id, type) => {
        if (type === 'Timeout') live.add(id);
      },
      destroy: (id) => {
        live.delete(id);
      },
    }).enable();
    cleanups.push(async () => {
      hook.disable();
    });
    // Destroy hooks run a little after a timer is cleared: let them, then count.
    const timers = async () => {
      for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setTimeout(resolve, 5));
      return live.size;
    };
    const client = new AbortController();
    const withClient = (query: string) =>
      ({ ...fetchOf(query), context: { identity: ALICE, requestId: 'req_1', signal: client.signal } }) as ReturnType<
        typeof fetchOf
      >;
    expect(await source.process(withClient('{ ok }'))).toEqual({ data: { ok: true } });
    const before = await timers();
    for (let n = 0; n < 20; n += 1) {
      expect(await source.process(n % 2 ? fetchOf('{ ok }') : withClient('{ ok }'))).toEqual({ data: { ok: true } });
      // A turn apart, so that every fetch reuses the one connection (a second one would bring its own timers).
      await new Promise(setImmediate);
    }
    // A timer left per fetch would add 20; a second kept-alive connection (a loaded machine may open one) adds
    // its own socket timers, hence the slack of 3.
    expect(await timers()).toBeLessThanOrEqual(before + 3);
  });
});

describe('the subgraph request body', () => {
  it('is what JSON.stringify of the operation gives, with the query serialised once per fetch document', () => {
    const bodies = new RequestBodies();
    const query = 'query Q($id: ID!) { merchant(id: $id) { name note(text: "a \\"quoted\\" \\u00e9 line\\n") } }';
    const document = parse(query);
    for (const variables of [{ id: 'm1' }, { id: 'm2', extra: [1, null, 'é'] }, undefined, {}]) {
      const request = { query, operationName: 'Q', variables };
      expect(bodies.serialise(request, document)).toBe(JSON.stringify({ query, operationName: 'Q', variables }));
      expect(bodies.serialise(request)).toBe(JSON.stringify({ query, operationName: 'Q', variables }));
    }
    // Another query or name under the same document is not answered from the cache.
    expect(bodies.serialise({ query: '{ a }', variables: { x: 1 } }, document)).toBe(
      JSON.stringify({ query: '{ a }', variables: { x: 1 } }),
    );
    // http is never sent; any other field (extensions) is kept, the whole operation serialised.
    const http = { method: 'POST', url: 'http://x', headers: new Map() } as never;
    expect(bodies.serialise({ query, variables: { id: 'm1' }, http })).toBe(
      JSON.stringify({ query, variables: { id: 'm1' } }),
    );
    const withExtensions = { query, variables: { id: 'm1' }, extensions: { trace: true } };
    expect(bodies.serialise(withExtensions, document)).toBe(JSON.stringify(withExtensions));
    expect(() => bodies.serialise({ query: '' })).toThrow('Missing query');
  });
});
