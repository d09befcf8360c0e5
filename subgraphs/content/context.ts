import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SubgraphContext } from '../shared/context.ts';
import type { Loaders } from './loaders.ts';
import type * as tables from './tables.ts';

/** The content subgraph's drizzle database. */
export type ContentDb = BetterSQLite3Database<typeof tables>;

/** What every content resolver receives. */
export type ContentContext = SubgraphContext<ContentDb, Loaders>;

export type LifeAccountRow = typeof tables.lifeAccounts.$inferSelect;
export type PostRow = typeof tables.posts.$inferSelect;
export type CommentRow = typeof tables.comments.$inferSelect;
export type LiveStreamRow = typeof tables.liveStreams.$inferSelect;

/** A reference to an entity another subgraph owns, with the concrete type for unions. */
export interface EntityRef {
  __typename: 'CouponTemplate' | 'GroupBuyCampaign' | 'MiniProgram';
  id: string;
}
