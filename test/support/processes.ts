import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { vi } from 'vitest';
import type { SubgraphName } from '../../subgraphs/contract/settings.ts';
import { splitCost } from './cost.ts';

const TSX = path.resolve('node_modules/.bin/tsx');

/** A command of ours running in its own process, with what it printed so far. */
export interface SpawnedProcess {
  child: ChildProcess;
  /** Sends `signal` to the process and every process it started (an uncatchable SIGKILL really kills). */
  killGroup(signal: NodeJS.Signals): void;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited, with its code and the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `command args` (e.g. `npm start`, or tsx and a script) in the repository with `env` added. */
export function spawnCommand(command: string, args: string[], env: Record<string, string> = {}): SpawnedProcess {
  // Its own process group: tsx and npm run the program in a child process, and killGroup must reach it too.
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk) => {
    out += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    killGroup: (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        // Already gone.
      }
    },
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern);
          if (!match) return;
          done();
          resolve(match);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} in output within ${timeoutMs} ms; stderr:\n${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        exited.then(() => {
          check();
          if (listeners.has(check)) {
            done();
            reject(new Error(`exited before printing ${pattern}; stderr:\n${err}`));
          }
        });
        check();
      });
    },
  };
}

/** Runs one of our TypeScript commands with tsx, as `npm run ...` does. */
export function spawnTsx(script: string, args: string[], env: Record<string, string> = {}): SpawnedProcess {
  return spawnCommand(TSX, [script, ...args], env);
}

/** One subgraph in its own process (`npm run subgraph`), on `port` (0 = any), over `dataDir`. */
export async function startSubgraphProcess(
  name: SubgraphName,
  options: { dataDir: string; subgraphSecret: string; port?: number },
): Promise<SpawnedProcess & { name: SubgraphName; url: string; port: number; stop(): Promise<void> }> {
  const running = spawnTsx(
    'subgraphs/cli.ts',
    [name, '--port', String(options.port ?? 0), '--data-dir', options.dataDir],
    { LIFEGRAPH_SUBGRAPH_SECRET: options.subgraphSecret },
  );
  const [, port] = await running.waitFor(new RegExp(`^${name} http://localhost:(\\d+)/graphql`, 'm'));
  return {
    ...running,
    name,
    port: Number(port),
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      running.killGroup('SIGKILL');
      await running.exited;
    },
  };
}

/**
 * A server that accepts connections, reads whatever is sent and never answers: a hung subgraph. It counts the
 * HTTP requests it received and how many of their connections the other side closed, to prove that a fetch was
 * made or aborted. (Connections alone would not do: undici opens a spare one after each aborted request.)
 */
export async function startHangingServer() {
  const counts = { requests: 0, closed: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let requested = false;
    socket.on('data', (chunk) => {
      if (!requested && chunk.toString('latin1').startsWith('POST ')) {
        requested = true;
        counts.requests += 1;
      }
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      if (requested) counts.closed += 1;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    counts,
    /** Resets every open connection: the requests held so far fail as a dead subgraph's would. */
    dropConnections() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `condition` every 50 ms (vi.waitFor) for up to `timeoutMs`; fails with `message` if it never holds. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  message: string,
  timeoutMs = 10_000,
): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await condition())) throw new Error(`never happened: ${message}`);
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

/**
 * A POST whose body is held back: `accepted` resolves when the server has read its headers (it answered
 * `Expect: 100-continue`, which Node's server does as it hands the request to the app), so the request is
 * provably in flight on the server; `send()` then writes the body and resolves with the answer.
 */
export function heldRequest(url: string, body: string) {
  const request = http.request(url, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
  });
  const accepted = new Promise<void>((resolve) => request.once('continue', () => resolve()));
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, text: withoutCost(text) }));
      response.once('error', reject);
    });
  });
  answer.catch(() => {});
  request.flushHeaders();
  return {
    accepted,
    answer,
    send() {
      request.end(body);
      return answer;
    },
  };
}

/** Data from all four subgraphs, with an entity fetch (`sales`) that needs offers after content answered. */
export const WHOLE_GRAPH = JSON.stringify({
  query: `{
    merchant(id: "mer_kfc") { name stores(first: 2) { edges { node { name } } } }
    couponTemplate(id: "cpt_kfc_1") { title }
    liveStream(id: "lvs_kfc_1") { title sales { fen } }
    user(id: "usr_alice") { nickname }
  }`,
});

/**
 * An answer's text without its `extensions.cost` (the bucket's state in it changes with every request; see
 * `splitCost`), so two answers to the same request compare equal. Text that is not JSON is returned as it is.
 */
export function withoutCost(text: string): string {
  try {
    return JSON.stringify(splitCost(JSON.parse(text), 0).body);
  } catch {
    return text;
  }
}

/** POSTs a JSON body and returns the status and the body as text (the answer without its cost, to compare with another). */
export async function postJson(url: string, body: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, text: withoutCost(await response.text()) };
}
