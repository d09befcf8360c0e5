import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as tables from './tables.ts';

/** The merchants subgraph's drizzle database. */
export type MerchantsDb = BetterSQLite3Database<typeof tables>;
