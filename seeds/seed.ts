import { rmSync } from 'node:fs';
import path from 'node:path';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { content } from '../subgraphs/content/index.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/contract/settings.ts';
import { merchants } from '../subgraphs/merchants/index.ts';
import { offers } from '../subgraphs/offers/index.ts';
import { registerRunning, runningProcesses, takeDatabasesAlone } from '../subgraphs/shared/running.ts';
import { databaseFile, openSubgraphDatabase, type SubgraphDefinition } from '../subgraphs/shared/server.ts';
import { social } from '../subgraphs/social/index.ts';
import { buildWorld, type World } from './world.ts';
import { writeContent } from './write-content.ts';
import { fillMissingMerchants, writeMerchants } from './write-merchants.ts';
import { writeOffers } from './write-offers.ts';
import { fillMissingSocial, writeSocial } from './write-social.ts';

/**
 * How each subgraph's database is seeded, typed by its own tables: its writer and, for a database that is kept,
 * the filler of tables that later migrations added empty.
 */
const SEEDERS: Record<SubgraphName, (run: SeedRun) => SeedResult> = {
  merchants: (run) => seedSubgraph(run, merchants, writeMerchants, fillMissingMerchants),
  content: (run) => seedSubgraph(run, content, writeContent),
  offers: (run) => seedSubgraph(run, offers, writeOffers),
  social: (run) => seedSubgraph(run, social, writeSocial, fillMissingSocial),
};

/** `seed --reset` was refused: a running process uses the data directory. The message says what to do. */
export class SeedRefusedError extends Error {}

/** Why resetting `dataDir` is refused (the processes that serve it), or null when nothing serves it. */
export function resetRefusal(dataDir: string): string | null {
  const running = runningProcesses(dataDir);
  if (running.length === 0) return null;
  const who = running.map((p) => `${p.name} (pid ${p.pid}${p.host ? ` on host ${p.host}` : ''})`).join(', ');
  return (
    `Refusing to reset ${dataDir}: it is being served by ${who}, and deleting its databases under a running ` +
    `graph loses their data mid-request. Stop the graph first (Ctrl-C on npm start, or kill ${running
      .map((p) => p.pid)
      .join(' ')}), then run the seed again. If no such process serves this directory, delete ` +
    `${running.map((p) => p.file).join(', ')}.`
  );
}

export interface SeedResult {
  subgraph: SubgraphName;
  /** `seeded` now, or `kept` because it was already seeded and `reset` was not asked for. */
  action: 'seeded' | 'kept';
  /** The scale the database holds. */
  scale: number;
  milliseconds: number;
}

/**
 * Creates, migrates and seeds each subgraph database in `dataDir`. A database that is already seeded is
 * kept (nothing is ever lost by accident) unless `reset` is set, which deletes and recreates them all (refused
 * with `SeedRefusedError`, nothing deleted, while any process uses `dataDir`, see shared/running.ts). The scale
 * a database was seeded with is kept in SQLite's `user_version`, written in the same transaction as the rows.
 */
export function seedDataDir(
  dataDir: string,
  options: { scale?: number; reset?: boolean; onProgress?: (message: string) => void } = {},
): SeedResult[] {
  if (options.reset) deleteDatabases(dataDir);
  // Registered while the seed writes, so that a `seed --reset` elsewhere names this process when it refuses.
  const unregister = registerRunning(dataDir, 'seed');
  try {
    return seedDatabases(dataDir, options);
  } finally {
    unregister();
  }
}

/**
 * Deletes every subgraph database of `dataDir`, refused (nothing deleted) while a registered process serves
 * it or while SQLite reports any database open in another connection, registered or not.
 */
function deleteDatabases(dataDir: string) {
  const refusal = resetRefusal(dataDir);
  if (refusal) throw new SeedRefusedError(refusal);
  const files = SUBGRAPH_NAMES.map((name) => databaseFile(dataDir, name));
  const alone = takeDatabasesAlone(files);
  if (alone.busy !== null) {
    throw new SeedRefusedError(
      `Refusing to reset ${dataDir}: ${alone.busy} is open in another process (SQLite reports it locked), ` +
        `though none registered itself in ${path.join(dataDir, 'run')}; it may be a graph in another container ` +
        'or on another host sharing this directory. Stop every process using it, then run the seed again. ' +
        'Nothing was deleted.',
    );
  }
  try {
    for (const file of files)
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
  } finally {
    alone.release();
  }
}

/** One seed of a data directory: the world is built once, at `scale`, when the first database needs it. */
interface SeedRun {
  dataDir: string;
  scale: number;
  progress: (message: string) => void;
  world: () => World;
}

function seedDatabases(
  dataDir: string,
  options: { scale?: number; onProgress?: (message: string) => void },
): SeedResult[] {
  const scale = options.scale ?? 1;
  const progress = options.onProgress ?? (() => {});
  let world: World | null = null;
  const run: SeedRun = {
    dataDir,
    scale,
    progress,
    world: () => {
      if (!world) {
        progress(`building the seed world at scale ${scale}...`);
        world = buildWorld(scale);
      }
      return world;
    },
  };
  return SUBGRAPH_NAMES.map((name) => SEEDERS[name](run));
}

/**
 * Seeds one subgraph's database unless it is already seeded (`user_version` holds the scale it was seeded with):
 * a kept database only gets the tables added since filled, from the world at its own scale.
 */
function seedSubgraph<TSchema extends Record<string, unknown>, TLoaders>(
  run: SeedRun,
  definition: SubgraphDefinition<TSchema, TLoaders>,
  write: (db: BetterSQLite3Database<TSchema>, world: World) => void,
  fill?: (db: BetterSQLite3Database<TSchema>, world: () => World) => number,
): SeedResult {
  const { name } = definition;
  const started = Date.now();
  const database = openSubgraphDatabase(definition, run.dataDir);
  try {
    const seededScale = Number(database.sqlite.pragma('user_version', { simple: true }));
    if (seededScale > 0) {
      run.progress(`${name}: already seeded (scale ${seededScale}); pass --reset to recreate it`);
      const filled = fill?.(database.db, () => buildWorld(seededScale)) ?? 0;
      if (filled > 0) run.progress(`${name}: filled ${filled} rows of tables added since it was seeded`);
      return { subgraph: name, action: 'kept', scale: seededScale, milliseconds: Date.now() - started };
    }
    const world = run.world();
    run.progress(`${name}: writing...`);
    database.sqlite.transaction(() => {
      write(database.db, world);
      database.sqlite.pragma(`user_version = ${run.scale}`);
    })();
    const result: SeedResult = {
      subgraph: name,
      action: 'seeded',
      scale: run.scale,
      milliseconds: Date.now() - started,
    };
    run.progress(`${name}: seeded in ${Date.now() - started} ms`);
    return result;
  } finally {
    database.close();
  }
}
