// First, before @apollo/gateway loads: its usage telemetry off unless asked for.
import './apollo-telemetry.ts';
import {
  Backoff,
  describeExit,
  displayHost,
  EXIT_START_FAILED,
  loadSecrets,
  orExitOnBadSetting,
  parseCommandLine,
  resolveDataDir,
  resolveHost,
  resolvePort,
  resolveWorkers,
  SUBGRAPH_NAMES,
  stopOnSignals,
} from '../../subgraphs/contract/index.ts';
import { checkGatewayEnvironment } from '../settings.ts';
import { type Part, PartEnded, type PartOptions, startPart } from './parts.ts';

/**
 * `npm start [-- --host H] [--workers N]`: the whole graph on embedded SQLite, created, migrated and seeded on first run.
 * Each part runs in a process of its own, through its own entry point: the seed first (`seeds/cli.ts`, which
 * keeps seeded databases), then the four subgraphs (`subgraphs/cli.ts NAME`), then the gateway
 * (`gateway/cli/gateway.ts`, with `--workers N` or `LIFEGRAPH_GATEWAY_WORKERS` workers), told where each
 * subgraph listens. A server part that dies after it was ready is restarted on the same port with backoff
 * (0.5 s doubling to 30 s, reset once it stayed up a minute), logged with its last words, while the others keep
 * serving. A part that fails before it was ever ready (a port taken, a damaged database) stops the rest, and npm
 * start exits 1 naming it and what it printed: restarting it would only hide the error. A signal stops the
 * gateway first, then the subgraphs.
 */
const { values } = parseCommandLine({
  command: 'npm start',
  usage: `Usage: npm start [-- --port N] [--host H] [--workers N] [--data-dir DIR]
Runs the whole graph (the seed, four subgraphs, the gateway), each in a process of its own.
  --port N        the gateway's port (default LIFEGRAPH_GATEWAY_PORT, else 4000; 0 = any free port)
  --host H        the gateway's address (default LIFEGRAPH_HOST, else 127.0.0.1, or 0.0.0.0 in production);
                  the subgraphs always bind 127.0.0.1
  --workers N     gateway processes sharing its port (default LIFEGRAPH_GATEWAY_WORKERS, else 1)
  --data-dir DIR  the data directory (default LIFEGRAPH_DATA_DIR, else ./data)
Settings: see the Configuration table in README.md.`,
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    workers: { type: 'string' },
  },
});
// Every setting of every part is checked before anything starts: a bad one is one line naming it, and exit 2.
orExitOnBadSetting(() => checkGatewayEnvironment());
const dataDir = orExitOnBadSetting(() => resolveDataDir(values['data-dir']));
// Generated here once, before any part starts, so that every part reads the same secrets file.
orExitOnBadSetting(() => loadSecrets(dataDir), EXIT_START_FAILED);
// The gateway binds `--host` / LIFEGRAPH_HOST (loopback in development, every interface in production). The
// subgraphs bind loopback whatever it says: only the gateway beside them calls them, at localhost.
const host = orExitOnBadSetting(() => resolveHost(values.host));
const SUBGRAPH_HOST = '127.0.0.1';
const gatewayPort = orExitOnBadSetting(() => resolvePort('gateway', values.port));
const subgraphPorts = SUBGRAPH_NAMES.map((name) => orExitOnBadSetting(() => resolvePort(name)));
// Read here too, so that a bad LIFEGRAPH_<NAME>_WORKERS fails before anything starts.
const gatewayWorkers = orExitOnBadSetting(() => resolveWorkers('gateway', values.workers));
const subgraphWorkers = SUBGRAPH_NAMES.map((name) => orExitOnBadSetting(() => resolveWorkers(name)));

/** The servers' output goes where it went when they ran alone. */
const SERVER_OUTPUT = { stdout: (line: string) => console.log(line), stderr: (line: string) => console.error(line) };
/**
 * The seed's is progress, on stderr: its messages, and of its result lines (`name<TAB>action<TAB>scale N<TAB>ms`) only
 * the databases it seeded now; kept databases and its timing are not news on every start.
 */
const SEED_OUTPUT = {
  stdout: (line: string) => {
    const [subgraph, action, scale] = line.split('\t');
    if (action === 'seeded') console.error(`[seed] ${subgraph} seeded at ${scale}`);
  },
  stderr: (line: string) => {
    if (!line.startsWith('done in ')) console.error(`[seed] ${line}`);
  },
};

/** What npm start stops on a signal: the seed while it runs, and each supervised server. */
interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

/** The parts started and not yet done, in start order. */
const parts: Stoppable[] = [];
let stopping: Promise<void> | undefined;

