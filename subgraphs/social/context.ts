import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SubgraphContext } from '../shared/context.ts';
import type { Loaders } from './loaders.ts';
import type * as tables from './tables.ts';

export type SocialDb = BetterSQLite3Database<typeof tables>;
export type SocialContext = SubgraphContext<SocialDb, Loaders>;

export type UserRow = typeof tables.users.$inferSelect;
export type FriendRequestRow = typeof tables.friendRequests.$inferSelect;
export type IouRow = typeof tables.ious.$inferSelect;
export type RepaymentRow = typeof tables.iouRepayments.$inferSelect;
export type GroupPaymentRow = typeof tables.groupPayments.$inferSelect;
export type ShareRow = typeof tables.groupPaymentShares.$inferSelect;
