import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Logger } from 'pino';
import { listen } from '../contract/command-line.ts';
import { checkDatabaseFile } from '../contract/database-files.ts';
import { invalidCredentials } from '../contract/errors.ts';
import { allowMethods, graphqlJsonBody, jsonErrorHandler, notFound, rawJsonBody } from '../contract/http.ts';
import { IDENTITY_HEADER, verifyIdentity } from '../contract/identity.ts';
import { leanGraphQLHandler, takesLeanPath } from '../contract/lean-graphql.ts';
import { requestLines } from '../contract/request-line-plugin.ts';
import { tiedToRequestLine, withRequestLines } from '../contract/request-log.ts';
import { CUSTOM_SCALARS } from '../contract/scalars.ts';
import type { SubgraphName } from '../contract/settings.ts';
import { flushTraces, startTracingFromEnv, tracedRequests, tracingPlugins } from '../contract/tracing.ts';
import { cachedFor } from './cached.ts';
import { type Clock, type SubgraphContext, systemClock } from './context.ts';
import { openDatabase, type SubgraphDatabase } from './db.ts';
import type { Projection } from './events/projection.ts';
import { type EventsOptions, startEvents } from './events/runtime.ts';
import { publisherUrlFromEnv } from './events/settings.ts';
import { withInvalidations } from './invalidations.ts';
import { type JobRun, runJobsOnce, type SubgraphJob, startScheduler } from './jobs.ts';
import { subgraphLineWriter, subgraphLogger, subgraphMetrics } from './observability.ts';
import { registerRunning } from './running.ts';
import { subgraphTypeDefs } from './schema-file.ts';
import { traceEntities } from './tracing.ts';

/** What every `/graphql` answer carries: Apollo's cache-control plugin answered this for operations without hints. */
const GRAPHQL_HEADERS = { 'cache-control': 'no-store' } as const;

/** A subgraph's drizzle database over its own tables. */
export type DatabaseOf<TSchema extends Record<string, unknown>> = SubgraphDatabase<TSchema>['db'];

/** The handle a rule works with inside `db.transaction(...)` on that database. */
export type TransactionOf<TSchema extends Record<string, unknown>> = Parameters<
  Parameters<DatabaseOf<TSchema>['transaction']>[0]
>[0];

/**
 * A resolver map as `buildSubgraphSchema` takes it. Each subgraph types its map with its generated `Resolvers`
 * (context and parents included); `never` as the context here accepts every subgraph's own context type.
 */
export type SubgraphResolvers = GraphQLResolverMap<never>;

/** Everything that makes one subgraph; each `subgraphs/<name>/index.ts` builds one with `defineSubgraph`. */
export interface SubgraphDefinition<TSchema extends Record<string, unknown>, TLoaders> {
  name: SubgraphName;
  /** Absolute path of the subgraph's `schema.graphql`. */
  schemaFile: string;
  /** drizzle tables, passed to drizzle so relational queries work. */
  tables: TSchema;
  /** Absolute path of the drizzle-kit migrations folder. */
  migrationsFolder: string;
  resolvers: SubgraphResolvers;
  /** A fresh set of DataLoaders, called once per request. */
  createLoaders(db: DatabaseOf<TSchema>, clock: Clock): TLoaders;
  /** Which loaders each mutation makes stale (see shared/invalidations.ts). */
  invalidations: Record<string, readonly PropertyKey[]>;
  /** Deadline rules the subgraph applies on a schedule (see shared/jobs.ts). */
  jobs: readonly SubgraphJob<DatabaseOf<TSchema>>[];
  /** What it keeps from other subgraphs' events (see shared/events/projection.ts); none: it only publishes. */
  projection?: Projection;
}

/** What callers that serve any subgraph by name use (the CLIs, the seed): its own types stay inside. */
export interface Subgraph {
  name: SubgraphName;
  schemaFile: string;
  start(options: StartOptions): Promise<StartedSubgraph>;
  /** Opens (and migrates) its database in `dataDir`, applies every deadline job once at `now`, and closes it. */
  runJobsOnce(dataDir: string, now: Date): JobRun[];
}

/**
 * One subgraph from its folder (`new URL('.', import.meta.url)`, holding `schema.graphql` and `migrations/`) and its
 * parts: the typed definition, plus the `Subgraph` methods that serve it by name.
 */
export function defineSubgraph<TSchema extends Record<string, unknown>, TLoaders>(
  folder: URL,
  parts: Omit<SubgraphDefinition<TSchema, TLoaders>, 'schemaFile' | 'migrationsFolder'>,
): SubgraphDefinition<TSchema, TLoaders> & Subgraph {
  const definition: SubgraphDefinition<TSchema, TLoaders> = {
    ...parts,
    schemaFile: fileURLToPath(new URL('schema.graphql', folder)),
    migrationsFolder: fileURLToPath(new URL('migrations', folder)),
  };
  return {
    ...definition,
    start: (options) => startSubgraph(definition, options),
    runJobsOnce: (dataDir, now) => {
      // A subgraph without deadlines has nothing to run: its database is not even opened.
      if (definition.jobs.length === 0) return [];
      const database = openSubgraphDatabase(definition, dataDir);
      try {
        return runJobsOnce(definition.jobs, database.db, now);
      } finally {
        database.close();
      }
    },
  };
}

