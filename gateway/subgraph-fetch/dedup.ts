import { type DocumentNode, Kind } from 'graphql';
import type { Identity } from '../../subgraphs/contract/index.ts';
import type { SubgraphHttpResponse } from './fetcher.ts';

/**
 * Reads an on/off setting (unset or empty = off), failing fast with a message naming the variable on anything
 * but `on` or `off`.
 */
export function readSwitchEnv(key: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '' || raw === 'off') return false;
  if (raw === 'on') return true;
  throw new Error(`${key} must be "on" or "off" (got "${raw}"); unset it to leave it off.`);
}

/** `LIFEGRAPH_DEDUP_SUBGRAPH_FETCHES`: whether identical concurrent subgraph reads share one request. */
export function dedupSubgraphFetchesFromEnv(): boolean {
  return readSwitchEnv('LIFEGRAPH_DEDUP_SUBGRAPH_FETCHES');
}

/** The part of an identity that a subgraph's answer may depend on: two callers share only if all of it is equal. */
export function identityClass(identity: Identity): string {
  return JSON.stringify([identity.kind, identity.subject, identity.scopes, identity.merchantIds]);
}

/** True when every operation of the document is a query: anything else may have side effects and never shares. */
export function onlyQueries(document: DocumentNode | undefined): boolean {
  if (!document) return false;
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (definition.operation !== 'query') return false;
    operations++;
  }
  return operations > 0;
}

/**
 * Subgraph fetches in flight by key (subgraph, body, identity class): a caller with the key of one in flight
 * waits for it instead of sending its own. The entry goes when the fetch settles, so nothing is cached; each
 * caller gets its own copy of the answer and stops waiting when its own signal aborts, while the fetch goes
 * on for the others (bounded by the timeout it was started with).
 */
export class InFlightFetches {
  private readonly inFlight = new Map<string, Promise<SubgraphHttpResponse>>();

  /** `onShared` runs each time a caller joins a fetch already in flight (the dedup counter). */
  constructor(private readonly onShared: () => void) {}

  /** The answer for `key`: `start()`'s, or the one already in flight; waited for under `signal`. */
  async fetch(
    key: string,
    start: () => Promise<SubgraphHttpResponse>,
    signal: AbortSignal,
  ): Promise<SubgraphHttpResponse> {
    let shared = this.inFlight.get(key);
    if (shared) {
      this.onShared();
    } else {
      shared = start();
      this.inFlight.set(key, shared);
      const forget = () => {
        if (this.inFlight.get(key) === shared) this.inFlight.delete(key);
      };
      shared.then(forget, forget);
    }
    const response = await untilAborted(shared, signal);
    // Headers are the only mutable part of the answer (the body is a string): each caller gets its own.
    return { ...response, headers: { ...response.headers } };
  }
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
