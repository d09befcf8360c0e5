import { readIntegerEnv } from '../../subgraphs/contract/index.ts';

/** How the gateway protects itself and its callers from a slow or failing subgraph. */
export interface SubgraphFetchOptions {
  /** Longest wait for one subgraph fetch (request and response body) before it is aborted. */
  timeoutMs: number;
  /** Failures in a row (timeouts, refused connections, 5xx) that open a subgraph's circuit. */
  breakerFailures: number;
  /** How long an open circuit fails fast before one probe request is let through (half-open). */
  breakerCooldownMs: number;
}

/**
 * A timeout of 5 s: a subgraph of ours answers in milliseconds, so only a hung one is cut off, and the client
 * gets the rest of its data after 5 s (the required bound is 10 s), not after minutes.
 */
const DEFAULT_SUBGRAPH_FETCH: SubgraphFetchOptions = {
  timeoutMs: 5_000,
  breakerFailures: 5,
  breakerCooldownMs: 10_000,
};

/**
 * `LIFEGRAPH_SUBGRAPH_TIMEOUT_MS`, `LIFEGRAPH_SUBGRAPH_BREAKER_FAILURES`, `LIFEGRAPH_SUBGRAPH_BREAKER_COOLDOWN_MS`,
 * read once at start; a bad value stops the start with a message naming the setting.
 */
export function subgraphFetchFromEnv(): SubgraphFetchOptions {
  return {
    // An hour is far beyond any sane value; the cap keeps the identity lifetime derived from it bounded.
    timeoutMs: readIntegerEnv('LIFEGRAPH_SUBGRAPH_TIMEOUT_MS', {
      defaultValue: DEFAULT_SUBGRAPH_FETCH.timeoutMs,
      min: 1,
      max: 3_600_000,
    }),
    breakerFailures: readIntegerEnv('LIFEGRAPH_SUBGRAPH_BREAKER_FAILURES', {
      defaultValue: DEFAULT_SUBGRAPH_FETCH.breakerFailures,
      min: 1,
    }),
    breakerCooldownMs: readIntegerEnv('LIFEGRAPH_SUBGRAPH_BREAKER_COOLDOWN_MS', {
      defaultValue: DEFAULT_SUBGRAPH_FETCH.breakerCooldownMs,
      min: 1,
    }),
  };
}
