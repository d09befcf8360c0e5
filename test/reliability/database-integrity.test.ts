import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { startTestGraph, type TestGraph } from '../support/graph.ts';
import { eventually, spawnTsx } from '../support/processes.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Overwrites every page after the first (the header, so SQLite still opens the file) with garbage. A checkpoint
 * first moves every page still in the write-ahead log into the file, as SQLite does by itself every 1000 pages.
 */
function corruptPages(file: string) {
  const checkpoint = new Database(file);
  checkpoint.pragma('wal_checkpoint(TRUNCATE)');
  checkpoint.close();
  const fd = openSync(file, 'r+');
  try {
    const header = Buffer.alloc(100);
    readSync(fd, header, 0, 100, 0);
    const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
    const garbage = Buffer.alloc(statSync(file).size - pageSize, 0xa5);
    writeSync(fd, garbage, 0, garbage.length, pageSize);
  } finally {
    closeSync(fd);
  }
}

const ANY_PORTS = Object.fromEntries(
  ['GATEWAY', ...SUBGRAPH_NAMES.map((n) => n.toUpperCase())].map((n) => [`LIFEGRAPH_${n}_PORT`, '0']),
);

describe('a corrupt database file at start', () => {
  const dataDir = testDataDir('lg-corrupt-start-');
  beforeAll(() => {
    seedDataDir(dataDir);
    corruptPages(path.join(dataDir, 'offers.sqlite'));
  });

  it('npm run subgraph refuses to start, naming the file and what to do', async () => {
    const subgraph = spawnTsx('subgraphs/cli.ts', ['offers', '--port', '0', '--data-dir', dataDir]);
    expect(await subgraph.exited).toEqual({ code: 1, signal: null });
    expect(subgraph.stderr()).toContain(
      `Database file ${path.join(dataDir, 'offers.sqlite')} is corrupt or unreadable`,
    );
    expect(subgraph.stderr()).toContain('npm run seed -- --reset');
    expect(subgraph.stderr()).not.toMatch(/^\s+at /m);
    expect(subgraph.stdout()).toBe('');
  });

  it('npm start refuses to start, naming the file', async () => {
    const graph = spawnTsx('gateway/cli/start.ts', ['--data-dir', dataDir], { ...ANY_PORTS, LOG_LEVEL: 'silent' });
    expect(await graph.exited).toEqual({ code: 1, signal: null });
    expect(graph.stderr()).toContain(`Database file ${path.join(dataDir, 'offers.sqlite')} is corrupt or unreadable`);
    expect(graph.stderr()).not.toMatch(/^\s+at /m);
    expect(graph.stdout()).not.toMatch(/^gateway/m);
  });

  it('npm run gateway refuses a corrupt key database (gateway.sqlite), naming it', async () => {
    const keysDir = testDataDir('lg-corrupt-keys-');
    const first = spawnTsx('gateway/cli/keys.ts', [
      'create',
      '--name',
      'probe',
      '--scopes',
      'merchant:offers',
      '--data-dir',
      keysDir,
    ]);
    expect((await first.exited).code).toBe(0);
    corruptPages(path.join(keysDir, 'gateway.sqlite'));
    const gateway = spawnTsx('gateway/cli/gateway.ts', ['--port', '0', '--data-dir', keysDir], { LOG_LEVEL: 'silent' });
    expect(await gateway.exited).toEqual({ code: 1, signal: null });
    expect(gateway.stderr()).toContain(
      `Database file ${path.join(keysDir, 'gateway.sqlite')} is corrupt or unreadable`,
    );
  });

  it('npm run gateway reports a sound key database that fails otherwise as it is, stack and all', async () => {
    // A readable SQLite file whose api_keys table was made by hand: the migration that creates it fails, which
    // is not damage and must not be told as "corrupt".
    const keysDir = testDataDir('lg-foreign-keys-');
    const foreign = new Database(path.join(keysDir, 'gateway.sqlite'));
    foreign.exec('create table api_keys (id text)');
    foreign.close();
    const gateway = spawnTsx('gateway/cli/gateway.ts', ['--port', '0', '--data-dir', keysDir], { LOG_LEVEL: 'silent' });
    expect(await gateway.exited).toEqual({ code: 1, signal: null });
    expect(gateway.stderr()).toMatch(/api_keys.? already exists/);
    expect(gateway.stderr()).not.toContain('is corrupt or unreadable');
    expect(gateway.stderr()).toMatch(/^\s+at /m);
  });
});

