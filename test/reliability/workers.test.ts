import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/contract/settings.ts';
import { Backoff } from '../../subgraphs/contract/workers.ts';
import { startTestGraph, type TestGraph } from '../support/graph.ts';
import { BOB, CAROL, KFC_STAFF, seedUserId, user } from '../support/identities.ts';
import {
  eventually,
  heldRequest,
  postJson,
  type SpawnedProcess,
  spawnCommand,
  WHOLE_GRAPH,
} from '../support/processes.ts';
import { querySubgraph, SUBGRAPH_TEST_SECRET } from '../support/subgraph.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * `--workers 2`: two node:cluster workers on one port. The races the unit and integration suites prove in one
 * process hold across two, because SQLite (WAL, immediate write transactions) serialises their writers; a
 * worker that dies is restarted; SIGTERM lets every worker finish its requests in flight.
 */
const DAY = 86_400_000;

/** Runs one of our commands as its npm script does (`node --import tsx`): the process is the command itself. */
const runCommand = (script: string, args: string[], env: Record<string, string>) =>
  spawnCommand(process.execPath, ['--import', 'tsx', script, ...args], env);

/** The pids registered as `name` over `dataDir` (each worker registers itself; the primary serves nothing). */
function registeredPids(dataDir: string, name: SubgraphName): number[] {
  return readdirSync(path.join(dataDir, 'run'))
    .map((entry) => new RegExp(`^${name}-(\\d+)\\.pid$`).exec(entry)?.[1])
    .filter((pid) => pid !== undefined)
    .map(Number);
}

/** `npm run subgraph -- NAME --workers 2` over a seeded data directory. */
async function startTwoWorkers(name: SubgraphName) {
  const dataDir = testDataDir(`lg-workers-${name}-`);
  seedDataDir(dataDir, { scale: 1 });
  const running = runCommand('subgraphs/cli.ts', [name, '--workers', '2', '--port', '0', '--data-dir', dataDir], {
    LIFEGRAPH_SUBGRAPH_SECRET: SUBGRAPH_TEST_SECRET,
  });
  try {
    const [, port] = await running.waitFor(new RegExp(`^${name} http://localhost:(\\d+)/graphql$`, 'm'), 120_000);
    const workers = new RegExp(`^\\[${name}\\] 2 workers on port ${port} \\(pids \\d+, \\d+\\)$`, 'm');
    await eventually(() => workers.test(running.stderr()), 'the primary named its two workers');
    expect(registeredPids(dataDir, name)).toHaveLength(2);
    return { dataDir, running, url: `http://127.0.0.1:${port}/graphql` };
  } catch (error) {
    running.killGroup('SIGKILL');
    throw error;
  }
}

async function stopGracefully(running: SpawnedProcess) {
  running.child.kill('SIGTERM');
  expect(await running.exited).toEqual({ code: 0, signal: null });
}

