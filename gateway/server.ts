import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { type Logger, pino } from 'pino';
import {
  allowMethods,
  flushTraces,
  graphqlJsonBody,
  jsonErrorHandler,
  leanGraphQLHandler,
  listen,
  notFound,
  requestIdOf,
  startTracingFromEnv,
  takesLeanPath,
  tiedToRequestLine,
  tracedRequests,
  tracingPlugins,
  withRequestLines,
} from '../subgraphs/contract/index.ts';
import type { Authenticator } from './auth/authenticate.ts';
import { AuthorizingGateway } from './auth/authorizing-gateway.ts';
import { operationCacheSizeFromEnv } from './auth/cache.ts';
import { reservedAliases } from './auth/filter-operation.ts';
import type { GatewayContext } from './context.ts';
import { readinessCheck, subgraphDoesNotAnswer } from './health.ts';
import { type AdminOptions, adminFromEnv, mountOperatorEndpoints, startAdminServer } from './http/admin.ts';
import { compressionThresholdFromEnv, responseCompression } from './http/compression.ts';
import { type CorsOrigin, corsOptions, corsOriginsFromEnv, exposedHeaders } from './http/cors.ts';
import { cacheControl } from './plugins/cache-control.ts';
import { demandControl, type RecordUsage } from './plugins/demand-control.ts';
import { introspectionGuard } from './plugins/introspection-guard.ts';
import { limitParseOptions, limitsFromEnv, type OperationLimits, operationLimits } from './plugins/limits/index.ts';
import { createMetrics, observability, requestLineWriter } from './plugins/observability.ts';
import { servedOperations } from './plugins/operations.ts';
import { PinnedDocumentStore } from './plugins/pinned-document-store.ts';
import { maskError, tidyClientError } from './plugins/production.ts';
import { checkedScalars } from './plugins/scalars.ts';
import { type TrustedDocumentsMode, trustedDocuments, trustedDocumentsFromEnv } from './plugins/trusted-documents.ts';
import { clientAddress, type KeyLimits } from './rate-limit/callers.ts';
import { type RateLimitOptions, rateLimitsFromEnv } from './rate-limit/settings.ts';
import { openBucketStore } from './rate-limit/store.ts';
import { dedupMiddleware, dedupRequestsFromEnv, requestSharing } from './request-dedup.ts';
import { SignedDataSource } from './signed-data-source.ts';
import { SubgraphBreakers } from './subgraph-fetch/breakers.ts';
import { type SubgraphFetchOptions, subgraphFetchFromEnv } from './subgraph-fetch/config.ts';
import { dedupSubgraphFetchesFromEnv, InFlight } from './subgraph-fetch/dedup.ts';
import { SubgraphFetcher, type SubgraphHttpResponse } from './subgraph-fetch/fetcher.ts';
import { natsPrefixFromEnv, natsServersFromEnv } from './subscriptions/backbone.ts';
import {
  type LiveSubscriptions,
  liveSubscriptions,
  type SubscriptionSettings,
  subscriptionSettingsFromEnv,
} from './subscriptions/index.ts';
import { SupergraphError, subgraphUrlOf, type UrlOverrides } from './supergraph.ts';
import {
  CurrentSupergraph,
  documentStoreSchemaHash,
  prepareSupergraph,
  reloadingSupergraph,
  supergraphMetrics,
} from './supergraph-reload.ts';
import type { SupergraphSource } from './supergraph-reload-sources.ts';

