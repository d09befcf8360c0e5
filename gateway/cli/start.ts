import { parseArgs } from 'node:util';
import {
  loadSecrets,
  resolveDataDir,
  resolvePort,
  SUBGRAPH_NAMES,
  stopOnSignals,
} from '../../subgraphs/contract/index.ts';
import { describeExit, type Part, PartEnded, type PartOptions, startPart } from './parts.ts';

/**
 * `npm start`: the whole graph on embedded SQLite, created, migrated and seeded on first run. Each part runs in a
 * process of its own, through its own entry point: the seed first (`seeds/cli.ts`, which keeps seeded
 * databases), then the four subgraphs (`subgraphs/cli.ts NAME`), then the gateway (`gateway/cli/gateway.ts`),
 * told where each subgraph listens. A signal stops the gateway first, then the subgraphs; a part that fails or
 * dies stops the rest, and npm start exits 1 naming the part and what it printed.
 */
const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, port: { type: 'string' } } });
const dataDir = resolveDataDir(values['data-dir']);
// Generated here once, before any part starts, so that every part reads the same secrets file.
loadSecrets(dataDir);
const gatewayPort = resolvePort('gateway', values.port);
const subgraphPorts = SUBGRAPH_NAMES.map((name) => resolvePort(name));

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

/** The parts started and not yet done, in start order. */
const parts: Part[] = [];
let stopping: Promise<void> | undefined;

/** Stops every part, the gateway first: it finishes its requests in flight while the subgraphs they call are up. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    const failures: string[] = [];
    const stop = async (part: Part) => {
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

/** A part ended unasked: everything else is stopped, and npm start exits 1 naming it and what it printed. */
function fail(ended: PartEnded): void {
  if (stopping) return;
  parts.splice(parts.indexOf(ended.part), 1);
  console.error(`npm start: ${ended.message}\nStopping everything else.`);
  stopAll().then(
    () => process.exit(1),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}

/** Starts a part; resolves when it is ready (the ready line's match), or never if it fails (`fail` takes over). */
function start(name: string, script: string, args: string[], options: PartOptions) {
  const part = startPart(name, script, args, options);
  parts.push(part);
  part.exited.then((exit) => {
    if (part.stopping) return;
    // The seed is done when it exits with 0; a server is never done unless asked.
    if (!options.ready && exit.code === 0) parts.splice(parts.indexOf(part), 1);
    else fail(new PartEnded(part, exit));
  });
  return part.ready.catch(() => new Promise<never>(() => {}));
}

async function main() {
  await start('seed', 'seeds/cli.ts', ['--data-dir', dataDir], SEED_OUTPUT);
  if (stopping) return;
  const subgraphs = await Promise.all(
    SUBGRAPH_NAMES.map((name, i) =>
      start(name, 'subgraphs/cli.ts', [name, '--port', String(subgraphPorts[i]), '--data-dir', dataDir], {
        ...SERVER_OUTPUT,
        ready: new RegExp(`^${name} http://localhost:(\\d+)/graphql$`),
      }),
    ),
  );
  if (stopping) return;
  const ports = subgraphs.map((match) => match?.[1]);
  const gateway = await start(
    'gateway',
    'gateway/cli/gateway.ts',
    ['--port', String(gatewayPort), '--data-dir', dataDir],
    {
      ...SERVER_OUTPUT,
      ready: /^gateway http:\/\/localhost:(\d+)\/graphql /,
      // Where each subgraph really listens, whatever port the supergraph file says.
      env: Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [`LIFEGRAPH_${name.toUpperCase()}_PORT`, `${ports[i]}`])),
    },
  );
  if (stopping) return;
  for (const [i, name] of SUBGRAPH_NAMES.entries())
    console.log(`${name.padEnd(9)} http://localhost:${ports[i]}/graphql`);
  console.log(`gateway   http://localhost:${gateway?.[1]}/graphql  (open it in a browser for Apollo Sandbox)`);
}

// Before anything starts: a signal while the graph is starting stops whatever has started.
stopOnSignals(stopAll);
await main();
