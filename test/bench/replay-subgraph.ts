import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { IDENTITY_HEADER, stopOnSignals } from '../../subgraphs/contract/index.ts';

/**
 * `BENCH_SUBGRAPHS=replay`: a stand-in in front of one real subgraph, so that a gateway, not the subgraphs, is what
 * limits a run. The first time it sees a request (same path, same body, same identity) it forwards it to the
 * subgraph and keeps the answer (status 200 only); every repeat gets that answer, byte for byte with its headers,
 * from memory. Everything else (GET /events long polls, health checks, a refused request) is forwarded every time.
 * The gateways still do all of their own work per request: HTTP to a server process, the signed identity, parsing
 * the answer. It caches nothing inside either gateway.
 *
 * `node --import tsx test/bench/replay-subgraph.ts --name NAME --target PORT [--port N]`; prints
 * `replay-NAME http://localhost:PORT/graphql` when ready.
 */
const { values } = parseArgs({
  options: { name: { type: 'string' }, target: { type: 'string' }, port: { type: 'string', default: '0' } },
});
const name = values.name;
const target = Number(values.target);
if (!name || !Number.isInteger(target)) throw new Error('usage: replay-subgraph.ts --name NAME --target PORT');

interface Answer {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
}

const answers = new Map<string, Answer>();
/** Hop-by-hop headers are the connection's, not the answer's; the length is set for the kept body. */
const NOT_REPLAYED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);
const upstream = new http.Agent({ keepAlive: true });

/** The identity a request is signed for, without the times that differ from one request to the next. */
function identityKey(token: string | string[] | undefined): string {
  const payload = typeof token === 'string' ? token.split('.')[1] : undefined;
  if (!payload) return '';
  const { iat: _iat, exp: _exp, ...claims } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  return JSON.stringify(claims);
}

function forward(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent: upstream },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: http.OutgoingHttpHeaders = {};
          for (const [header, value] of Object.entries(res.headers))
            if (!NOT_REPLAYED.has(header) && value !== undefined) headers[header] = value;
          resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const key = req.method === 'POST' ? `${req.url}\n${identityKey(req.headers[IDENTITY_HEADER])}\n${body}` : undefined;
    const kept = key === undefined ? undefined : answers.get(key);
    const answered = kept ? Promise.resolve(kept) : forward(req, body);
    answered.then(
      (answer) => {
        if (key !== undefined && !kept && answer.status === 200) answers.set(key, answer);
        res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
        res.end(answer.body);
      },
      (error: Error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`replay-${name}: ${error.message}`);
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`replay-${name} http://localhost:${(server.address() as AddressInfo).port}/graphql`);
});
stopOnSignals(async () => {
  const closed = new Promise((resolve) => server.close(resolve));
  // Long polls of /events would hold the close for up to their wait.
  server.closeAllConnections();
  await closed;
  upstream.destroy();
});