describe('offers with two workers', () => {
  const CREATE_TEMPLATE = `mutation ($input: CreateCouponTemplateInput!) {
    createCouponTemplate(input: $input) { couponTemplate { id } userErrors { code field } } }`;
  const CLAIM = `mutation ($input: ClaimCouponInput!) { claimCoupon(input: $input) { coupon { id } userErrors { code } } }`;

  it('200 users racing for a stock of 50 get exactly 50 coupons and 150 SOLD_OUT, with no 5xx', async () => {
    const { dataDir, running, url } = await startTwoWorkers('offers');
    try {
      const now = Date.now();
      const created = await querySubgraph(url, SUBGRAPH_TEST_SECRET, KFC_STAFF, {
        query: CREATE_TEMPLATE,
        variables: {
          input: {
            merchantId: 'mer_kfc',
            title: 'Flash deal',
            kind: 'FIXED_AMOUNT',
            faceValueFen: 500,
            totalStock: 50,
            perUserLimit: 1,
            claimStartsAt: new Date(now - 60_000).toISOString(),
            claimEndsAt: new Date(now + 7 * DAY).toISOString(),
            validDays: 3,
          },
        },
      });
      expect(created.body.errors).toBeUndefined();
      expect(created.body.data.createCouponTemplate.userErrors).toEqual([]);
      const templateId = created.body.data.createCouponTemplate.couponTemplate.id;

      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          querySubgraph(url, SUBGRAPH_TEST_SECRET, user(seedUserId(i + 1)), {
            query: CLAIM,
            variables: { input: { templateId, idempotencyKey: `race-${i}` } },
          }),
        ),
      );
      expect(results.filter((r) => r.status !== 200)).toEqual([]);
      expect(results.filter((r) => r.body.errors)).toEqual([]);
      const payloads = results.map((r) => r.body.data.claimCoupon);
      expect(payloads.filter((p) => p.coupon).length).toBe(50);
      expect(payloads.filter((p) => p.userErrors[0]?.code === 'SOLD_OUT').length).toBe(150);
      const db = new Database(path.join(dataDir, 'offers.sqlite'), { readonly: true });
      try {
        expect(db.prepare('select count(*) n from coupons where template_id = ?').get(templateId)).toEqual({ n: 50 });
        expect(db.prepare('select remaining_stock n from coupon_templates where id = ?').get(templateId)).toEqual({
          n: 0,
        });
      } finally {
        db.close();
      }
      await stopGracefully(running);
    } finally {
      running.killGroup('SIGKILL');
    }
  }, 180_000);
});

describe('social with two workers', () => {
  const CREATE_IOU = `mutation($input: CreateIouInput!) { createIou(input: $input) { iou { id status } userErrors { code } } }`;
  const CONFIRM = `mutation($id: ID!) { confirmIou(iouId: $id) { iou { id status } userErrors { code } } }`;
  const REPAY = `mutation($input: RepayIouInput!) { repayIou(input: $input) {
    iou { status repaid { fen } } repayment { id amount { fen } } userErrors { code } } }`;

  it('the same repayIou sent ten times concurrently with one key repays once', async () => {
    const { dataDir, running, url } = await startTwoWorkers('social');
    try {
      const as = async (identity: typeof CAROL, query: string, variables: Record<string, unknown>) => {
        const { status, body } = await querySubgraph(url, SUBGRAPH_TEST_SECRET, identity, { query, variables });
        expect(status).toBe(200);
        expect(body.errors).toBeUndefined();
        return body.data;
      };
      const dueDate = new Date(Date.now() + 30 * DAY).toISOString();
      const created = await as(CAROL, CREATE_IOU, {
        input: { lenderId: 'usr_bob', principalFen: 8_800, dueDate, idempotencyKey: 'workers-iou' },
      });
      expect(created.createIou.userErrors).toEqual([]);
      const iouId = created.createIou.iou.id;
      expect((await as(BOB, CONFIRM, { id: iouId })).confirmIou.iou.status).toBe('ACTIVE');

      const input = { iouId, amountFen: 1_234, idempotencyKey: 'retry-storm' };
      const results = await Promise.all(Array.from({ length: 10 }, () => as(CAROL, REPAY, { input })));
      expect(new Set(results.map((r) => r.repayIou.repayment.id)).size).toBe(1);
      for (const r of results) {
        expect(r.repayIou.userErrors).toEqual([]);
        expect(r.repayIou.repayment.amount.fen).toBe(1_234);
        expect(r.repayIou.iou.repaid.fen).toBe(1_234);
      }
      const db = new Database(path.join(dataDir, 'social.sqlite'), { readonly: true });
      try {
        expect(db.prepare('select count(*) n from iou_repayments where iou_id = ?').get(iouId)).toEqual({ n: 1 });
        expect(db.prepare('select repaid_fen n from ious where id = ?').get(iouId)).toEqual({ n: 1_234 });
        expect(db.prepare(`select count(*) n from idempotency_keys where key = 'retry-storm'`).get()).toEqual({ n: 1 });
      } finally {
        db.close();
      }
      await stopGracefully(running);
    } finally {
      running.killGroup('SIGKILL');
    }
  }, 180_000);
});

