import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/contract/settings.ts';
import { SAME_SIGNAL_WINDOW_MS } from '../../subgraphs/contract/shutdown.ts';
import { startTestGraph, type TestGraph } from '../support/graph.ts';
import { eventually, heldRequest, postJson, spawnCommand, WHOLE_GRAPH } from '../support/processes.ts';
import { testDataDir } from '../support/temp.ts';

/** Every port 0 (any free port), so the test never collides with a running graph. */
const ANY_PORTS = Object.fromEntries(
  ['GATEWAY', ...SUBGRAPH_NAMES.map((n) => n.toUpperCase())].map((n) => [`LIFEGRAPH_${n}_PORT`, '0']),
);

describe('npm start on SIGTERM', () => {
  it('finishes all 40 requests in flight with their full answers, stops the gateway before the subgraphs, exits 0', async () => {
    const graph = spawnCommand('npm', ['start'], {
      ...ANY_PORTS,
      LIFEGRAPH_DATA_DIR: testDataDir('lg-shutdown-'),
      LOG_LEVEL: 'silent',
    });
    try {
      const [, port] = await graph.waitFor(/^gateway\s+http:\/\/localhost:(\d+)\/graphql/m, 120_000);
      const url = `http://127.0.0.1:${port}/graphql`;
      const expected = await postJson(url, WHOLE_GRAPH);
      expect(expected.status).toBe(200);
      expect(JSON.parse(expected.text).errors).toBeUndefined();

      // 40 requests the gateway has accepted (headers read) and not yet answered: their bodies are held back.
      const inFlight = Array.from({ length: 40 }, () => heldRequest(url, WHOLE_GRAPH));
      await Promise.all(inFlight.map((r) => r.accepted));
      graph.child.kill('SIGTERM');
      // Only once the graph has begun to stop do the held requests send their bodies.
      await waitForStderr(graph, /SIGTERM: finishing the requests in flight/);
      const answers = await Promise.all(inFlight.map((r) => r.send()));
      for (const answer of answers) expect(answer).toEqual(expected);

      expect(await graph.exited).toEqual({ code: 0, signal: null });
      const stopped = [...graph.stderr().matchAll(/^stopped (.+)$/gm)].map((m) => m[1]);
      expect(stopped[0]).toBe('gateway');
      expect(stopped.slice(-4).sort()).toEqual([...SUBGRAPH_NAMES].sort());
      // Nothing takes new requests after the shutdown.
      await expect(postJson(url, WHOLE_GRAPH)).rejects.toThrow();
    } finally {
      graph.killGroup('SIGKILL');
    }
  }, 180_000);
});

/** The pid of each subgraph process serving `dataDir`, from the registrations in its run/ folder. */
function subgraphPids(dataDir: string): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const entry of readdirSync(path.join(dataDir, 'run'))) {
    const match = /^(\w+)-(\d+)\.pid$/.exec(entry);
    if (match?.[1] && SUBGRAPH_NAMES.includes(match[1] as SubgraphName)) pids[match[1]] = Number(match[2]);
  }
  return pids;
}