export interface GatewayOptions {
  /** Any valid supergraph SDL (ours is `schema/supergraph.graphql`). */
  supergraphSdl: string;
  subgraphSecret: string;
  authenticate: Authenticator;
  /** Replaces subgraph URLs from the supergraph by name (tests run subgraphs on ephemeral ports). */
  urlOverrides?: UrlOverrides;
  /** Where new versions of the supergraph come from (hot reload, see supergraph-reload.ts); none: no reload. */
  supergraphSource?: SupergraphSource;
  /** The admin listener, and whether the public port serves /metrics; from the environment when not given. */
  admin?: AdminOptions;
  /** `NODE_ENV=production` behaviour: no landing page, no introspection, masked errors. */
  production?: boolean;
  /** Trusted documents (schema/trusted-documents.json); `LIFEGRAPH_TRUSTED_DOCUMENTS` when not given. */
  trustedDocuments?: TrustedDocumentsMode;
  /** Operation size limits; from the environment (or the defaults) when not given. */
  limits?: OperationLimits;
  /** Buckets per caller and where they live; from the environment (or the defaults) when not given. */
  rateLimits?: RateLimitOptions;
  /** Partner keys' own limits and where their usage goes (the key store: `keys create --rate`, `keys usage`). */
  partnerKeys?: { rateLimitOf: KeyLimits; recordUsage: RecordUsage };
  /** Where request logs go; pino at `LOG_LEVEL` (default info) on stderr when not given. */
  logger?: Logger;
  /** Browser origins admitted; `LIFEGRAPH_CORS_ORIGINS` (plus Studio and localhost in development) when not given. */
  corsOrigins?: CorsOrigin[];
  /** Answers from this size are compressed if the client accepts it; LIFEGRAPH_COMPRESSION_THRESHOLD_BYTES if not given. */
  compressionThresholdBytes?: number;
  /** Subgraph fetch timeout and circuit breakers; from the environment (or the defaults) when not given. */
  subgraphFetch?: SubgraphFetchOptions;
  /** Identical concurrent subgraph reads share one request; `LIFEGRAPH_DEDUP_SUBGRAPH_FETCHES` when not given. */
  dedupSubgraphFetches?: boolean;
  /** Identical concurrent read operations share one execution; `LIFEGRAPH_DEDUP_REQUESTS` when not given. */
  dedupRequests?: boolean;
  /** The gateway's own SQLite files (the partner key store), checked by `/readyz`. */
  databaseFiles?: string[];
  /** How long `stop()` lets in-flight requests finish before closing their connections (default 20 s). */
  stopGracePeriodMs?: number;
  /** Live subscription limits; `LIFEGRAPH_SUBSCRIPTIONS_*` (or the defaults) when not given. */
  subscriptions?: SubscriptionSettings;
  /** NATS servers subscriptions receive events from; LIFEGRAPH_NATS_URL when not given (none: each pulls /events). */
  natsServers?: string[];
  natsPrefix?: string;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** The admin listener's origin (`/metrics`, detailed `/readyz`), when there is one. */
  adminUrl?: string;
  stop(): Promise<void>;
}

/** Request log lines are written in batches of this many bytes, or after LOG_FLUSH_MS at the latest. */
const LOG_BATCH_BYTES = 12_288;
const LOG_FLUSH_MS = 1000;

/**
 * Builds the gateway and listens on `port` (0 = any free port, as tests use). Building and listening are not
 * separate yet, as STYLE asks: every caller (the CLI, the local graph, tests) needs both.
 */
