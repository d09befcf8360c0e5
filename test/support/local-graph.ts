import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier, type UserTokenConfig } from '../../gateway/auth/user-token.ts';
import { keyDatabaseFile } from '../../gateway/keys/database.ts';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import type { OperationLimits } from '../../gateway/plugins/limits/index.ts';
import type { TrustedDocumentsMode } from '../../gateway/plugins/trusted-documents.ts';
import type { RateLimitOptions } from '../../gateway/rate-limit/settings.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import type { SubgraphFetchOptions } from '../../gateway/subgraph-fetch/config.ts';
import { SUPERGRAPH_FILE } from '../../gateway/supergraph.ts';
import { type Secrets, SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/contract/index.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import type { Clock } from '../../subgraphs/shared/context.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';

export interface LocalGraphOptions {
  dataDir: string;
  secrets: Secrets;
  /** Ports by process; 0 = any free port (tests). The gateway is told where each subgraph really listens. */
  ports: Record<SubgraphName | 'gateway', number>;
  userTokens?: Omit<UserTokenConfig, 'secret'>;
  clock?: Clock;
  /** Run deadline jobs in-process (default true). */
  scheduler?: boolean;
  production?: boolean;
  /** Trusted documents (from the environment when not given: enforce in production, allow otherwise). */
  trustedDocuments?: TrustedDocumentsMode;
  supergraphSdl?: string;
  /** Request logger for the gateway and the subgraphs (tests pass a silent one). */
  logger?: Logger;
  /** Subgraph fetch timeout and circuit breakers (from the environment when not given). */
  subgraphFetch?: SubgraphFetchOptions;
  /** Buckets per caller (from the environment when not given). */
  rateLimits?: RateLimitOptions;
  /** Operation limits (from the environment when not given). */
  limits?: OperationLimits;
}

export interface LocalGraph {
  gateway: RunningGateway;
  // biome-ignore lint/suspicious/noExplicitAny: each subgraph has its own table types
  subgraphs: Record<SubgraphName, StartedSubgraph<any>>;
  /**
   * Stops the gateway first (it finishes its requests in flight, which still need the subgraphs), then the rest.
   * A part that fails to stop does not keep the others running: each is stopped, then the returned promise
   * rejects naming every part that failed, so the command exits non-zero.
   */
  stop(onStopped?: (part: string) => void): Promise<void>;
}

/**
 * Starts the four subgraphs and the gateway in this process, talking real HTTP to each other: the whole graph
 * for tests and the bench (`npm start` runs each part in a process of its own instead). If any part fails to
 * start, whatever did start is stopped before the error is rethrown.
 */
export async function startLocalGraph(options: LocalGraphOptions): Promise<LocalGraph> {
  // In start order; stopped in reverse, so the gateway goes first and the subgraphs it calls last.
  const started: { name: string; stop(): Promise<void> }[] = [];
  const stopAll = async (onStopped?: (part: string) => void) => {
    const failures: { part: string; error: unknown }[] = [];
    for (const part of started.splice(0).reverse()) {
      try {
        await part.stop();
        onStopped?.(part.name);
      } catch (error) {
        failures.push({ part: part.name, error });
      }
    }
    if (failures.length === 0) return;
    const parts = failures.map(({ part, error }) => `${part} (${(error as Error)?.message ?? error})`);
    throw new AggregateError(
      failures.map((f) => f.error),
      `could not stop ${parts.join(', ')}; everything else was stopped`,
    );
  };
  try {
    // biome-ignore lint/suspicious/noExplicitAny: see LocalGraph
    const subgraphs = {} as Record<SubgraphName, StartedSubgraph<any>>;
    for (const name of SUBGRAPH_NAMES) {
      const subgraph = await SUBGRAPHS[name].start({
        dataDir: options.dataDir,
        port: options.ports[name],
        subgraphSecret: options.secrets.subgraphSecret,
        clock: options.clock,
        scheduler: options.scheduler,
        logger: options.logger,
        // Consumers pull from the publishers started before them (merchants first), at their ephemeral ports.
        events: { publisherUrl: (publisher) => subgraphs[publisher] && new URL(subgraphs[publisher].url).origin },
      });
      started.push({ name, stop: () => subgraph.stop() });
      subgraphs[name] = subgraph;
    }
    const verifyUserToken = createUserTokenVerifier({ secret: options.secrets.jwtSecret, ...options.userTokens });
    const apiKeys = new ApiKeyStore(options.dataDir, { logger: options.logger });
    started.push({ name: 'key store', stop: async () => apiKeys.close() });
    const gateway = await startGateway(
      {
        supergraphSdl: options.supergraphSdl ?? readFileSync(SUPERGRAPH_FILE, 'utf8'),
        subgraphSecret: options.secrets.subgraphSecret,
        authenticate: createAuthenticator(verifyUserToken, apiKeys),
        urlOverrides: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, subgraphs[name].url])),
        production: options.production,
        trustedDocuments: options.trustedDocuments,
        logger: options.logger,
        subgraphFetch: options.subgraphFetch,
        databaseFiles: [keyDatabaseFile(options.dataDir)],
        rateLimits: options.rateLimits,
        limits: options.limits,
        partnerKeys: {
          rateLimitOf: (id) => apiKeys.rateLimitOf(id),
          recordUsage: (id, usage) => apiKeys.recordUsage(id, usage),
        },
      },
      options.ports.gateway,
    );
    started.push({ name: 'gateway', stop: () => gateway.stop() });
    return { gateway, subgraphs, stop: stopAll };
  } catch (error) {
    // The start error is what the caller must see; a part that would not stop as well is only logged.
    await stopAll().catch((stopError: Error) => console.error(`After the failed start, ${stopError.message}`));
    throw error;
  }
}