/** The pids of the live processes registered as `name` over `dataDir` (one killed with SIGKILL leaves its file). */
function livePids(dataDir: string, name: SubgraphName): number[] {
  return readdirSync(path.join(dataDir, 'run'))
    .map((entry) => new RegExp(`^${name}-(\\d+)\\.pid$`).exec(entry)?.[1])
    .filter((pid) => pid !== undefined)
    .map(Number)
    .filter(isAlive);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether anything still answers at `url`. */
const answers = (url: string) =>
  fetch(url.replace('/graphql', '/healthz')).then(
    () => true,
    () => false,
  );

describe('npm start runs each part in a process of its own', () => {
  async function startGraph(env: Record<string, string> = {}) {
    const dataDir = testDataDir('lg-parts-');
    const graph = spawnCommand('npm', ['start'], {
      ...ANY_PORTS,
      LIFEGRAPH_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ...env,
    });
    return { dataDir, graph };
  }

  it('when a subgraph process dies after it was ready, restarts it on its port while the others keep serving', async () => {
    const { dataDir, graph } = await startGraph();
    try {
      const [, port] = await graph.waitFor(/^gateway\s+http:\/\/localhost:(\d+)\/graphql/m, 120_000);
      const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
      const pids = subgraphPids(dataDir);
      // One process each, none of them npm start's own.
      expect(Object.keys(pids).sort()).toEqual([...SUBGRAPH_NAMES].sort());
      expect(new Set([...Object.values(pids), graph.child.pid]).size).toBe(5);
      const subgraphUrls = new Map(
        [...graph.stdout().matchAll(/^(\w+)\s+(http:\S+)$/gm)]
          .filter((m) => m[1] !== 'gateway')
          .map((m) => [m[1] as string, m[2] as string]),
      );
      expect(subgraphUrls.size).toBe(4);
      const expected = await postJson(gatewayUrl, WHOLE_GRAPH);
      expect(JSON.parse(expected.text).errors).toBeUndefined();

      process.kill(pids.offers as number, 'SIGKILL');
      await eventually(
        () => graph.stderr().includes(`npm start: offers (pid ${pids.offers}) was killed by SIGKILL`),
        'npm start logged the death, naming offers and its exit cause',
      );
      expect(graph.stderr()).toMatch(/^Restarting offers in 0\.5 s; the rest keeps serving\.$/m);
      for (const [name, url] of subgraphUrls) if (name !== 'offers') expect(await answers(url)).toBe(true);
      await eventually(
        () => /^npm start: offers restarted \(pid \d+\)$/m.test(graph.stderr()),
        'offers restarted',
        30_000,
      );
      const restarted = livePids(dataDir, 'offers');
      expect(restarted).toHaveLength(1);
      expect(restarted[0]).not.toBe(pids.offers);
      // On the port it had, so the gateway reaches it where it was told; the graph answers in full again.
      expect(await answers(subgraphUrls.get('offers') as string)).toBe(true);
      await eventually(
        async () => (await postJson(gatewayUrl, WHOLE_GRAPH)).text === expected.text,
        'the graph answers in full again',
        30_000,
      );
      expect(graph.stderr()).not.toContain('Stopping everything else');

      graph.child.kill('SIGTERM');
      expect(await graph.exited).toEqual({ code: 0, signal: null });
      const stopped = [...graph.stderr().matchAll(/^stopped (.+)$/gm)].map((m) => m[1]);
      expect(stopped[0]).toBe('gateway');
      expect(stopped.slice(1).sort()).toEqual([...SUBGRAPH_NAMES].sort());
      for (const url of [gatewayUrl, ...subgraphUrls.values()]) expect(await answers(url)).toBe(false);
    } finally {
      graph.killGroup('SIGKILL');
    }
  }, 180_000);

  it('when a subgraph cannot start, stops the parts that did and exits 1 naming it and what it printed', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const { port } = taken.address() as AddressInfo;
    const { graph } = await startGraph({ LIFEGRAPH_SOCIAL_PORT: String(port) });
    try {
      expect(await graph.exited).toEqual({ code: 1, signal: null });
      expect(graph.stderr()).toMatch(/^npm start: social \(pid \d+\) exited with code 1; it printed last:$/m);
      // The subgraph's own one line: the port, and that it is taken (subgraphs/contract/command-line.ts).
      expect(graph.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(graph.stdout()).not.toMatch(/^gateway/m);
    } finally {
      graph.killGroup('SIGKILL');
      taken.close();
    }
  }, 180_000);

  it('when npm start itself is killed (SIGKILL), its parts notice and stop', async () => {
    const { dataDir, graph } = await startGraph();
    try {
      const [, port] = await graph.waitFor(/^gateway\s+http:\/\/localhost:(\d+)\/graphql/m, 120_000);
      const pids = Object.values(subgraphPids(dataDir));
      expect(pids).toHaveLength(4);
      // npm and npm start, not the parts: they have process groups of their own.
      graph.killGroup('SIGKILL');
      await graph.exited;
      await eventually(() => pids.every((pid) => !isAlive(pid)), 'every subgraph process ended', 20_000);
      await eventually(async () => !(await answers(`http://127.0.0.1:${port}/graphql`)), 'the gateway ended', 20_000);
      // They stopped rather than died: each removed its registration.
      expect(subgraphPids(dataDir)).toEqual({});
    } finally {
      graph.killGroup('SIGKILL');
    }
  }, 180_000);
});

describe('npm run gateway on SIGTERM', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph();
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it('finishes the requests in flight with their full answers, then exits 0', async () => {
    const gateway = spawnCommand('npm', ['run', 'gateway', '--', '--port', '0', '--data-dir', graph.dataDir], {
      ...Object.fromEntries(
        SUBGRAPH_NAMES.map((name) => [`LIFEGRAPH_${name.toUpperCase()}_PORT`, String(graph.subgraphs[name].port)]),
      ),
      LIFEGRAPH_JWT_SECRET: graph.secrets.jwtSecret,
      LIFEGRAPH_SUBGRAPH_SECRET: graph.secrets.subgraphSecret,
      LOG_LEVEL: 'silent',
    });
    try {
      const [, port] = await gateway.waitFor(/^gateway http:\/\/localhost:(\d+)\/graphql/m, 120_000);
      const url = `http://127.0.0.1:${port}/graphql`;
      const expected = await postJson(url, WHOLE_GRAPH);
      expect(JSON.parse(expected.text).errors).toBeUndefined();
      const inFlight = Array.from({ length: 10 }, () => heldRequest(url, WHOLE_GRAPH));
      await Promise.all(inFlight.map((r) => r.accepted));
      gateway.child.kill('SIGTERM');
      await waitForStderr(gateway, /SIGTERM: finishing the requests in flight/);
      for (const answer of await Promise.all(inFlight.map((r) => r.send()))) expect(answer).toEqual(expected);
      expect(await gateway.exited).toEqual({ code: 0, signal: null });
    } finally {
      gateway.killGroup('SIGKILL');
    }
  }, 180_000);
});