export interface StartOptions {
  dataDir: string;
  port: number;
  subgraphSecret: string;
  clock?: Clock;
  host?: string;
  /** Run the deadline jobs in-process (default true; tests turn it off and run them explicitly). */
  scheduler?: boolean;
  /** How long one `/readyz` check answers every probe (default 1 s, as the gateway's). */
  readinessCacheMs?: number;
  /** Where request lines go; pino at `LOG_LEVEL` (default info) on stdout when not given. */
  logger?: Logger;
  /** Event delivery settings (publishers' URLs, NATS); from the environment when not given. */
  events?: Pick<EventsOptions, 'publisherUrl' | 'natsServers' | 'natsPrefix' | 'waitMs' | 'consume'>;
}

export interface StartedSubgraph<TSchema extends Record<string, unknown> = Record<string, unknown>> {
  name: SubgraphName;
  url: string;
  port: number;
  database: SubgraphDatabase<TSchema>;
  stop(): Promise<void>;
}

/** The SQLite file of a subgraph inside a data directory. */
export function databaseFile(dataDir: string, name: SubgraphName): string {
  return path.join(dataDir, `${name}.sqlite`);
}

/** Opens (and migrates) a subgraph's database in `dataDir`. */
export function openSubgraphDatabase<TSchema extends Record<string, unknown>, TLoaders>(
  definition: SubgraphDefinition<TSchema, TLoaders>,
  dataDir: string,
): SubgraphDatabase<TSchema> {
  return openDatabase({
    file: databaseFile(dataDir, definition.name),
    schema: definition.tables,
    migrationsFolder: definition.migrationsFolder,
    recovery: 'restore it from a backup, or recreate it with `npm run seed -- --reset` (its data is lost)',
  });
}

/**
 * Builds and starts one subgraph on `port` (0 = any free port). Every request must carry an identity
 * signed by the gateway; anything else is refused with 401 before a resolver runs.
 */