export async function startGateway(options: GatewayOptions, port: number, host?: string): Promise<RunningGateway> {
  // First: whether tracing is on is decided once, before the parts that trace are built.
  startTracingFromEnv('lifegraph-gateway');
  // The supergraph served, swapped on a hot reload: what is derived from it (subgraphs, policy, costs) follows it.
  const urlOf = subgraphUrlOf(options.urlOverrides);
  const supergraph = new CurrentSupergraph(prepareSupergraph(options.supergraphSdl, urlOf));
  const metrics = createMetrics();
  const { reloadFailures } = supergraphMetrics(metrics.registry, supergraph);
  // One line per request, written asynchronously and in batches: lines collect until 12 KiB (sonic-boom writes at most 16 KiB at once) or for at most 1 s, then
  // go out in one write (one write per line was 5 % of the gateway's CPU under load). pino flushes what is left
  // synchronously when the process exits, and stop() flushes before it resolves. On stderr: stdout carries only
  // the command's result (its ready line), so `npm run -s gateway` can be read by a script.
  const logDestination = options.logger
    ? undefined
    : pino.destination({ dest: 2, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' }, logDestination);
  const subgraphFetch = options.subgraphFetch ?? subgraphFetchFromEnv();
  const breakers = new SubgraphBreakers(
    supergraph.current.subgraphs.map((s) => s.name),
    subgraphFetch,
    metrics.registry,
    logger,
  );
  supergraph.onSwap((loaded) => breakers.add(loaded.subgraphs.map((s) => s.name)));
  // Per-operation caches (authorization results, costs): keyed by parsed document and access shape.
  const operationCacheSize = operationCacheSizeFromEnv();
  const fetcher = new SubgraphFetcher();
  const inFlight =
    (options.dedupSubgraphFetches ?? dedupSubgraphFetchesFromEnv())
      ? new InFlight<SubgraphHttpResponse>(() => metrics.dedup.inc({ kind: 'subgraph_fetch' }))
      : undefined;
  // Read here with the other settings, so a bad value stops the start before anything is built.
  const sharesRequests = options.dedupRequests ?? dedupRequestsFromEnv();
  const corsOrigins = options.corsOrigins ?? corsOriginsFromEnv(options.production === true);
  const compress = responseCompression(options.compressionThresholdBytes ?? compressionThresholdFromEnv());
  const trusted = trustedDocuments(options.trustedDocuments ?? trustedDocumentsFromEnv(options.production === true));
  const apolloGateway = new ApolloGateway({
    supergraphSdl: reloadingSupergraph({
      current: supergraph,
      source: options.supergraphSource,
      urlOf,
      logger,
      reloadFailures,
      probe: (url) => subgraphDoesNotAnswer(url, options.subgraphSecret, subgraphFetch.timeoutMs),
    }),
    // Each fetch node carries its parsed operation (cached with the plan), so a fetch never parses its query again.
    queryPlannerConfig: { exposeDocumentNodeInFetchNode: true },
    buildService: ({ name, url }) =>
      new SignedDataSource(
        { name, url: urlOf({ name, url: url ?? '' }) },
        options.subgraphSecret,
        subgraphFetch,
        breakers,
        fetcher,
        inFlight,
      ),
  });
  supergraph.attach(apolloGateway);
  const { documentStore } = trusted;
  if (documentStore instanceof PinnedDocumentStore) {
    supergraph.onSwap((_, apiSchema) => documentStore.retainSchema(documentStoreSchemaHash(apiSchema)));
  }
  const gateway = new AuthorizingGateway(apolloGateway, (schema) => supergraph.of(schema).policy, operationCacheSize);
  const app = express();
  // Express's fingerprint, on the routes it still answers (the lean /graphql path never sent it).
  app.disable('x-powered-by');
  app.use(compress);
  let lean: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  // Live subscriptions (gateway/subscriptions): SSE requests and the live-room page are theirs, before the rest.
  let live: LiveSubscriptions | undefined;
  // The usual GraphQL POST takes the lean path; everything else (and every other route) is Express's.
  // Each GraphQL request is a span (continuing the caller's traceparent) around everything else.
  const httpServer = http.createServer(
    tracedRequests(
      'graphql.request',
      // Every request has its id (x-request-id) and its log line from the start, whichever path answers it.
      withRequestLines(requestLineWriter(metrics, logger), (req, res) => {
        if (live?.handle(req, res)) return;
        const answerLean = lean;
        // The same compression as Express's, so both paths answer alike.
        if (answerLean && takesLeanPath(req)) compress(req, res, () => answerLean(req, res));
        else app(req, res);
      }),
    ),
  );
  // WebSocket subscriptions (graphql-transport-ws) share the port: upgrades at /graphql, any other is refused.
  httpServer.on('upgrade', (req, socket, head) => {
    if (!live?.upgrade(req, socket, head)) socket.destroy();
  });
  const limits = options.limits ?? limitsFromEnv();
  const rateLimits = options.rateLimits ?? rateLimitsFromEnv();
  const buckets = await openBucketStore(rateLimits, logger, () => metrics.rateLimitStoreFailures.inc());
  const server = new ApolloServer<GatewayContext>({
    gateway,
    // The CLIs own SIGTERM/SIGINT: they stop the gateway first and the subgraphs after it (see contract/shutdown.ts).
    stopOnTerminationSignals: false,
    // The token limit stops the parser itself; the other limits are checked right after parsing.
    parseOptions: limitParseOptions(limits),
    // Introspection stays on: in production introspectionGuard admits only callers with the scope.
    introspection: true,
    includeStacktraceInErrorResponses: !options.production,
    // No "Did you mean ..." suggestions in production: they would reveal the schema introspection refuses.
    hideSchemaDetailsFromClientErrors: options.production,
    // Client aliases may not take the names of the authorization filter's markers.
    validationRules: [reservedAliases],
    // Listed trusted documents stay parsed and validated for good; anything else as Apollo's default store keeps it.
    documentStore: trusted.documentStore,
    formatError: options.production ? maskError : tidyClientError,
    plugins: [
      // stop() finishes every request in flight (their subgraphs are still up) before it closes connections.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: options.stopGracePeriodMs ?? 20_000 }),
      // Before the others, so they all see the listed body of a request that sent only its id.
      trusted.plugin,
      servedOperations(),
      checkedScalars(),
      operationLimits(limits),
      demandControl({
        model: (schema) => supergraph.of(schema).costModel,
        maxCost: limits.maxCost,
        rateLimits,
        store: buckets,
        keyLimits: options.partnerKeys?.rateLimitOf,
        recordUsage: options.partnerKeys?.recordUsage,
        onOutcome: metrics.countCost,
        cacheSize: operationCacheSize,
      }),
      ...cacheControl({ hintsOf: (schema) => supergraph.of(schema).cacheHints }),
      observability(metrics, logger),
      ...tracingPlugins<GatewayContext>(),
      ...(options.production
        ? [ApolloServerPluginLandingPageDisabled(), introspectionGuard()]
        : [ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })]),
    ],
  });
  live = liveSubscriptions({
    server,
    supergraph,
    authenticate: options.authenticate,
    subgraphSecret: options.subgraphSecret,
    registry: metrics.registry,
    logger,
    clientAddress: (req) => clientAddress(req, rateLimits.trustedProxies),
    settings: options.subscriptions ?? subscriptionSettingsFromEnv(),
    natsServers: options.natsServers ?? natsServersFromEnv(),
    natsPrefix: options.natsPrefix ?? natsPrefixFromEnv(),
    redisUrl: rateLimits.redisUrl,
    redisPrefix: process.env.LIFEGRAPH_REDIS_PREFIX?.trim() || undefined,
    trusted,
    liveRoom: !options.production,
  });
  // start() loads and validates the supergraph; the routes below only exist once it has succeeded.
  try {
    await server.start();
  } catch (error) {
    // The gateway loads the supergraph first: a start that failed before it was loaded failed on the supergraph.
    if (!supergraph.loaded) throw new SupergraphError((error as Error).message, { cause: error });
    throw error;
  }

  live.start();
  const readiness = readinessCheck({
    subgraphs: () => supergraph.current.subgraphs,
    supergraph: () => supergraph.current,
    subgraphSecret: options.subgraphSecret,
    breakers,
    databaseFiles: options.databaseFiles ?? [],
    subgraphTimeoutMs: subgraphFetch.timeoutMs,
  });
  let draining = false;
  const endpoints = { registry: metrics.registry, readiness: () => readiness(draining) };
  // In production the public port gives /readyz's verdict only, and /metrics only when asked (see http/admin.ts).
  const admin = options.admin ?? adminFromEnv(options.production === true);
  const operatorPaths = mountOperatorEndpoints(app, endpoints, {
    metrics: admin.publicMetrics,
    details: !options.production,
  });
  const share = sharesRequests
    ? requestSharing({
        server,
        authenticate: options.authenticate,
        parseOptions: limitParseOptions(limits),
        onShared: () => metrics.dedup.inc({ kind: 'request' }),
        clientAddress: (req) => clientAddress(req, rateLimits.trustedProxies),
      })
    : undefined;
  const context = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<GatewayContext> => ({
    requestId: requestIdOf(res),
    identity: await options.authenticate(req.headers),
    clientAddress: clientAddress(req, rateLimits.trustedProxies),
    signal: abortWhenClientLeaves(res),
  });
  const logUnhandled = (error: unknown, requestId: string) =>
    logger.error({ requestId, err: error }, 'unhandled HTTP error');
  // When enforcing, a caller without an API key is refused an unlisted document here, before Apollo reads it.
  // Tied to the request's line: the plugin fills it in, and a refusal here (401, 400) puts its code on it.
  const admittedContext = tiedToRequestLine(trusted.admitting(context));
  const admittedShare = share && trusted.sharing(share, options.authenticate);
  lean = leanGraphQLHandler({
    server,
    context: admittedContext,
    corsOrigins,
    headers: exposedHeaders(corsOrigins),
    share: admittedShare,
    onError: logUnhandled,
  });
  app.use(
    '/graphql',
    cors(corsOptions(corsOrigins)),
    allowMethods('GET', 'POST'),
    graphqlJsonBody(),
    admittedShare ? dedupMiddleware(admittedShare) : [],
    expressMiddleware(server, { context: ({ req, res }) => admittedContext(req, res) }),
  );
  // In development a browser opening the bare origin lands on Sandbox.
  if (!options.production) {
    app.get('/', (_req, res) => {
      res.redirect('/graphql');
    });
  }
  // Keep these last: every other path and method, and every error, is answered as GraphQL JSON.
  app.all(operatorPaths, allowMethods('GET'));
  app.use(notFound(['/graphql', ...operatorPaths]));
  app.use(jsonErrorHandler(logUnhandled));

  // The admin listener first: a gateway whose admin port failed never takes public traffic.
  const adminServer =
    admin.port === undefined
      ? undefined
      : await startAdminServer({ port: admin.port, host: admin.host, compress }, endpoints);
  // A port in use rejects (PortInUseError), for the CLI to name the port and its setting.
  await listen(httpServer, port, host).catch(async (error) => {
    await adminServer?.close();
    throw error;
  });
  const actualPort = (httpServer.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/graphql`,
    port: actualPort,
    adminUrl: adminServer?.url,
    stop: () => {
      draining = true;
      // The subgraph connections close once the requests in flight have been answered; the admin listener goes
      // last, so /readyz says "draining" until the end.
      // Subscriptions first: each is completed with a reason, so the drain below does not wait for their streams.
      return (live?.stop() ?? Promise.resolve())
        .finally(() => server.stop())
        .finally(() => fetcher.close())
        .finally(() => buckets.close())
        .finally(() => adminServer?.close())
        .finally(() => (logDestination ? logsWritten(logDestination) : undefined))
        .finally(flushTraces);
    },
  };
}

/** An abort signal that fires when the client goes away before its response has been sent. */
function abortWhenClientLeaves(res: http.ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Resolves once the asynchronous log destination has written every line given to it (or after 2 s, should stdout
 * never drain), so a process that exits right after stop() loses no line. pino also writes whatever is still
 * buffered synchronously when the process exits, but not a write already in flight.
 */
function logsWritten(destination: ReturnType<typeof pino.destination>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    // Writes the batch still collecting, and calls back once nothing is left to write.
    destination.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
