import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { startSubgraph } from '../../subgraphs/shared/server.ts';
import { startTestGraph, type TestGraph } from '../support/graph.ts';
import { readRows } from '../support/sqlite.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Operator commands refuse the dangerous by default (issue 7, part 11, and `keys create` from part 12), run as
 * an operator runs them: tsx in a fresh process over a real data directory. Each refusal exits non-zero, says
 * why and what to do, and leaves the data as it was.
 */
const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const cli = (script: string, dataDir: string, ...args: string[]) =>
  run(tsx, [script, ...args, '--data-dir', dataDir], {
    env: { ...process.env, LIFEGRAPH_JWT_SECRET: '', LIFEGRAPH_SUBGRAPH_SECRET: '' },
  });

/** What the deadline jobs change, read straight from the SQLite files. */
function deadlineState(dataDir: string) {
  const read = (name: string, sql: string) => readRows(dataDir, name, sql);
  return {
    coupons: read('offers', 'select id, status from coupons order by id'),
    groups: read('offers', 'select id, status from group_buy_groups order by id'),
    ious: read('social', 'select id, status from ious order by id'),
    reminders: read('social', 'select count(*) as n from iou_reminders'),
  };
}

/** The size of every table of a subgraph database, to prove a refused reset deleted nothing. */
function tableSizes(dataDir: string, name: string) {
  const db = new Database(path.join(dataDir, `${name}.sqlite`), { readonly: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' order by name").all() as {
      name: string;
    }[];
    return Object.fromEntries(
      tables.map((t) => [t.name, (db.prepare(`select count(*) as n from "${t.name}"`).get() as { n: number }).n]),
    );
  } finally {
    db.close();
  }
}

describe('npm run jobs -- run-once --at', () => {
  const dataDir = testDataDir('lg-jobs-cli-');
  beforeAll(() => {
    seedDataDir(dataDir);
  });
  const inTwentyYears = new Date(Date.now() + 20 * 365 * 86_400_000).toISOString();

  it('refuses a future time without --force, saying why, and changes nothing', async () => {
    const before = deadlineState(dataDir);
    const refused = cli('subgraphs/jobs-cli.ts', dataDir, 'run-once', '--at', inTwentyYears);
    await expect(refused).rejects.toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/in the future: they would expire coupons.*Pass --force/s),
    });
    expect(deadlineState(dataDir)).toEqual(before);
  });

  it('runs at the current time (within the clock-skew tolerance) without --force', async () => {
    const soon = new Date(Date.now() + 10_000).toISOString();
    const { stdout } = await cli('subgraphs/jobs-cli.ts', dataDir, 'run-once', '--at', soon);
    expect(stdout).toMatch(/^offers\t/m);
  });

  it('with --force applies the future deadlines it refused before', async () => {
    const before = deadlineState(dataDir);
    const { stdout } = await cli('subgraphs/jobs-cli.ts', dataDir, 'run-once', '--at', inTwentyYears, '--force');
    const processed = stdout
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + Number(line.split('\t')[2]), 0);
    // The refusal above was real: twenty years on, seeded coupons expire and IOUs are overdue.
    expect(processed).toBeGreaterThan(0);
    expect(deadlineState(dataDir)).not.toEqual(before);
  });
});