export async function startSubgraph<TSchema extends Record<string, unknown>, TLoaders>(
  definition: SubgraphDefinition<TSchema, TLoaders>,
  options: StartOptions,
): Promise<StartedSubgraph<TSchema>> {
  // Registered before the database is opened (seen by `seed --reset`, which refuses to delete databases a
  // running process uses), so there is no moment when this process has the file open unregistered.
  const unregister = registerRunning(options.dataDir, definition.name);
  // Before the database opens: its statements are traced only when tracing is on by then.
  startTracingFromEnv(`lifegraph-${definition.name}`);
  let database: SubgraphDatabase<TSchema>;
  try {
    database = openSubgraphDatabase(definition, options.dataDir);
  } catch (error) {
    unregister();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const typeDefs = subgraphTypeDefs(definition.schemaFile);
  const { Mutation, ...resolvers } = definition.resolvers;
  const schema = buildSubgraphSchema({
    typeDefs,
    resolvers: {
      ...CUSTOM_SCALARS,
      ...resolvers,
      ...(Mutation ? { Mutation: withInvalidations(Mutation, definition.invalidations) } : {}),
    } as GraphQLResolverMap<unknown>,
  });
  traceEntities(schema);
  const { logger, flush: flushLogs } = subgraphLogger(definition.name, options.logger);
  const metrics = subgraphMetrics(definition.name);
  const app = express();
  app.disable('x-powered-by');
  // The gateway's POSTs take the lean path (see contract/lean-graphql.ts); everything else goes through Express.
  let lean: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  // Every request has its id (the gateway's x-request-id) and its log line, whichever path answers it.
  const httpServer = http.createServer(
    // Outermost, so the request's span (continuing the gateway's traceparent) covers its log line too.
    tracedRequests(
      'graphql.operation',
      withRequestLines(subgraphLineWriter(definition.name, metrics, logger), (req, res) =>
        lean && takesLeanPath(req) ? lean(req, res) : app(req, res),
      ),
    ),
  );
  const server = new ApolloServer<SubgraphContext<typeof database.db, TLoaders>>({
    schema,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Inline traces (ftv1) are for Apollo Studio usage reporting, which lifegraph does not use.
      ApolloServerPluginInlineTraceDisabled(),
      // A subgraph answers only the gateway, always `no-store` (GRAPHQL_HEADERS): the gateway computes a public
      // read's cache-control from the SDLs' @cacheControl hints in the supergraph (gateway/plugins/cache-control.ts).
      // Without the plugin Apollo Server does not wrap every field resolver to collect hints.
      ApolloServerPluginCacheControlDisabled(),
      requestLines(),
      ...tracingPlugins<SubgraphContext<typeof database.db, TLoaders>>(),
    ],
    // The CLIs own SIGTERM/SIGINT, so that `npm start` can stop the gateway before the subgraphs it still calls.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: process.env.NODE_ENV !== 'production',
  });
  await server.start();
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', subgraph: definition.name });
  });
  // Ready = its database file, as it is on disk now, passes SQLite's quick_check (see checkDatabaseFile).
  // quick_check blocks the event loop (all four subgraphs share one under `npm start`) and grows with the
  // data, so one check answers every probe for `readinessCacheMs`: a flood of probes costs one check a second.
  const checkDatabase = cachedFor(options.readinessCacheMs ?? 1000, () =>
    checkDatabaseFile(databaseFile(options.dataDir, definition.name)),
  );
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // A subgraph that consumes its own outbox (offers, for its search index) reads it from itself, wherever it
  // listens (known once it does; the consumer waits until then), not from the default port of its name.
  let ownOrigin: string | undefined;
  const publisherUrl = options.events?.publisherUrl ?? publisherUrlFromEnv;
  const events = startEvents({
    ...options.events,
    publisherUrl: (publisher) => (publisher === definition.name ? ownOrigin : publisherUrl(publisher)),
    name: definition.name,
    file: databaseFile(options.dataDir, definition.name),
    app,
    registry: metrics.registry,
    secret: options.subgraphSecret,
    logger,
    projection: definition.projection,
  });
  app.get('/readyz', (_req, res) => {
    const database = checkDatabase();
    res
      .status(database.ok ? 200 : 503)
      .json({ ready: database.ok, subgraph: definition.name, database, events: events.readiness() });
  });
  // Every request must carry an identity signed by the gateway, bound to the exact bytes of its body.
  // Tied to the request's line, which the requestLines plugin fills in; a 401 here puts its code on it.
  const contextOf = tiedToRequestLine(
    async (
      req: http.IncomingMessage,
      _res: http.ServerResponse,
      rawBody: Buffer | undefined,
    ): Promise<SubgraphContext<typeof database.db, TLoaders>> => {
      const token = req.headers[IDENTITY_HEADER];
      if (typeof token !== 'string') {
        throw invalidCredentials(
          `Missing ${IDENTITY_HEADER}: subgraphs only answer requests signed by the lifegraph gateway.`,
        );
      }
      let identity: SubgraphContext<unknown, unknown>['identity'];
      try {
        identity = verifyIdentity(token, options.subgraphSecret, rawBody);
      } catch {
        throw invalidCredentials(`Invalid or expired ${IDENTITY_HEADER}: send requests through the lifegraph gateway.`);
      }
      return {
        identity,
        db: database.db,
        clock,
        loaders: definition.createLoaders(database.db, clock),
        subgraphSecret: options.subgraphSecret,
      };
    },
  );
  const logUnhandled = (error: unknown, requestId: string) =>
    logger.error({ requestId, err: error }, 'unhandled HTTP error');
  lean = leanGraphQLHandler({
    server,
    context: (req, res, rawBody) => contextOf(req, res, rawBody),
    headers: GRAPHQL_HEADERS,
    onError: logUnhandled,
  });
  app.use(
    '/graphql',
    allowMethods('GET', 'POST'),
    (_req: express.Request, res: express.Response, next: express.NextFunction) => {
      res.set(GRAPHQL_HEADERS);
      next();
    },
    graphqlJsonBody({ keepRawBody: true }),
    expressMiddleware(server, { context: ({ req, res }) => contextOf(req, res, rawJsonBody(req)) }),
  );
  // Keep these last: every other path and method, and every error, is answered as GraphQL JSON.
  app.all(['/healthz', '/readyz', '/metrics', '/events'], allowMethods('GET'));
  app.use(notFound(['/graphql', '/healthz', '/readyz', '/metrics', '/events']));
  app.use(jsonErrorHandler(logUnhandled));
  // A port in use rejects (PortInUseError), for the CLI to name the port and its setting.
  await listen(httpServer, options.port, options.host);
  const port = (httpServer.address() as AddressInfo).port;
  ownOrigin = `http://${ownHost(httpServer.address() as AddressInfo)}:${port}`;
  const stopScheduler =
    options.scheduler === false
      ? () => {}
      : startScheduler(
          definition.jobs,
          database.db,
          () => clock.now(),
          (job, error) => logger.error({ job, err: error }, 'subgraph job failed'),
        );
  return {
    name: definition.name,
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    database,
    stop: async () => {
      stopScheduler();
      await events.stop();
      await server.stop();
      database.close();
      unregister();
      await flushLogs();
      await flushTraces();
    },
  };
}

/** Where this process reaches its own server: loopback when it listens on every address, else that address. */
function ownHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
