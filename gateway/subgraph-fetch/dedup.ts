import { type DocumentNode, Kind } from 'graphql';
import type { Identity } from '../../subgraphs/contract/index.ts';

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
export function dedupSubgraphFetchesFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return readSwitchEnv('LIFEGRAPH_DEDUP_SUBGRAPH_FETCHES', env);
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
 * Work in flight by key (for subgraph fetches: subgraph, body, identity class): a caller with the key of work
 * in flight waits for it instead of starting its own. The entry goes when the work settles, so nothing is
 * cached. Each caller stops waiting when its own signal aborts while the work goes on for the others; only
 * when every caller has left is the work's own signal aborted, since nobody wants its answer any more.
 */
export class InFlight<T> {
  private readonly entries = new Map<string, { promise: Promise<T>; waiters: number; cancel: AbortController }>();

  /** `onShared` runs each time a caller joins work already in flight (the dedup counter). */
  constructor(private readonly onShared: () => void) {}

  /** The result for `key`: `start()`'s, or that of the work already in flight; waited for under `signal`. */
  async run(key: string, start: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    let entry = this.entries.get(key);
    if (entry) {
      this.onShared();
    } else {
      const cancel = new AbortController();
      const started = { promise: start(cancel.signal), waiters: 0, cancel };
      this.entries.set(key, started);
      const forget = () => this.forget(key, started);
      started.promise.then(forget, forget);
      entry = started;
    }
    entry.waiters++;
    try {
      return await untilAborted(entry.promise, signal);
    } finally {
      entry.waiters--;
      if (entry.waiters === 0 && signal.aborted) {
        this.forget(key, entry);
        entry.cancel.abort(signal.reason);
      }
    }
  }

  private forget(key: string, entry: { promise: Promise<T> }): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
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