describe('deadline jobs with two workers', () => {
  /** The pids that announced they run the deadline jobs, in order. */
  const schedulers = (stderr: string) =>
    [...stderr.matchAll(/^\[offers\] the deadline jobs run in pid (\d+)$/gm)].map((m) => Number(m[1]));

  it('run in exactly one worker, and in its replacement only once it has died', async () => {
    const { dataDir, running } = await startTwoWorkers('offers');
    try {
      await eventually(() => schedulers(running.stderr()).length === 1, 'one worker announced the jobs');
      const [first] = schedulers(running.stderr()) as [number];
      const pids = registeredPids(dataDir, 'offers');
      expect(pids).toContain(first);
      const other = pids.find((pid) => pid !== first);

      process.kill(first, 'SIGKILL');
      const restarted = /^\[offers\] worker 1 restarted \(pid (\d+)\)$/m;
      await eventually(() => restarted.test(running.stderr()), 'the primary restarted worker 1');
      const replacement = Number(restarted.exec(running.stderr())?.[1]);
      await eventually(() => schedulers(running.stderr()).length === 2, 'the replacement announced the jobs');
      // The worker that kept serving never took the jobs over: only slot 1 ever runs them.
      expect(schedulers(running.stderr())).toEqual([first, replacement]);
      expect(schedulers(running.stderr())).not.toContain(other);
      await stopGracefully(running);
    } finally {
      running.killGroup('SIGKILL');
    }
  }, 180_000);
});

describe('npm run gateway -- --workers 2', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph();
  });
  afterAll(async () => {
    await graph?.stop();
  });
  const gatewayEnv = () => ({
    ...Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [`LIFEGRAPH_${name.toUpperCase()}_PORT`, String(graph.subgraphs[name].port)]),
    ),
    LIFEGRAPH_JWT_SECRET: graph.secrets.jwtSecret,
    LIFEGRAPH_SUBGRAPH_SECRET: graph.secrets.subgraphSecret,
    LOG_LEVEL: 'silent',
  });

  it('restarts a worker that dies; on SIGTERM every worker finishes its requests in flight, then it exits 0', async () => {
    const gateway = runCommand(
      'gateway/cli/gateway.ts',
      ['--workers', '2', '--port', '0', '--data-dir', graph.dataDir],
      {
        ...gatewayEnv(),
      },
    );
    try {
      const [, port] = await gateway.waitFor(/^gateway http:\/\/localhost:(\d+)\/graphql /m, 120_000);
      // One ready line for the port, printed by the primary once both workers serve.
      expect(gateway.stdout().match(/^gateway /gm)).toHaveLength(1);
      const workers = new RegExp(`^\\[gateway\\] 2 workers on port ${port} \\(pids (\\d+), (\\d+)\\)$`, 'm');
      await eventually(() => workers.test(gateway.stderr()), 'the primary named its two workers');
      const [, first, second] = gateway.stderr().match(workers) ?? [];
      expect(new Set([first, second, String(gateway.child.pid)]).size).toBe(3);
      const url = `http://127.0.0.1:${port}/graphql`;
      const expected = await postJson(url, WHOLE_GRAPH);
      expect(JSON.parse(expected.text).errors).toBeUndefined();

      process.kill(Number(second), 'SIGKILL');
      await eventually(
        () => /^\[gateway\] worker 2 restarted \(pid \d+\)$/m.test(gateway.stderr()),
        'the gateway restarted worker 2',
        30_000,
      );
      expect(gateway.stderr()).toContain(
        `[gateway] worker 2 (pid ${second}) was killed by SIGKILL; restarting it in 0.5 s`,
      );
      for (let i = 0; i < 4; i++) expect(await postJson(url, WHOLE_GRAPH)).toEqual(expected);

      // Each on a connection of its own: the primary hands them to both workers in turn.
      const inFlight = Array.from({ length: 10 }, () => heldRequest(url, WHOLE_GRAPH));
      await Promise.all(inFlight.map((r) => r.accepted));
      gateway.child.kill('SIGTERM');
      await eventually(
        () => /SIGTERM: finishing the requests in flight/.test(gateway.stderr()),
        'the primary began to stop',
      );
      for (const answer of await Promise.all(inFlight.map((r) => r.send()))) expect(answer).toEqual(expected);
      expect(await gateway.exited).toEqual({ code: 0, signal: null });
      await expect(postJson(url, WHOLE_GRAPH)).rejects.toThrow();
    } finally {
      gateway.killGroup('SIGKILL');
    }
  }, 180_000);

  it('refuses a bad LIFEGRAPH_GATEWAY_WORKERS, naming the variable', async () => {
    const gateway = runCommand('gateway/cli/gateway.ts', ['--port', '0', '--data-dir', graph.dataDir], {
      ...gatewayEnv(),
      LIFEGRAPH_GATEWAY_WORKERS: 'two',
    });
    const exit = await gateway.exited;
    expect(exit.code).not.toBe(0);
    expect(gateway.stderr()).toContain('LIFEGRAPH_GATEWAY_WORKERS must be a whole number from 1 to 64 (got "two")');
    expect(gateway.stdout()).not.toMatch(/^gateway /m);
  });
});