describe('a second signal', () => {
  it('exits at once, without waiting for the requests in flight (npm run subgraph)', async () => {
    const subgraph = spawnCommand('npm', ['run', 'subgraph', '--', 'offers', '--port', '0'], {
      LIFEGRAPH_DATA_DIR: testDataDir('lg-second-signal-'),
    });
    try {
      const [, port] = await subgraph.waitFor(/^offers http:\/\/localhost:(\d+)\/graphql/m, 120_000);
      const held = heldRequest(`http://127.0.0.1:${port}/graphql`, '{"query":"{ __typename }"}');
      let heldEnded = false;
      held.answer.then(
        () => {
          heldEnded = true;
        },
        () => {
          heldEnded = true;
        },
      );
      await held.accepted;
      subgraph.child.kill('SIGTERM');
      await waitForStderr(subgraph, /SIGTERM: finishing the requests in flight/);
      // The held request keeps the first shutdown waiting (up to its grace period); a repeat within the
      // same-signal window would count as the same signal (a terminal's Ctrl-C arrives twice through npm).
      await new Promise((resolve) => setTimeout(resolve, SAME_SIGNAL_WINDOW_MS + 100));
      // The first shutdown is still waiting for the request in flight when the second signal comes.
      expect(heldEnded).toBe(false);
      subgraph.child.kill('SIGTERM');
      // 128 + 15: ended by the signal, not by a finished shutdown (0) or a failed one (1).
      expect(await subgraph.exited).toEqual({ code: 143, signal: null });
      expect(subgraph.stderr()).toContain('SIGTERM again: exiting now, without waiting for requests in flight.');
      // The request in flight was dropped by the exit, never answered: its connection was cut.
      await expect(held.answer).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
    } finally {
      subgraph.killGroup('SIGKILL');
    }
  }, 180_000);
});

async function waitForStderr(process: ReturnType<typeof spawnCommand>, pattern: RegExp) {
  for (let i = 0; i < 400 && !pattern.test(process.stderr()); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(process.stderr()).toMatch(pattern);
}

describe('a part that fails to stop', () => {
  it('does not keep the others running, and the stop fails naming it (so the command exits non-zero)', async () => {
    const graph = await startTestGraph();
    const offers = graph.subgraphs.offers;
    const stopOffers = offers.stop;
    // Stops for real, then reports a failure, as a database that cannot be closed cleanly would.
    offers.stop = async () => {
      await stopOffers();
      throw new Error('offers.sqlite could not be closed');
    };
    const stopped: string[] = [];
    await expect(graph.stop((part) => stopped.push(part))).rejects.toThrow(
      'could not stop offers (offers.sqlite could not be closed); everything else was stopped',
    );
    expect(stopped).toEqual(['gateway', 'key store', 'social', 'content', 'merchants']);
    const down = (url: string) =>
      fetch(url.replace('/graphql', '/healthz')).then(
        () => false,
        () => true,
      );
    for (const url of [graph.gateway.url, ...SUBGRAPH_NAMES.map((name) => graph.subgraphs[name].url)]) {
      expect(await down(url)).toBe(true);
    }
  });
});