/** Stops every part, the gateway first: it finishes its requests in flight while the subgraphs they call are up. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    const failures: string[] = [];
    const stop = async (part: Stoppable) => {
      try {
        await part.stop();
        console.error(`stopped ${part.name}`);
      } catch (error) {
        failures.push(`${part.name} (${error instanceof PartEnded ? describeExit(error.exit) : error})`);
      }
    };
    const gateway = parts.filter((part) => part.name === 'gateway');
    await Promise.all(gateway.map(stop));
    await Promise.all(parts.filter((part) => !gateway.includes(part)).map(stop));
    if (failures.length > 0) throw new Error(`could not stop ${failures.join(', ')}; everything else was stopped`);
  })();
  return stopping;
}

/** A part ended before it was ever ready: everything else is stopped, and npm start exits 1 naming it. */
function fail(failed: Stoppable, ended: PartEnded): void {
  if (stopping) return;
  parts.splice(parts.indexOf(failed), 1);
  console.error(`npm start: ${ended.message}\nStopping everything else.`);
  stopAll().then(
    () => process.exit(1),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}

/** Runs the seed; resolves when it exited with 0, or never if it fails (`fail` takes over). */
function seed(): Promise<unknown> {
  const part = startPart('seed', 'seeds/cli.ts', ['--data-dir', dataDir], SEED_OUTPUT);
  parts.push(part);
  part.exited.then((exit) => {
    if (part.stopping) return;
    if (exit.code === 0) parts.splice(parts.indexOf(part), 1);
    else fail(part, new PartEnded(part, exit));
  });
  return part.ready.catch(() => new Promise<never>(() => {}));
}

/**
 * Starts a server part and keeps it serving: resolves with its first ready line's match (group 1 is its port),
 * or never if it fails before that (`fail` takes over). Restarts run `args(port)` with the port it first got.
 */
function supervise(
  name: string,
  script: string,
  args: (port: string) => string[],
  port: string,
  options: PartOptions & { ready: RegExp },
): Promise<RegExpMatchArray> {
  const backoff = new Backoff();
  let current: Part | undefined;
  let alive = false;
  let restart: NodeJS.Timeout | undefined;
  let everReady = false;
  const supervised: Stoppable = {
    name,
    stop: async () => {
      clearTimeout(restart);
      if (current && alive) await current.stop();
    },
  };
  parts.push(supervised);
  return new Promise((resolve) => {
    const launch = () => {
      const part = startPart(name, script, args(port), options);
      current = part;
      alive = true;
      let readyAt: number | undefined;
      part.ready.then(
        (match) => {
          readyAt = Date.now();
          if (everReady) console.error(`npm start: ${name} restarted (pid ${part.pid})`);
          everReady = true;
          port = (match as RegExpMatchArray)[1] ?? port;
          resolve(match as RegExpMatchArray);
        },
        () => {},
      );
      part.exited.then((exit) => {
        alive = false;
        if (part.stopping || stopping) return;
        const ended = new PartEnded(part, exit);
        if (!everReady) return fail(supervised, ended);
        const delay = backoff.next(readyAt === undefined ? 0 : Date.now() - readyAt);
        console.error(`npm start: ${ended.message}\nRestarting ${name} in ${delay / 1000} s; the rest keeps serving.`);
        restart = setTimeout(launch, delay);
      });
    };
    launch();
  });
}

async function main() {
  await seed();
  if (stopping) return;
  const subgraphs = await Promise.all(
    SUBGRAPH_NAMES.map((name, i) =>
      supervise(
        name,
        'subgraphs/cli.ts',
        (port) => [
          name,
          '--port',
          port,
          '--host',
          SUBGRAPH_HOST,
          '--data-dir',
          dataDir,
          '--workers',
          String(subgraphWorkers[i]),
        ],
        String(subgraphPorts[i]),
        { ...SERVER_OUTPUT, ready: new RegExp(`^${name} http://localhost:(\\d+)/graphql$`) },
      ),
    ),
  );
  if (stopping) return;
  const ports = subgraphs.map((match) => match[1]);
  const gateway = await supervise(
    'gateway',
    'gateway/cli/gateway.ts',
    (port) => ['--port', port, '--host', host, '--data-dir', dataDir, '--workers', String(gatewayWorkers)],
    String(gatewayPort),
    {
      ...SERVER_OUTPUT,
      ready: /^gateway http:\/\/\S+:(\d+)\/graphql /,
      // Where each subgraph really listens, whatever port the supergraph file says.
      env: Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [`LIFEGRAPH_${name.toUpperCase()}_PORT`, `${ports[i]}`])),
    },
  );
  if (stopping) return;
  for (const [i, name] of SUBGRAPH_NAMES.entries())
    console.log(`${name.padEnd(9)} http://localhost:${ports[i]}/graphql`);
  console.log(`gateway   http://${displayHost(host)}:${gateway[1]}/graphql  (open it in a browser for Apollo Sandbox)`);
}

// Before anything starts: a signal while the graph is starting stops whatever has started.
stopOnSignals(stopAll);
await main();
