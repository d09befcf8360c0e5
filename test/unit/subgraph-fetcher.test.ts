import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../gateway/context.ts';
import { SignedDataSource } from '../../gateway/signed-data-source.ts';
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
});
