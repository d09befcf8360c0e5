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
import type { Authenticator } from './auth/authenticate.ts';
import { AuthorizingGateway } from './auth/authorizing-gateway.ts';
import { readAccessPolicy, withoutSecurityPurpose } from './auth/policy.ts';
import { checkSubgraphs } from './health.ts';
import { limitsFromEnv, type OperationLimits, operationLimits } from './plugins/limits.ts';
import { createMetrics, observability } from './plugins/observability.ts';
import { introspectionGuard, maskError, tidyClientError } from './plugins/production.ts';
import { type GatewayContext, SignedDataSource } from './signed-data-source.ts';
import { listSubgraphs } from './supergraph.ts';

export interface GatewayOptions {
  /** Any valid supergraph SDL (ours is `schema/supergraph.graphql`). */
  supergraphSdl: string;
  subgraphSecret: string;
  authenticate: Authenticator;
  /** Replaces subgraph URLs from the supergraph by name (tests run subgraphs on ephemeral ports). */
  urlOverrides?: Record<string, string>;
  /** `NODE_ENV=production` behaviour: no landing page, no introspection, masked errors. */
  production?: boolean;
  /** Operation size limits; from the environment (or the defaults) when not given. */
  limits?: OperationLimits;
  /** Where request logs go; pino at `LOG_LEVEL` (default info) on stdout when not given. */
  logger?: Logger;
}

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Origins that may call the gateway from a browser in development (Apollo Sandbox and Studio). */
const DEVELOPMENT_ORIGINS = ['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com'];

/** Builds the gateway and listens on `port` (0 = any free port). Build and listen stay in one place for tests. */
export async function startGateway(options: GatewayOptions, port: number, host?: string): Promise<RunningGateway> {
  const subgraphs = listSubgraphs(options.supergraphSdl).map((s) => ({
    ...s,
    url: options.urlOverrides?.[s.name] ?? s.url,
  }));
  const urls = new Map(subgraphs.map((s) => [s.name, s.url]));
  const gateway = new AuthorizingGateway(
    new ApolloGateway({
      supergraphSdl: withoutSecurityPurpose(options.supergraphSdl),
      buildService: ({ name, url }) => new SignedDataSource(urls.get(name) ?? url ?? '', options.subgraphSecret),
    }),
    readAccessPolicy(options.supergraphSdl),
  );
  const app = express();
  const httpServer = http.createServer(app);
  const metrics = createMetrics();
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    // Introspection stays on: in production introspectionGuard admits only callers with the scope.
    introspection: true,
    includeStacktraceInErrorResponses: !options.production,
    formatError: options.production ? maskError : tidyClientError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      operationLimits(options.limits ?? limitsFromEnv()),
      observability(metrics, logger),
      ...(options.production
        ? [ApolloServerPluginLandingPageDisabled(), introspectionGuard()]
        : [ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })]),
    ],
  });
  // start() loads and validates the supergraph; the routes below only exist once it has succeeded.
  await server.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/readyz', async (_req, res) => {
    const readiness = await checkSubgraphs(subgraphs, options.subgraphSecret);
    res.status(readiness.ready ? 200 : 503).json({ ...readiness, supergraphLoaded: true });
  });
  app.use(
    '/graphql',
    cors(options.production ? { origin: false } : { origin: DEVELOPMENT_ORIGINS, credentials: true }),
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: async ({ req }) => ({ identity: await options.authenticate(req.headers) }),
    }),
  );
  // In development a browser opening the bare origin lands on Sandbox.
  if (!options.production) {
    app.get('/', (_req, res) => {
      res.redirect('/graphql');
    });
  }

  await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
  const actualPort = (httpServer.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/graphql`,
    port: actualPort,
    stop: () => server.stop(),
  };
}