describe('npm run seed -- --reset', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph();
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it('refuses while a graph serves the data directory, naming its processes, and deletes nothing', async () => {
    const before = tableSizes(graph.dataDir, 'offers');
    const refused = cli('seeds/cli.ts', graph.dataDir, '--reset');
    await expect(refused).rejects.toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringContaining(`merchants (pid ${process.pid})`),
    });
    await refused.catch((error: { stderr: string }) => {
      expect(error.stderr).toMatch(/Stop the graph first/);
      for (const name of ['content', 'offers', 'social'])
        expect(error.stderr).toContain(`${name} (pid ${process.pid})`);
    });
    expect(tableSizes(graph.dataDir, 'offers')).toEqual(before);
    // The graph still answers from its databases.
    const { body } = await graph.query('{ couponTemplate(id: "cpt_kfc_1") { id } }');
    expect(body.data.couponTemplate).toEqual({ id: 'cpt_kfc_1' });
  });

  it('resets once the graph is gone: a registration left by a killed process is ignored and removed', async () => {
    const dataDir = testDataDir('lg-seed-reset-');
    seedDataDir(dataDir);
    // A subgraph killed with SIGKILL never removes its pid file: leave one for a process that has exited.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    const stale = path.join(dataDir, 'run', `offers-${dead.pid}.pid`);
    mkdirSync(path.dirname(stale), { recursive: true });
    writeFileSync(stale, `${dead.pid}\n`);
    const { stdout } = await cli('seeds/cli.ts', dataDir, '--reset');
    expect(stdout).toMatch(/offers\tseeded\tscale 1/);
    expect(existsSync(stale)).toBe(false);
  });

  /** A process that exited: its pid is one this process cannot see, as a graph in another pid namespace. */
  async function unseenPid(): Promise<number> {
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    return dead.pid as number;
  }

  it.each([
    ['no pid file', false],
    ['only a pid file whose pid this process cannot see', true],
  ])('refuses while another process has a database open and there is %s, and deletes nothing', async (_, pidFile) => {
    const dataDir = testDataDir('lg-seed-unseen-');
    seedDataDir(dataDir);
    if (pidFile) {
      const pid = await unseenPid();
      mkdirSync(path.join(dataDir, 'run'), { recursive: true });
      writeFileSync(path.join(dataDir, 'run', `offers-${pid}.pid`), `${pid}\n`);
    }
    const before = Object.fromEntries(
      ['merchants', 'content', 'offers', 'social'].map((n) => [n, tableSizes(dataDir, n)]),
    );
    // A second connection, as a graph's is: WAL mode, having read the database.
    const other = new Database(path.join(dataDir, 'offers.sqlite'));
    other.pragma('journal_mode = WAL');
    other.prepare('select count(*) from coupons').get();
    try {
      await expect(cli('seeds/cli.ts', dataDir, '--reset')).rejects.toMatchObject({
        code: 1,
        stdout: '',
        stderr: expect.stringMatching(
          /Refusing to reset .*offers\.sqlite is open in another process.*Stop every process using it.*Nothing was deleted/s,
        ),
      });
    } finally {
      other.close();
    }
    expect(
      Object.fromEntries(['merchants', 'content', 'offers', 'social'].map((n) => [n, tableSizes(dataDir, n)])),
    ).toEqual(before);
    // Once that connection is gone, the reset runs.
    const { stdout } = await cli('seeds/cli.ts', dataDir, '--reset');
    expect(stdout).toMatch(/offers\tseeded\tscale 1/);
  });

  it('refuses while another host registered over the directory, naming it, and never removes its file', async () => {
    const dataDir = testDataDir('lg-seed-other-host-');
    seedDataDir(dataDir);
    const pid = await unseenPid();
    const registration = path.join(dataDir, 'run', `social-${pid}.pid`);
    mkdirSync(path.dirname(registration), { recursive: true });
    writeFileSync(registration, `${pid}\nanother-host.example\n`);
    const before = tableSizes(dataDir, 'social');
    await expect(cli('seeds/cli.ts', dataDir, '--reset')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`social (pid ${pid} on host another-host.example)`),
    });
    expect(existsSync(registration)).toBe(true);
    expect(tableSizes(dataDir, 'social')).toEqual(before);
  });

  it('resets a database SQLite cannot read, the recovery the damaged-file message gives', async () => {
    const dataDir = testDataDir('lg-seed-damaged-');
    seedDataDir(dataDir);
    for (const suffix of ['-wal', '-shm']) rmSync(path.join(dataDir, `offers.sqlite${suffix}`), { force: true });
    writeFileSync(path.join(dataDir, 'offers.sqlite'), 'not a database '.repeat(300));
    const { stdout } = await cli('seeds/cli.ts', dataDir, '--reset');
    expect(stdout).toMatch(/offers\tseeded\tscale 1/);
    expect(tableSizes(dataDir, 'offers').coupons).toBeGreaterThan(0);
  });

  it('a subgraph registers before it opens its database', async () => {
    const dataDir = testDataDir('lg-registration-first-');
    // run/ cannot be created, so registering fails: the database must not have been created (opened) yet.
    writeFileSync(path.join(dataDir, 'run'), 'not a folder');
    await expect(
      startSubgraph(offers, { dataDir, port: 0, subgraphSecret: 'test', scheduler: false }),
    ).rejects.toThrow();
    expect(existsSync(path.join(dataDir, 'offers.sqlite'))).toBe(false);
  });

  it('a subgraph registers while it serves and removes its registration when it stops', async () => {
    const dataDir = testDataDir('lg-registration-');
    const subgraph = await startSubgraph(offers, { dataDir, port: 0, subgraphSecret: 'test', scheduler: false });
    const runDir = path.join(dataDir, 'run');
    expect(readdirSync(runDir)).toEqual([`offers-${process.pid}.pid`]);
    await subgraph.stop();
    expect(readdirSync(runDir)).toEqual([]);
  });
});

describe('npm run keys -- create', () => {
  const dataDir = testDataDir('lg-keys-cli-');

  it.each([
    ['no --scopes', []],
    ['an empty --scopes', ['--scopes', '']],
    ['only commas', ['--scopes', ' , ,']],
  ])('refuses %s with a message listing the scopes, and creates no key', async (_, scopes) => {
    await expect(cli('gateway/cli/keys.ts', dataDir, 'create', '--name', 'Partner', ...scopes)).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--scopes is required: give at least one of merchant:content'),
    });
    expect((await cli('gateway/cli/keys.ts', dataDir, 'list', '--json')).stdout.trim()).toBe('[]');
  });
});
