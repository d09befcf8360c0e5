import autocannon from 'autocannon';

/** What one autocannon run reports (latencies in ms; `requests.sent` includes those still in flight at the end). */
export type LoadResult = autocannon.Result;

/** Fires `options` at the gateway with autocannon and resolves with its report. */
export function runLoad(options: autocannon.Options): Promise<LoadResult> {
  return autocannon(options);
}
