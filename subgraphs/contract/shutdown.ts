import cluster from 'node:cluster';

/** Exit codes of a process ended by a signal it did not finish handling (128 + the signal's number). */
const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/**
 * Ctrl-C in a terminal reaches every process of `npm start`, and npm forwards it to the graph as well: the one
 * keypress arrives twice within milliseconds. A repeat this close to the first is the same request to stop.
 */
export const SAME_SIGNAL_WINDOW_MS = 500;

/**
 * Graceful shutdown for a command that serves: the first SIGTERM or SIGINT runs `stop` (which finishes the
 * requests in flight) and exits 0 when it is done, 1 if it failed; a second signal exits at once, for an
 * operator who will not wait. Progress goes to stderr, so stdout keeps only the command's own output.
 *
 * A part of `npm start` (a subgraph or the gateway it spawned, with an IPC channel to it) is stopped the same
 * way, by `npm start` itself, which stops the gateway before the subgraphs and says so: the part does not
 * repeat it. When that channel closes, `npm start` is gone (killed with SIGKILL, say) and nobody reads the
 * part's output any more: the part stops too, quietly, rather than outlive it. A node:cluster worker (see
 * workers.ts) is stopped the same way by its primary, and stops when the primary is gone.
 */
export function stopOnSignals(stop: () => Promise<void>, log: (line: string) => void = console.error): void {
  const partOfStart = process.channel !== undefined;
  let stoppingSince: number | undefined;
  const stopNow = (announce: string | null) => {
    stoppingSince = Date.now();
    if (announce) log(announce);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`Shutdown failed: ${(error as Error)?.message ?? error}`);
        // Several parts may have failed (see LocalGraph.stop): each one's stack, for the operator.
        for (const cause of error instanceof AggregateError ? error.errors : []) log(String(cause?.stack ?? cause));
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_SIGNAL_WINDOW_MS) return;
      log(`${signal} again: exiting now, without waiting for requests in flight.`);
      process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
    }
    stopNow(
      partOfStart
        ? null
        : `${signal}: finishing the requests in flight, then exiting (send ${signal} again to exit at once).`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (!partOfStart) return;
  process.once('disconnect', () => {
    // Writing to a pipe nobody reads fails (EPIPE); that must not end the process before it has stopped.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    if (stoppingSince === undefined) stopNow(null);
  });
  // The channel only carries this one event: it must not keep a process alive that has nothing else to do.
  // A node:cluster worker is the exception: its requests arrive through that channel (see workers.ts).
  if (!cluster.isWorker) process.channel?.unref();
}
