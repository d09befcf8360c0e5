import { existsSync } from 'node:fs';
import { content } from './content/index.ts';
import { exitWithUsageError, orExitOnBadSetting, parseCommandLine } from './contract/command-line.ts';
import { checkEnvironment } from './contract/environment.ts';
import { loadSecrets, resolveDataDir, type SubgraphName } from './contract/settings.ts';
import { merchants } from './merchants/index.ts';
import { offers } from './offers/index.ts';
import { pullHistory, rebuildFromHistory, rebuildProjection } from './shared/events/rebuild.ts';
import { checkEventSettings, eventsUrlVariable, publisherUrlFromEnv } from './shared/events/settings.ts';
import type { DeliveredEvent, Publisher } from './shared/events/types.ts';
import type { SyncSqlite } from './shared/idempotency.ts';
import { registerRunning } from './shared/running.ts';
import { databaseFile, openSubgraphDatabase, type SubgraphDefinition } from './shared/server.ts';
import { social } from './social/index.ts';

/**
 * `npm run events -- rebuild SUBGRAPH [--data-dir DIR]`: rebuilds a consuming subgraph's projections (offers'
 * merchant_terms and store_merchants, content's and social's store_directory) from the whole history of the
 * publishers' outboxes in the data directory, in one transaction. Safe while the graph runs.
 */
// biome-ignore lint/suspicious/noExplicitAny: each subgraph has its own tables
const DEFINITIONS: Record<SubgraphName, SubgraphDefinition<any, unknown>> = { merchants, content, offers, social };
const CONSUMERS = (Object.keys(DEFINITIONS) as SubgraphName[]).filter((name) => DEFINITIONS[name].projection);
const USAGE = `Usage: npm run events -- rebuild <${CONSUMERS.join('|')}> [--over-http] [--data-dir DIR]`;
const { values, positionals } = parseCommandLine({
  command: 'npm run events',
  usage: `${USAGE}
Rebuilds the subgraph's projections of other subgraphs' facts from the publishers' whole event history (their
outbox_events in the data directory), in one transaction: the same rows the consumers keep live. Safe while the
graph runs (its consumer waits, then goes on from the rebuilt cursor).
Prints one line per publisher on stdout: subgraph, publisher, events replayed, cursor.
  --over-http     read the history from each publisher's GET /events instead (LIFEGRAPH_<PUBLISHER>_EVENTS_URL,
                  else this host at its port; signed with the subgraph secret), for a publisher on another machine
  --data-dir DIR  the data directory (default LIFEGRAPH_DATA_DIR, else ./data)`,
  allowPositionals: true,
  options: { 'data-dir': { type: 'string' }, 'over-http': { type: 'boolean', default: false } },
});
const [command, name] = positionals as [string | undefined, SubgraphName | undefined];
if (command !== 'rebuild' || positionals.length !== 2 || !name || !CONSUMERS.includes(name)) {
  exitWithUsageError(
    name && command === 'rebuild' && positionals.length === 2
      ? `${name} keeps no projection: rebuild one of ${CONSUMERS.join(', ')}.`
      : USAGE,
  );
}
orExitOnBadSetting(() => checkEnvironment());
const dataDir = orExitOnBadSetting(() => resolveDataDir(values['data-dir']));
const definition = DEFINITIONS[name];
const projection = definition.projection as NonNullable<typeof definition.projection>;
const publishers = Object.keys(projection.sources) as Publisher[];
// Opening a missing file would create it: an empty publisher, whose "history" would empty the projection.
for (const needed of values['over-http'] ? [name] : [name, ...publishers]) {
  if (!existsSync(databaseFile(dataDir, needed))) {
    console.error(
      `No ${needed} database in ${dataDir}: pass the data directory the graph uses (--data-dir), or seed one first (npm run seed).`,
    );
    process.exit(1);
  }
}
orExitOnBadSetting(() => checkEventSettings());
// Over HTTP the whole history is pulled first: the rebuild itself is one synchronous transaction.
const pulled = new Map<Publisher, DeliveredEvent[][]>();
if (values['over-http']) {
  const { subgraphSecret } = orExitOnBadSetting(() => loadSecrets(dataDir), 1);
  for (const publisher of publishers) {
    const url = publisherUrlFromEnv(publisher);
    try {
      pulled.set(publisher, await pullHistory(url, publisher, subgraphSecret));
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message;
      console.error(
        `Could not read the history of ${publisher} at ${url} (${(error as Error).message}${cause ? `: ${cause}` : ''}); nothing was changed. Check ${eventsUrlVariable(publisher)} and LIFEGRAPH_SUBGRAPH_SECRET.`,
      );
      process.exit(1);
    }
  }
}
// It writes a database a graph may serve: registered, so `seed --reset` refuses meanwhile.
registerRunning(dataDir, 'events');
const consumer = openSubgraphDatabase(definition, dataDir);
const opened = [consumer];
try {
  const rebuilt = values['over-http']
    ? rebuildFromHistory(consumer.db, projection, (publisher) => pulled.get(publisher) ?? [])
    : rebuildProjection(consumer.db, projection, (publisher: Publisher) => {
        const database = openSubgraphDatabase(DEFINITIONS[publisher], dataDir);
        opened.push(database);
        return database.db as SyncSqlite;
      });
  for (const source of rebuilt) console.log(`${name}\t${source.publisher}\t${source.events}\t${source.position}`);
} finally {
  for (const database of opened) database.close();
}
