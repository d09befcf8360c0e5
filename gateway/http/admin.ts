import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import {
  allowMethods,
  jsonErrorHandler,
  listen,
  notFound,
  PortInUseError,
  readIntegerEnv,
  resolveHost,
} from '../../subgraphs/contract/index.ts';
import { type Readiness, readinessBody } from '../health.ts';
import type { Middleware } from './compression.ts';

/** Where the operator endpoints are served, and whether the public port serves `/metrics` too. */
export interface AdminOptions {
  /** The admin listener's port (`LIFEGRAPH_ADMIN_PORT`, `--admin-port`); none: no admin listener. 0 = any free port. */
  port?: number;
  /** Its address (`LIFEGRAPH_ADMIN_HOST`): loopback unless told, in every mode. */
  host: string;
  /** `/metrics` on the public port too (`LIFEGRAPH_PUBLIC_METRICS`): on in development, off in production. */
  publicMetrics: boolean;
}

/** The admin listener binds loopback unless told: only a scraper or an operator on the machine reaches it. */
export const DEFAULT_ADMIN_HOST = '127.0.0.1';

/**
 * `LIFEGRAPH_ADMIN_PORT` (unset: no admin listener), `LIFEGRAPH_ADMIN_HOST` (default 127.0.0.1) and
 * `LIFEGRAPH_PUBLIC_METRICS` (`on` / `off`; default on in development, off in production); `portFlag` is
 * `--admin-port`, which beats the variable. A bad value throws one line naming the flag or variable.
 */
export function adminFromEnv(
  production: boolean,
  env: NodeJS.ProcessEnv = process.env,
  portFlag?: string,
): AdminOptions {
  let port: number | undefined;
  if (portFlag !== undefined) {
    port = /^\d+$/.test(portFlag.trim()) ? Number(portFlag) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) {
      throw new Error(
        `--admin-port must be a whole number from 0 to 65535 (got "${portFlag}"); 0 picks any free port.`,
      );
    }
  } else if (env.LIFEGRAPH_ADMIN_PORT?.trim()) {
    port = readIntegerEnv('LIFEGRAPH_ADMIN_PORT', { defaultValue: 0, min: 0, max: 65535, env });
  }
  let host = DEFAULT_ADMIN_HOST;
  const rawHost = env.LIFEGRAPH_ADMIN_HOST?.trim();
  if (rawHost) {
    try {
      host = resolveHost(rawHost);
    } catch (error) {
      // The same rule as the public host's, under this setting's name.
      throw new Error((error as Error).message.replace('--host', 'LIFEGRAPH_ADMIN_HOST'));
    }
  }
  const raw = env.LIFEGRAPH_PUBLIC_METRICS?.trim();
  if (raw && raw !== 'on' && raw !== 'off') {
    throw new Error(
      `LIFEGRAPH_PUBLIC_METRICS must be "on" or "off" (got "${raw}"); unset it for the default (on in development, off in production).`,
    );
  }
  return { port, host, publicMetrics: raw ? raw === 'on' : !production };
}

/** What the operator endpoints read. */
export interface OperatorEndpoints {
  registry: Registry;
  readiness: () => Promise<Readiness>;
}

/**
 * Mounts `GET /healthz`, `GET /readyz` and (with `metrics`) `GET /metrics` on `app`; returns the paths served, for
 * the not-found answer that lists them. `details`: `/readyz` with every detail, subgraph URLs included.
 */
export function mountOperatorEndpoints(
  app: Express,
  endpoints: OperatorEndpoints,
  { metrics, details }: { metrics: boolean; details: boolean },
): string[] {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await endpoints.readiness();
    res.status(ready.ready ? 200 : 503).json(readinessBody(ready, details));
  });
  const paths = ['/healthz', '/readyz'];
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      res.type(endpoints.registry.contentType).send(await endpoints.registry.metrics());
    });
    paths.push('/metrics');
  }
  return paths;
}

/** The admin listener failed to start: its message names the port or address and the settings that chose it. */
export class AdminListenError extends Error {
  override name = 'AdminListenError';
}

/** A running admin listener. */
export interface AdminServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the operator endpoints (`/healthz`, detailed `/readyz`, `/metrics`) on a listener of their own, so the
 * public port need not expose them. Not logged per request: a scraper's every 15 s would bury the request lines.
 */
export async function startAdminServer(
  options: { port: number; host: string; compress: Middleware },
  endpoints: OperatorEndpoints,
): Promise<AdminServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(options.compress);
  const paths = mountOperatorEndpoints(app, endpoints, { metrics: true, details: true });
  app.all(paths, allowMethods('GET'));
  app.use(notFound(paths));
  app.use(jsonErrorHandler(() => {}));
  const server = http.createServer(app);
  try {
    await listen(server, options.port, options.host);
  } catch (error) {
    const where = `${options.host}:${options.port} (--admin-port or LIFEGRAPH_ADMIN_PORT, LIFEGRAPH_ADMIN_HOST)`;
    const why =
      error instanceof PortInUseError
        ? 'the port is in use: stop what listens there, or choose another port'
        : `${(error as Error).message}: use an address of this machine, such as 127.0.0.1`;
    throw new AdminListenError(`The admin endpoints cannot listen on ${where}: ${why}.`);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would hold close() open until it times out.
        server.closeAllConnections();
      }),
  };
}
