import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describeExit } from '../../subgraphs/contract/index.ts';

/** How a part's process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A part that ended before it was ready, or was not asked to end. */
export class PartEnded extends Error {
  constructor(
    readonly part: Part,
    readonly exit: Exit,
  ) {
    const words = part.lastWords();
    super(
      `${part.name} (pid ${part.pid}) ${describeExit(exit)}` +
        (words.length > 0 ? `; it printed last:\n${words.join('\n')}` : ', without printing anything on stderr'),
    );
  }
}

/** One part of `npm start` (the seed, a subgraph, the gateway), running in a process of its own. */
export interface Part {
  name: string;
  pid: number | undefined;
  /**
   * With a `ready` pattern: the match of the first stdout line that matches it. Without: resolves when the
   * process exits with code 0. Rejects with `PartEnded` when the process ends first, or otherwise.
   */
  ready: Promise<RegExpMatchArray | null>;
  exited: Promise<Exit>;
  /** Whether `stop` was called: its exit was asked for. */
  readonly stopping: boolean;
  /** Its last lines on stderr, to say why it ended. */
  lastWords(): string[];
  /** SIGTERM (a serving part finishes its requests in flight), then waits; rejects unless it ended cleanly. */
  stop(): Promise<void>;
}

/** The tsx loader by absolute URL, so that a part starts the same from any working directory. */
const TSX = import.meta.resolve('tsx');
const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const LAST_WORDS = 5;

export interface PartOptions {
  /** The stdout line that says it is serving (without one, the part is done when it exits with code 0). */
  ready?: RegExp;
  /** Added to npm start's own environment. */
  env?: Record<string, string>;
  stdout(line: string): void;
  stderr(line: string): void;
}

/**
 * Starts `node --import tsx <script> <args>` (script relative to the repository) as a part. Lines it prints
 * go to `stdout` and `stderr`, except the ready line, which only resolves `ready`.
 */
export function startPart(name: string, script: string, args: string[], options: PartOptions): Part {
  const child = spawn(process.execPath, ['--import', TSX, path.join(REPOSITORY, script), ...args], {
    env: { ...process.env, ...options.env },
    // A process group of its own: a Ctrl-C in the terminal reaches npm start alone, which stops the parts in
    // order (the gateway first). The IPC channel closes when npm start is gone, and the part then stops too.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const words: string[] = [];
  // npm start exiting without stopping it (a second Ctrl-C, a crash) takes it along at once.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<Exit>((resolve) => {
    // 'close', not 'exit': everything it printed has been read by then.
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      words.push(error.message);
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
  child.once('exit', () => process.removeListener('exit', killOnExit));
  createInterface({ input: child.stderr as Readable }).on('line', (line) => {
    if (line.trim() !== '') words.push(line);
    if (words.length > LAST_WORDS) words.shift();
    options.stderr(line);
  });
  let whenReady: ((match: RegExpMatchArray) => void) | undefined;
  createInterface({ input: child.stdout as Readable }).on('line', (line) => {
    const match = options.ready?.exec(line);
    if (!match || !whenReady) return options.stdout(line);
    whenReady(match);
    whenReady = undefined;
  });
  let stopping = false;
  const part: Part = {
    name,
    pid: child.pid,
    get stopping() {
      return stopping;
    },
    lastWords: () => [...words],
    ready: new Promise<RegExpMatchArray | null>((resolve, reject) => {
      if (options.ready) whenReady = resolve;
      exited.then((exit) => {
        if (!options.ready && exit.code === 0) resolve(null);
        // Settles only if nothing did before: a part that was ready stays ready.
        else reject(new PartEnded(part, exit));
      });
    }),
    exited,
    async stop() {
      stopping = true;
      child.kill('SIGTERM');
      const exit = await exited;
      // A part without a SIGTERM handler (the seed) ends by the signal itself: that is what was asked.
      if (exit.code !== 0 && exit.signal !== 'SIGTERM') throw new PartEnded(part, exit);
    },
  };
  part.ready.catch(() => {});
  return part;
}
