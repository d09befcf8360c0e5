import { asc, desc, eq } from 'drizzle-orm';
import { type Page, selectPage } from '../../shared/connection.ts';
import type { LifeAccountKind, LiveStreamStatus } from '../__generated__/resolvers-types.ts';
import type { ContentDb, LifeAccountRow, LiveStreamRow } from '../context.ts';
import { lifeAccounts, liveStreams } from '../tables.ts';

/** A page (+1 row) of life accounts in name order, optionally of one kind. */
export function selectLifeAccounts(db: ContentDb, kind: LifeAccountKind | null, page: Page): LifeAccountRow[] {
  const where = kind ? eq(lifeAccounts.kind, kind) : undefined;
  return selectPage(db, lifeAccounts, { where, orderBy: [asc(lifeAccounts.name), asc(lifeAccounts.id)] }, page);
}

/** A page (+1 row) of live streams, latest scheduled first, optionally in one status. */
export function selectLiveStreams(db: ContentDb, status: LiveStreamStatus | null, page: Page): LiveStreamRow[] {
  const where = status ? eq(liveStreams.status, status) : undefined;
  return selectPage(db, liveStreams, { where, orderBy: [desc(liveStreams.scheduledAt), desc(liveStreams.id)] }, page);
}