describe('npm start with workers', () => {
  const ANY_PORTS = Object.fromEntries(
    ['GATEWAY', ...SUBGRAPH_NAMES.map((n) => n.toUpperCase())].map((n) => [`LIFEGRAPH_${n}_PORT`, '0']),
  );

  it('passes --workers to the gateway and LIFEGRAPH_<NAME>_WORKERS to a subgraph; SIGTERM stops them all, exit 0', async () => {
    const graph = spawnCommand('npm', ['start', '--', '--workers', '2'], {
      ...ANY_PORTS,
      LIFEGRAPH_DATA_DIR: testDataDir('lg-start-workers-'),
      LIFEGRAPH_OFFERS_WORKERS: '2',
      LOG_LEVEL: 'silent',
    });
    try {
      const [, port] = await graph.waitFor(/^gateway\s+http:\/\/localhost:(\d+)\/graphql/m, 120_000);
      expect(graph.stderr()).toMatch(/^\[offers\] 2 workers on port \d+ /m);
      const gatewayWorkers = new RegExp(`^\\[gateway\\] 2 workers on port ${port} `, 'm');
      await eventually(() => gatewayWorkers.test(graph.stderr()), 'the gateway named its two workers');
      expect(graph.stderr()).not.toMatch(/^\[(merchants|content|social)\] \d+ workers/m);
      const answer = await postJson(`http://127.0.0.1:${port}/graphql`, WHOLE_GRAPH);
      expect(JSON.parse(answer.text).errors).toBeUndefined();
      graph.child.kill('SIGTERM');
      expect(await graph.exited).toEqual({ code: 0, signal: null });
    } finally {
      graph.killGroup('SIGKILL');
    }
  }, 180_000);

  it('refuses a bad LIFEGRAPH_<NAME>_WORKERS before anything starts, naming the variable', async () => {
    const graph = spawnCommand('npm', ['start'], {
      ...ANY_PORTS,
      LIFEGRAPH_DATA_DIR: testDataDir('lg-start-workers-'),
      LIFEGRAPH_SOCIAL_WORKERS: '0',
    });
    expect((await graph.exited).code).not.toBe(0);
    expect(graph.stderr()).toContain('LIFEGRAPH_SOCIAL_WORKERS must be a whole number from 1 to 64 (got "0")');
    expect(graph.stderr()).not.toContain('[seed]');
  });
});

describe('Backoff', () => {
  it('waits 0.5 s, doubling to 30 s, and starts again at 0.5 s after a minute up', () => {
    const backoff = new Backoff();
    expect(Array.from({ length: 8 }, () => backoff.next(1_000))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect(backoff.next(60_000)).toBe(500);
    expect(backoff.next(0)).toBe(1_000);
  });
});
