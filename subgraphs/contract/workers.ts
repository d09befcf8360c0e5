import cluster, { type Worker } from 'node:cluster';
import { stopOnSignals } from './shutdown.ts';

/** A server running in this process: where it listens, and how it stops (finishing its requests in flight). */
export interface Served {
  port: number;
  stop(): Promise<void>;
}

/** What one worker is told by the primary that forked it. */
export interface WorkerRole {
  /**
   * Whether this worker runs the in-process schedules (a subgraph's deadline jobs). Exactly one worker slot, the
   * first, holds it: its replacement after a crash takes it over, no other worker ever runs them.
   */
  scheduler: boolean;
}

/**
 * Delays before restarting something that died: `firstMs`, doubling on each death up to `maxMs`, and back to
 * `firstMs` once it had stayed up `resetAfterMs`. A crash loop costs little; a rare crash restarts fast.
 */
export class Backoff {
  private nextMs: number;
  constructor(
    private readonly firstMs = 500,
    private readonly maxMs = 30_000,
    private readonly resetAfterMs = 60_000,
  ) {
    this.nextMs = firstMs;
  }

  /** The delay before restarting something that had been up (ready) for `upMs` when it died. */
  next(upMs: number): number {
    if (upMs >= this.resetAfterMs) this.nextMs = this.firstMs;
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.maxMs);
    return delay;
  }
}

/** "exited with code 1", "was killed by SIGKILL". */
export function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null | string }): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

// How the primary tells a worker its port (the one the first worker got, when asked for port 0) and its role.
const PORT_ENV = 'LIFEGRAPH_WORKER_PORT';
const SCHEDULER_ENV = 'LIFEGRAPH_WORKER_SCHEDULER';

export interface ServeOptions {
  /** The command's name in log lines (`gateway`, `offers`). */
  name: string;
  /** How many processes serve the port: 1 serves in this process, more fork node:cluster workers. */
  workers: number;
  port: number;
  /** Starts the server in this process; a failure should exit the process, naming the cause. */
  start(port: number, role: WorkerRole): Promise<Served>;
  /** Prints the ready line, once, when the port is served (by every worker). */
  ready(port: number): void;
}

/**
 * Serves a command (`npm run gateway`, `npm run subgraph`) in this process, or with `workers` > 1 in that many
 * node:cluster workers sharing one port. The primary does no request work (it accepts connections and hands
 * them to the workers in turn, node's round-robin policy on Linux): it forks the workers, restarts one
 * that dies after it was ready (with `Backoff`, logged on stderr), and on SIGTERM or SIGINT (see stopOnSignals)
 * sends SIGTERM to every worker, each of which finishes its requests in flight, and exits when all have.
 * A worker that fails before it was ever ready stops the others, and the primary exits 1.
 */
export async function serveWorkers(options: ServeOptions): Promise<void> {
  if (cluster.isWorker) {
    const served = await options.start(Number(process.env[PORT_ENV]), {
      scheduler: process.env[SCHEDULER_ENV] === '1',
    });
    stopOnSignals(served.stop);
    process.send?.({ ready: served.port });
    return;
  }
  if (options.workers === 1) {
    const served = await options.start(options.port, { scheduler: true });
    options.ready(served.port);
    stopOnSignals(served.stop);
    return;
  }
  await servePrimary(options);
}

interface Slot {
  index: number;
  worker?: Worker;
  /** Whether its worker listens now: it holds the primary's shared handle for the port. */
  serving: boolean;
  everReady: boolean;
  backoff: Backoff;
  restart?: NodeJS.Timeout;
}

async function servePrimary({ name, workers, port, ready }: ServeOptions): Promise<void> {
  let listening = port;
  let stopping = false;
  const log = (line: string) => console.error(`[${name}] ${line}`);
  const slots: Slot[] = Array.from({ length: workers }, (_, i) => ({
    index: i + 1,
    serving: false,
    everReady: false,
    backoff: new Backoff(),
  }));

  /** Forks the slot's worker; resolves with its pid when it serves, rejects if it ends first. */
  const fork = (slot: Slot) =>
    new Promise<number>((resolve, reject) => {
      // The primary shares one handle per requested port (0 included) while any worker listens on it: a new
      // worker asks for the same, or the primary would try to bind the port a second time (EADDRINUSE). With
      // none listening the handle is gone, and it asks for the port the first workers got.
      const asked = slots.some((other) => other.serving) ? port : listening;
      const worker = cluster.fork({ [PORT_ENV]: String(asked), [SCHEDULER_ENV]: slot.index === 1 ? '1' : '0' });
      const pid = worker.process.pid;
      slot.worker = worker;
      let readyAt: number | undefined;
      worker.on('message', (message: { ready?: number }) => {
        if (typeof message?.ready !== 'number' || readyAt !== undefined) return;
        readyAt = Date.now();
        slot.serving = true;
        slot.everReady = true;
        listening = message.ready;
        resolve(pid ?? 0);
      });
      worker.once('exit', (code, signal) => {
        slot.worker = undefined;
        slot.serving = false;
        const ended = `worker ${slot.index} (pid ${pid}) ${describeExit({ code, signal })}`;
        if (stopping) return;
        if (!slot.everReady) return reject(new Error(`${ended} before it was ready`));
        const delay = slot.backoff.next(readyAt === undefined ? 0 : Date.now() - readyAt);
        log(`${ended}; restarting it in ${delay / 1000} s`);
        slot.restart = setTimeout(() => {
          fork(slot).then(
            (newPid) => log(`worker ${slot.index} restarted (pid ${newPid})`),
            () => {},
          );
        }, delay);
      });
    });

  const stopWorkers = async () => {
    stopping = true;
    const live = slots.flatMap((slot) => {
      clearTimeout(slot.restart);
      return slot.worker ? [{ slot, worker: slot.worker }] : [];
    });
    const exits = await Promise.all(
      live.map(
        ({ slot, worker }) =>
          new Promise<string | null>((resolve) => {
            // One still starting (no SIGTERM handler yet) ends by the signal itself: that is what was asked.
            worker.once('exit', (code, signal) =>
              resolve(
                code === 0 || signal === 'SIGTERM' ? null : `worker ${slot.index} ${describeExit({ code, signal })}`,
              ),
            );
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    const failures = exits.filter((failure) => failure !== null);
    if (failures.length > 0) throw new Error(`${name}: ${failures.join(', ')} while stopping`);
  };

  // Before any worker starts: a signal while they start stops whatever has started.
  stopOnSignals(stopWorkers);
  try {
    const pids = await Promise.all(slots.map(fork));
    log(`${workers} workers on port ${listening} (pids ${pids.join(', ')})`);
    ready(listening);
  } catch (error) {
    if (stopping) return;
    log(`${(error as Error).message}; stopping the other workers.`);
    await stopWorkers().catch(() => {});
    process.exit(1);
  }
}