describe('a database file corrupted under a running graph', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph();
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it("makes the subgraph's /readyz and the gateway's /readyz 503, naming the file", async () => {
    const offersReadyz = graph.subgraphs.offers.url.replace('/graphql', '/readyz');
    const gatewayReadyz = graph.gateway.url.replace('/graphql', '/readyz');
    const before = await fetch(offersReadyz);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({
      ready: true,
      subgraph: 'offers',
      database: { file: 'offers.sqlite', ok: true },
      events: expect.any(Object),
    });
    expect((await fetch(gatewayReadyz)).status).toBe(200);

    corruptPages(path.join(graph.dataDir, 'offers.sqlite'));

    // The subgraph reuses one check for a second too (quick_check blocks its event loop).
    await eventually(async () => (await fetch(offersReadyz)).status === 503, 'the subgraph reports it');
    const after = await fetch(offersReadyz);
    expect(after.status).toBe(503);
    expect(await after.json()).toEqual({
      ready: false,
      subgraph: 'offers',
      database: { file: 'offers.sqlite', ok: false, error: expect.any(String) },
      events: expect.any(Object),
    });
    // The gateway reuses one check for a second (its /readyz is public); it sees the damage right after.
    await eventually(async () => (await fetch(gatewayReadyz)).status === 503, 'the gateway reports it');
    const body = (await (await fetch(gatewayReadyz)).json()) as {
      ready: boolean;
      subgraphs: { name: string; ready: boolean; database?: { file: string; ok: boolean } }[];
    };
    expect(body.ready).toBe(false);
    expect(body.subgraphs.find((s) => s.name === 'offers')).toMatchObject({
      ready: false,
      database: { file: 'offers.sqlite', ok: false },
    });
    expect(body.subgraphs.filter((s) => s.name !== 'offers').every((s) => s.ready)).toBe(true);
  });

  it("makes the gateway's /readyz 503 when its own key database is damaged, naming gateway.sqlite", async () => {
    const gatewayReadyz = graph.gateway.url.replace('/graphql', '/readyz');
    corruptPages(path.join(graph.dataDir, 'gateway.sqlite'));
    await eventually(async () => {
      const body = (await (await fetch(gatewayReadyz)).json()) as { databases: { file: string; ok: boolean }[] };
      return body.databases.some((d) => d.file === 'gateway.sqlite' && !d.ok);
    }, 'the gateway reports its key database');
    expect((await fetch(gatewayReadyz)).status).toBe(503);
  });
});

describe("a subgraph's /readyz under a flood of probes", () => {
  it('runs one database check for every probe within its cache time, so probes cannot stall the subgraph; the next check sees the damage', async () => {
    const dataDir = testDataDir();
    seedDataDir(dataDir, { scale: 1 });
    const offers = await SUBGRAPHS.offers.start({
      dataDir,
      port: 0,
      subgraphSecret: 'test-secret',
      scheduler: false,
      // Long enough for the 20 probes below (local requests answered from memory), short enough to wait out.
      readinessCacheMs: 2_000,
    });
    try {
      const readyz = offers.url.replace('/graphql', '/readyz');
      expect((await fetch(readyz)).status).toBe(200);
      corruptPages(path.join(dataDir, 'offers.sqlite'));
      // Within the cache time every probe gets the first check's answer: none runs a check of its own.
      const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(readyz)));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      // Once the cache time is over, the next check sees the damage: the 200s above came from the cache.
      await eventually(async () => (await fetch(readyz)).status === 503, 'a fresh check reports the damage');
    } finally {
      await offers.stop();
    }
  });
});
