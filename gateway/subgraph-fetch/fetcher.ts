import { AsyncLocalStorage } from 'node:async_hooks';
import type { Fetcher } from '@apollo/utils.fetcher';

// RemoteGraphQLDataSource calls its fetcher with only (url, init), built from the request and no context,
// and one data source serves every request to its subgraph: the abort signal of the fetch in progress
// travels to the fetcher through async context instead.
const currentSignal = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` so that every fetch the abortable fetcher makes inside it is aborted by `signal`. */
export function withAbortSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return currentSignal.run(signal, work);
}

/**
 * Node's built-in fetch (undici costs noticeably less CPU per call than the gateway's default fetcher) with
 * the abort signal of the surrounding `withAbortSignal`: aborting it closes the connection to the subgraph.
 */
export const abortableFetch = ((url: string, init: RequestInit) =>
  fetch(url, { ...init, signal: currentSignal.getStore() })) as unknown as Fetcher;
