import type { Server } from 'node:net';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * How every command of the graph (`npm start`, `npm run gateway`, `subgraph`, `seed`, `keys`, ...) reads its command
 * line and fails at start: `--help` prints its usage on stdout and exits 0; an unknown flag, a flag without its
 * value or a stray argument is one line on stderr and exit 2; a bad setting is one line naming it (exit 2); a port
 * in use is one line naming the port and the flag or variable that chose it (exit 1). Never a stack trace.
 */

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandLine<T extends Options> {
  /** The command as a user types it, for messages: `npm run gateway`. */
  command: string;
  /** The full usage text, printed for --help. */
  usage: string;
  options: T;
  allowPositionals?: boolean;
  /** The arguments to read (default: the process's own). */
  args?: string[];
}

/** Exit codes: a usage or settings mistake (fix the command), and a failure to start (fix the machine). */
export const EXIT_USAGE = 2;
export const EXIT_START_FAILED = 1;

/** Parses the command line as `parseArgs` does, answering --help and mistakes as described above. */
export function parseCommandLine<const T extends Options>(spec: CommandLine<T>) {
  type Parsed = ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>;
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args: spec.args,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    }) as Parsed;
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    return exitWithUsageError(`${spec.command}: ${firstSentence(error.message)}. Run it with --help for its usage.`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${spec.usage.trim()}\n`);
    process.exit(0);
  }
  return parsed;
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');
}

/** Node's "Unknown option '--x'. To specify a positional argument..." down to what went wrong. */
function firstSentence(message: string): string {
  return (message.split(/\.\s/)[0] ?? message).replace(/\.$/, '');
}

/** Prints one line on stderr and exits 2: the caller asked for something that cannot be done as asked. */
export function exitWithUsageError(message: string): never {
  process.stderr.write(`${message.split('\n')[0]}\n`);
  process.exit(EXIT_USAGE);
}

/**
 * Runs a step that reads settings (`resolvePort`, `checkEnvironment`, ...): a bad value it throws for is printed
 * as its one-line message, without a stack, and the process exits with `code` (2) before anything has started.
 */
export function orExitOnBadSetting<T>(read: () => T, code = EXIT_USAGE): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    process.stderr.write(`${error.message.split('\n')[0]}\n`);
    process.exit(code);
  }
}

/** The port a server could not listen on because another process holds it. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string | undefined,
  ) {
    super(`Port ${port}${host ? ` on ${host}` : ''} is already in use`);
  }
}

/**
 * Listens on `port` at `host`, rejecting (rather than crashing on an unhandled 'error' event) when it cannot: a
 * port in use is a `PortInUseError`, anything else the listen error itself.
 */
export function listen(server: Server, port: number, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, host) : error);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** One line on stderr for a port in use, naming where the port came from, and exit 1. */
export function exitOnPortInUse(error: unknown, chosenBy: string): void {
  if (!(error instanceof PortInUseError)) return;
  process.stderr.write(`${error.message} (${chosenBy}): stop what listens there, or choose another port.\n`);
  process.exit(EXIT_START_FAILED);
}
