import { readEnv } from '../../subgraphs/shared/config.ts';

/** How the gateway protects itself and its callers from a slow or failing subgraph. */
export interface SubgraphFetchOptions {
  /** Longest wait for one subgraph fetch (request and response body) before it is aborted. */
  timeoutMs: number;
  /** Failures in a row (timeouts, refused connections, 5xx) that open a subgraph's circuit. */
  breakerFailures: number;
  /** How long an open circuit fails fast before one probe request is let through (half-open). */
  breakerCooldownMs: number;
}

/** Within the bound (no more than 10 s): a subgraph of ours answers in milliseconds. */
export const DEFAULT_SUBGRAPH_FETCH: SubgraphFetchOptions = {
  timeoutMs: 5_000,
  breakerFailures: 5,
  breakerCooldownMs: 10_000,
};

function positiveInteger(key: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = readEnv(key, { defaultValue: String(fallback) });
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${key}="${raw}" is not valid: use a whole number from 1 to ${max}.`);
  }
  return value;
}

/**
 * `LIFEGRAPH_SUBGRAPH_TIMEOUT_MS`, `LIFEGRAPH_SUBGRAPH_BREAKER_FAILURES`, `LIFEGRAPH_SUBGRAPH_BREAKER_COOLDOWN_MS`,
 * read once at start; a bad value stops the start with a message naming the setting.
 */
export function subgraphFetchFromEnv(): SubgraphFetchOptions {
  return {
    // An hour is far beyond any sane value; the cap keeps the identity lifetime derived from it bounded.
    timeoutMs: positiveInteger('LIFEGRAPH_SUBGRAPH_TIMEOUT_MS', DEFAULT_SUBGRAPH_FETCH.timeoutMs, 3_600_000),
    breakerFailures: positiveInteger('LIFEGRAPH_SUBGRAPH_BREAKER_FAILURES', DEFAULT_SUBGRAPH_FETCH.breakerFailures),
    breakerCooldownMs: positiveInteger(
      'LIFEGRAPH_SUBGRAPH_BREAKER_COOLDOWN_MS',
      DEFAULT_SUBGRAPH_FETCH.breakerCooldownMs,
    ),
  };
}
