import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { SUPERGRAPH_FILE } from '../schema/compose.ts';
import { SUBGRAPHS } from '../subgraphs/index.ts';
import { type Secrets, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/shared/config.ts';
import type { Clock } from '../subgraphs/shared/context.ts';
import { type StartedSubgraph, startSubgraph } from '../subgraphs/shared/server.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { createUserTokenVerifier, type UserTokenConfig } from './auth/user-token.ts';
import { ApiKeyStore } from './keys/store.ts';
import { type RunningGateway, startGateway } from './server.ts';

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
  supergraphSdl?: string;
  /** Request logger for the gateway (tests pass a silent one). */
  logger?: Logger;
}

export interface LocalGraph {
  gateway: RunningGateway;
  // biome-ignore lint/suspicious/noExplicitAny: each subgraph has its own table types
  subgraphs: Record<SubgraphName, StartedSubgraph<any>>;
  stop(): Promise<void>;
}

/**
 * Starts the four subgraphs and the gateway in this process, talking real HTTP to each other.
 * If any part fails to start, whatever did start is stopped before the error is rethrown.
 */
export async function startLocalGraph(options: LocalGraphOptions): Promise<LocalGraph> {
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => {});
  };
  try {
    // biome-ignore lint/suspicious/noExplicitAny: see LocalGraph
    const subgraphs = {} as Record<SubgraphName, StartedSubgraph<any>>;
    for (const name of SUBGRAPH_NAMES) {
      const subgraph = await startSubgraph(SUBGRAPHS[name], {
        dataDir: options.dataDir,
        port: options.ports[name],
        subgraphSecret: options.secrets.subgraphSecret,
        clock: options.clock,
        scheduler: options.scheduler,
      });
      started.push(subgraph);
      subgraphs[name] = subgraph;
    }
    const verifyUserToken = createUserTokenVerifier({ secret: options.secrets.jwtSecret, ...options.userTokens });
    const apiKeys = new ApiKeyStore(options.dataDir);
    started.push({ stop: async () => apiKeys.close() });
    const gateway = await startGateway(
      {
        supergraphSdl: options.supergraphSdl ?? readFileSync(SUPERGRAPH_FILE, 'utf8'),
        subgraphSecret: options.secrets.subgraphSecret,
        authenticate: createAuthenticator(verifyUserToken, apiKeys),
        urlOverrides: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, subgraphs[name].url])),
        production: options.production,
        logger: options.logger,
      },
      options.ports.gateway,
    );
    started.push(gateway);
    return { gateway, subgraphs, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
