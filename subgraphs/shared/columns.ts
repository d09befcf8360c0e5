import { integer } from 'drizzle-orm/sqlite-core';

/** An instant stored as epoch milliseconds in an integer column, read back as a `Date`. */
export const timestampMs = (name: string) => integer(name, { mode: 'timestamp_ms' });
