/**
 * Runs one request with a signal of its own that aborts when `stop` does. undici's `fetch` leaves its abort
 * listener on the signal it is given until the request is garbage-collected, so one long-lived signal given to
 * every pull of a loop collected thousands of listeners between collections when the pulls came back at once
 * (a backlog of events), and Node warned of a leak. Here `stop` holds one listener per request in flight.
 */
export async function linkedToStop<T>(stop: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort(stop.reason);
  if (stop.aborted) abort();
  else stop.addEventListener('abort', abort, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    stop.removeEventListener('abort', abort);
  }
}
