import {
  ANONYMOUS,
  checkDatabaseFile,
  type DatabaseCheck,
  IDENTITY_HEADER,
  signIdentity,
} from '../subgraphs/contract/index.ts';
import type { CircuitStateName, SubgraphBreakers } from './subgraph-fetch/breakers.ts';
import type { SupergraphSubgraph } from './supergraph.ts';

export interface SubgraphReadiness {
  name: string;
  /** Where the gateway calls it (shown only where details are: the admin port, or the public one in development). */
  url?: string;
  /** The subgraph answered at all. */
  reachable: boolean;
  /** It answered and its own readiness (its database) is good. */
  ready: boolean;
  /** The gateway's circuit breaker for it: `open` = recent requests failed and it is not being called. */
  circuit: CircuitStateName;
  /** The subgraph's database, as its `/readyz` reports it (absent for a subgraph without one). */
  database?: DatabaseCheck;
  error?: string;
}

export interface Readiness {
  ready: boolean;
  /** The gateway is shutting down: it finishes what it has, takes nothing new. */
  draining: boolean;
  /** The gateway's own database files. */
  databases: DatabaseCheck[];
  subgraphs: SubgraphReadiness[];
  /** The supergraph served: its sha256 and when it was loaded (both change on a hot reload). */
  supergraph?: { hash: string; loadedAt?: string };
}

/**
 * What `/readyz` answers: every detail (subgraph URLs included) on the admin port and on the public port in
 * development; only the verdict on the public port in production, where the details would map the internal network.
 */
export function readinessBody(readiness: Readiness, details: boolean): object {
  return details ? { ...readiness, supergraphLoaded: true } : { ready: readiness.ready, draining: readiness.draining };
}

/**
 * Ready = not draining, every database file of the gateway passes its check, and every subgraph is ready:
 * its `/readyz` (next to its GraphQL endpoint: a real check of its database) says so, or, for a subgraph
 * without one (any supergraph works), it answers a signed `{ __typename }` with HTTP 200. Each subgraph's
 * circuit state is reported alongside. Each probe gives up after the subgraph fetch timeout or 2 s, whichever
 * is shorter: a subgraph slower than that is not ready. `/readyz` is public, so one check serves every probe
 * that arrives within `cacheMs` of it (a flood of probes costs one check a second). The subgraphs are those of
 * the supergraph served at the time of the check (a hot reload changes them); `readinessBody` decides who sees
 * what.
 */
export function readinessCheck(options: {
  subgraphs: () => SupergraphSubgraph[];
  supergraph?: () => { hash: string; loadedAt?: Date };
  subgraphSecret: string;
  breakers: SubgraphBreakers;
  databaseFiles: string[];
  /** The subgraph fetch timeout (`LIFEGRAPH_SUBGRAPH_TIMEOUT_MS`). */
  subgraphTimeoutMs?: number;
  cacheMs?: number;
}): (draining: boolean) => Promise<Readiness> {
  const timeoutMs = probeTimeout(options.subgraphTimeoutMs);
  const check = cachedFor(options.cacheMs ?? 1000, async (): Promise<Omit<Readiness, 'draining'>> => {
    const databases = options.databaseFiles.map(checkDatabaseFile);
    const served = options.supergraph?.();
    const subgraphs = await Promise.all(
      options.subgraphs().map(async ({ name, url }): Promise<SubgraphReadiness> => {
        const probe = await probeSubgraph(url, options.subgraphSecret, timeoutMs);
        // The circuit is shown, but readiness follows the probe: an open circuit only closes when a request
        // probes it, and a gateway taken out of rotation for its open circuit would never get that request.
        const circuit = options.breakers.state(name);
        return { name, url, ...probe, circuit };
      }),
    );
    return {
      ready: databases.every((d) => d.ok) && subgraphs.every((s) => s.ready),
      databases,
      subgraphs,
      ...(served ? { supergraph: { hash: served.hash, loadedAt: served.loadedAt?.toISOString() } } : {}),
    };
  });
  return async (draining) => {
    const { ready, ...rest } = await check();
    return { ready: ready && !draining, draining, ...rest };
  };
}

/** The longest a readiness probe waits for a subgraph: a load balancer's own probe must not time out first. */
const MAX_PROBE_MS = 2000;

/** The subgraph fetch timeout or MAX_PROBE_MS, whichever is shorter. */
function probeTimeout(subgraphTimeoutMs: number | undefined): number {
  return Math.min(subgraphTimeoutMs ?? MAX_PROBE_MS, MAX_PROBE_MS);
}

/**
 * Why the subgraph at `url` does not answer, or undefined when it does (ready or not: it answered). Asked of a
 * subgraph a reloaded supergraph adds or moves, before the gateway calls it.
 */
export async function subgraphDoesNotAnswer(
  url: string,
  subgraphSecret: string,
  subgraphTimeoutMs?: number,
): Promise<string | undefined> {
  const probe = await probeSubgraph(url, subgraphSecret, probeTimeout(subgraphTimeoutMs));
  return probe.reachable ? undefined : probe.error;
}

type Probe = Pick<SubgraphReadiness, 'reachable' | 'ready' | 'database' | 'error'>;

async function probeSubgraph(url: string, subgraphSecret: string, timeoutMs: number): Promise<Probe> {
  try {
    const response = await fetch(new URL('readyz', url), { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => undefined)) as { database?: DatabaseCheck } | undefined;
    if ((response.status === 200 || response.status === 503) && body?.database) {
      const { database } = body;
      return response.status === 200 && database.ok
        ? { reachable: true, ready: true, database }
        : { reachable: true, ready: false, database, error: database.ok ? `HTTP ${response.status}` : database.error };
    }
  } catch (error) {
    return { reachable: false, ready: false, error: probeError(error, timeoutMs) };
  }
  return probeGraphQL(url, subgraphSecret, timeoutMs);
}

/** A subgraph with no `/readyz` of ours: ready when it answers a signed `{ __typename }` with HTTP 200. */
async function probeGraphQL(url: string, subgraphSecret: string, timeoutMs: number): Promise<Probe> {
  try {
    const body = JSON.stringify({ query: '{ __typename }' });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: signIdentity(ANONYMOUS, subgraphSecret, body) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // An HTTP error is still an answer: the subgraph is reachable, just not ready.
    return response.ok
      ? { reachable: true, ready: true }
      : { reachable: true, ready: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return { reachable: false, ready: false, error: probeError(error, timeoutMs) };
  }
}

/** Why a probe got no answer; a timeout names the wait, so an operator sees which setting applied. */
function probeError(error: unknown, timeoutMs: number): string {
  if ((error as Error)?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  // fetch's own message is only "fetch failed"; its cause says why (connect ECONNREFUSED 10.0.0.7:4003).
  const cause = (error as Error & { cause?: Error })?.cause;
  return cause?.message ?? (error as Error)?.message ?? String(error);
}

/**
 * `fn`, called at most once every `ms`: a call within `ms` of the last real one gets that call's result (a
 * promise is shared, pending or settled). For checks that a flood of probes must not repeat.
 */
function cachedFor<T>(ms: number, fn: () => T): () => T {
  let last: { at: number; value: T } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= ms) last = { at: Date.now(), value: fn() };
    return last.value;
  };
}
