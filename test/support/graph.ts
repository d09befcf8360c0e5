import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { signUserToken } from '../../gateway/auth/user-token.ts';
import { DEFAULT_RATE_LIMITS } from '../../gateway/rate-limit/settings.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import type { Identity } from '../../subgraphs/contract/identity.ts';
import type { Secrets } from '../../subgraphs/contract/settings.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { type Clock, systemClock } from '../../subgraphs/shared/context.ts';
import type { JobRun } from '../../subgraphs/shared/jobs.ts';
import { type ResponseCost, splitCost } from './cost.ts';
import { type LocalGraph, type LocalGraphOptions, startLocalGraph } from './local-graph.ts';
import { removeTestDataDir, testDataDir } from './temp.ts';

/** A user token's claims. */
export type TokenClaims = { user: string; scopes?: string[]; merchants?: string[]; expiresIn?: string };

/**
 * Who a test request is sent as: a user id (token with no scopes), an identity from ./identities.ts (a user's
 * token with its scopes and merchants; `ANONYMOUS` sends none) or full token claims.
 */
export type As = string | Identity | TokenClaims;

/** The claims of the token sent `as` someone, or null for anonymous; partners use API keys, not tokens. */
function claimsOf(as: As): TokenClaims | null {
  if (typeof as === 'string') return { user: as };
  if (!('kind' in as)) return as;
  if (as.kind === 'anonymous') return null;
  if (as.kind !== 'user' || !as.subject) throw new Error(`a ${as.kind} identity has no user token`);
  return { user: as.subject, scopes: as.scopes, merchants: as.merchantIds };
}

/** An error of a GraphQL response. */
export interface GraphQLResponseError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [k: string]: unknown };
}

/** A GraphQL response whose data has the shape `TData` (`any` by default: tests read arbitrary shapes). */
// biome-ignore lint/suspicious/noExplicitAny: the default lets untyped call sites read any field
export interface GraphQLResponseBody<TData = any> {
  data?: TData;
  errors?: GraphQLResponseError[];
  extensions?: { cost?: ResponseCost; [k: string]: unknown };
}

/** What `TestGraph.query` sends besides the operation. */
export interface QueryOptions {
  variables?: Record<string, unknown>;
  as?: As;
  headers?: Record<string, string>;
}

export interface TestGraph extends LocalGraph {
  dataDir: string;
  secrets: Secrets;
  /** A user JWT signed with this graph's secret. */
  tokenFor(as: As): Promise<string>;
  /**
   * POSTs an operation to the gateway, optionally as a user, and returns the HTTP status, the body and what it
   * cost; `TData` names the shape of `body.data` (e.g. `query<{ me: { id: string } }>('{ me { id } }')`). The
   * body is the answer without `extensions.cost` (see `splitCost`).
   */
  // biome-ignore lint/suspicious/noExplicitAny: the default keeps untyped call sites reading any field
  query<TData = any>(
    query: string,
    options?: QueryOptions,
  ): Promise<{ status: number; body: GraphQLResponseBody<TData>; cost?: ResponseCost }>;
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

/** How `startTestGraph` boots the graph. */
export interface TestGraphOptions {
  scale?: number;
  clock?: Clock;
  production?: boolean;
  /**
   * Trusted documents: enforced in production unless given, so a production suite about something else that sends
   * its own (unlisted) operations says `allow`.
   */
  trustedDocuments?: LocalGraphOptions['trustedDocuments'];
  userTokens?: LocalGraphOptions['userTokens'];
  /** Buckets per caller: the shipped defaults unless a suite about limits gives its own. */
  rateLimits?: LocalGraphOptions['rateLimits'];
  limits?: LocalGraphOptions['limits'];
  /** Runs on the seeded data directory before anything opens it (e.g. to make it look like an older one). */
  beforeStart?: (dataDir: string) => void;
}

/**
 * Boots a test graph before the tests of the enclosing file or `describe` and stops it after them. The handle
 * reads through to that graph, so it can be declared where the tests see it and used once they run.
 */
export function useTestGraph(options: TestGraphOptions = {}): TestGraph {
  let started: TestGraph | undefined;
  beforeAll(async () => {
    started = await startTestGraph(options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return new Proxy({} as TestGraph, {
    get(_, property) {
      if (!started) throw new Error('the test graph is used before its beforeAll hook started it');
      return Reflect.get(started, property);
    },
  });
}

/**
 * Boots the whole graph — four subgraphs and the gateway on ephemeral ports, real HTTP between them —
 * over a fresh temporary data directory seeded at `scale`. Stops everything if start-up fails.
 */
export async function startTestGraph(options: TestGraphOptions = {}): Promise<TestGraph> {
  const dataDir = testDataDir('lifegraph-test-');
  let graph: LocalGraph;
  try {
    seedDataDir(dataDir, { scale: options.scale ?? 1 });
    options.beforeStart?.(dataDir);
    graph = await startLocalGraph({
      dataDir,
      secrets: TEST_SECRETS,
      ports: { gateway: 0, merchants: 0, content: 0, offers: 0, social: 0 },
      clock: options.clock,
      scheduler: false,
      logger: pino({ level: 'silent' }),
      userTokens: options.userTokens,
      production: options.production,
      trustedDocuments: options.trustedDocuments,
      rateLimits: options.rateLimits ?? DEFAULT_RATE_LIMITS,
      limits: options.limits,
    });
  } catch (error) {
    removeTestDataDir(dataDir);
    throw error;
  }
  const tokenFor = (as: As) => {
    const claims = claimsOf(as);
    if (!claims) throw new Error('an anonymous caller has no token');
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
    async query<TData>(query: string, { variables, as, headers }: QueryOptions = {}) {
      const response = await fetch(graph.gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(as && claimsOf(as) ? { authorization: `Bearer ${await tokenFor(as)}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return splitCost((await response.json()) as GraphQLResponseBody<TData>, response.status);
    },
    runJobs: () =>
      SUBGRAPH_NAMES.flatMap((name) => SUBGRAPHS[name].runJobsOnce(dataDir, (options.clock ?? systemClock).now())),
    statementCount: () => Object.values(graph.subgraphs).reduce((sum, s) => sum + s.database.stats.statements, 0),
    async stop(onStopped) {
      try {
        await graph.stop(onStopped);
      } finally {
        removeTestDataDir(dataDir);
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
