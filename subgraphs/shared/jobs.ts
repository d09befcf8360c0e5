/**
 * A deadline rule applied on a schedule (group-buy expiry, overdue IOUs, reminders, coupon expiry), on one subgraph's
 * database `TDb`. `run` must be idempotent: running it twice at the same `now` changes nothing the second time, so the
 * in-process scheduler and `npm run jobs -- run-once` can never double-apply a rule.
 */
export interface SubgraphJob<TDb> {
  name: string;
  /** How often the in-process scheduler runs it. */
  intervalMs: number;
  run(db: TDb, now: Date): { processed: number };
}

export interface JobRun {
  job: string;
  processed: number;
}

/** Runs every job once at `now`; used by the scheduler, `npm run jobs -- run-once` and tests. */
export function runJobsOnce<TDb>(jobs: readonly SubgraphJob<TDb>[], db: TDb, now: Date): JobRun[] {
  return jobs.map((job) => ({ job: job.name, ...job.run(db, now) }));
}

/** Starts the in-process scheduler; returns a function that stops it. Timers don't keep the process alive. */
export function startScheduler<TDb>(
  jobs: readonly SubgraphJob<TDb>[],
  db: TDb,
  now: () => Date,
  onError: (job: string, error: unknown) => void,
): () => void {
  const timers = jobs.map((job) => {
    const timer = setInterval(() => {
      try {
        job.run(db, now());
      } catch (error) {
        onError(job.name, error);
      }
    }, job.intervalMs);
    timer.unref();
    return timer;
  });
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
