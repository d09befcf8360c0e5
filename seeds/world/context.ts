import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Random } from '../random.ts';

/** What every part of the seed world is built from (see world.ts, which makes it). */
export interface SeedContext {
  /** The one random sequence of the world: the parts draw from it in a fixed order. */
  random: Random;
  /** The instant `days` (plus `hours`) after the seed epoch; seeds never read the real clock. */
  at(days: number, hours?: number): Date;
  /** Multiplies the generated volume; the fixed records are there at every scale. */
  scale: number;
}

/** A row of `T` as drizzle inserts it: what every seed builder produces. */
export type Row<T extends SQLiteTable> = T['$inferInsert'];
