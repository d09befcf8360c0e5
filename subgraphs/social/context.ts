import type { SubgraphContext } from '../shared/context.ts';
import type { DatabaseOf, TransactionOf } from '../shared/server.ts';
import type { Loaders } from './loaders.ts';
import type * as tables from './tables.ts';

/** The social subgraph's drizzle database. */
export type SocialDb = DatabaseOf<typeof tables>;

/** The handle a rule works with inside `db.transaction(...)`. */
export type SocialTx = TransactionOf<typeof tables>;

/** What every social resolver receives. */
export type SocialContext = SubgraphContext<SocialDb, Loaders>;

// What each GraphQL type resolves from (`<Type>Row`, the codegen mappers): the table's row.
export type UserRow = typeof tables.users.$inferSelect;
export type FriendRequestRow = typeof tables.friendRequests.$inferSelect;
export type IouRow = typeof tables.ious.$inferSelect;
export type IouRepaymentRow = typeof tables.iouRepayments.$inferSelect;
export type IouReminderRow = typeof tables.iouReminders.$inferSelect;
export type GroupPaymentRow = typeof tables.groupPayments.$inferSelect;
export type GroupPaymentShareRow = typeof tables.groupPaymentShares.$inferSelect;
