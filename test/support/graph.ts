import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { signUserToken } from '../../gateway/auth/user-token.ts';
import { type LocalGraph, type LocalGraphOptions, startLocalGraph } from '../../gateway/local-graph.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import type { Secrets } from '../../subgraphs/contract/settings.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { type Clock, systemClock } from '../../subgraphs/shared/context.ts';
import { type JobRun, runJobsOnce } from '../../subgraphs/shared/jobs.ts';

/** Who a test request is sent as: a user id (token with no scopes) or full token claims. */
export type As = string | { user: string; scopes?: string[]; merchants?: string[]; expiresIn?: string };

export interface GraphQLResponseBody {
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary shapes
  data?: any;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestGraph extends LocalGraph {
  dataDir: string;
  secrets: Secrets;
  /** A user JWT signed with this graph's secret. */
  tokenFor(as: As): Promise<string>;
  /** POSTs an operation to the gateway, optionally as a user, and returns the HTTP status and body. */
  query(
    query: string,
    options?: { variables?: Record<string, unknown>; as?: As; headers?: Record<string, string> },
  ): Promise<{ status: number; body: GraphQLResponseBody }>;
  /** Total SQL statements executed by all subgraphs so far (for N+1 tests). */
  statementCount(): number;
  /** Runs every subgraph's deadline jobs once at the clock's time (the in-process scheduler is off in tests). */
  runJobs(): JobRun[];
}

/** Each error of a response as [code, path], to assert what was refused and where in one comparison. */
export const denials = (body: GraphQLResponseBody) => body.errors?.map((e) => [e.extensions?.code, e.path]) ?? [];

/** `TestGraph.query` options that send a partner API key. */
export const withKey = (key: string) => ({ headers: { 'x-api-key': key } });

/** A merchant's `joined_circle_at`, straight from the merchants SQLite file. */
export function joinedCircleAt(graph: TestGraph, merchantId: string): number | null {
  const row = graph.subgraphs.merchants.database.sqlite
    .prepare('select joined_circle_at from merchants where id = ?')
    .get(merchantId) as { joined_circle_at: number | null };
  return row.joined_circle_at;
}

export const TEST_SECRETS: Secrets = {
  jwtSecret: 'test-jwt-secret-0123456789abcdef',
  subgraphSecret: 'test-subgraph-secret-0123456789',
};

/**
 * Boots the whole graph — four subgraphs and the gateway on ephemeral ports, real HTTP between them —
 * over a fresh temporary data directory seeded at `scale`. Stops everything if start-up fails.
 */
export async function startTestGraph(
  options: { scale?: number; clock?: Clock; production?: boolean; userTokens?: LocalGraphOptions['userTokens'] } = {},
): Promise<TestGraph> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lifegraph-test-'));
  let graph: LocalGraph;
  try {
    seedDataDir(dataDir, { scale: options.scale ?? 1 });
    graph = await startLocalGraph({
      dataDir,
      secrets: TEST_SECRETS,
      ports: { gateway: 0, merchants: 0, content: 0, offers: 0, social: 0 },
      clock: options.clock,
      scheduler: false,
      logger: pino({ level: 'silent' }),
      userTokens: options.userTokens,
      production: options.production,
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const tokenFor = (as: As) => {
    const claims = typeof as === 'string' ? { user: as } : as;
    return signUserToken(
      { userId: claims.user, scopes: claims.scopes, merchantIds: claims.merchants, expiresIn: claims.expiresIn },
      { secret: TEST_SECRETS.jwtSecret, issuer: options.userTokens?.issuer, audience: options.userTokens?.audience },
    );
  };
  return {
    ...graph,
    dataDir,
    secrets: TEST_SECRETS,
    tokenFor,
    async query(query, { variables, as, headers } = {}) {
      const response = await fetch(graph.gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(as ? { authorization: `Bearer ${await tokenFor(as)}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponseBody };
    },
    runJobs: () =>
      SUBGRAPH_NAMES.flatMap((name) =>
        runJobsOnce(
          SUBGRAPHS[name].jobs ?? [],
          graph.subgraphs[name].database.db,
          (options.clock ?? systemClock).now(),
        ),
      ),
    statementCount: () => Object.values(graph.subgraphs).reduce((sum, s) => sum + s.database.stats.statements, 0),
    async stop(onStopped) {
      try {
        await graph.stop(onStopped);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A clock tests can move: starts at `start` and only changes when told to. */
export function createTestClock(start = new Date()) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set: (at: Date) => {
      now = at.getTime();
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}
