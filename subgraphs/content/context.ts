import type { SubgraphContext } from '../shared/context.ts';
import type { DatabaseOf, TransactionOf } from '../shared/server.ts';
import type { Loaders } from './loaders.ts';
import type * as tables from './tables.ts';

/** The content subgraph's drizzle database. */
export type ContentDb = DatabaseOf<typeof tables>;

/** The handle a rule works with inside `db.transaction(...)`. */
export type ContentTx = TransactionOf<typeof tables>;

/** What every content resolver receives. */
export type ContentContext = SubgraphContext<ContentDb, Loaders>;

// What each GraphQL type resolves from (`<Type>Row`, the codegen mappers): the table's row.
export type LifeAccountRow = typeof tables.lifeAccounts.$inferSelect;
export type PostRow = typeof tables.posts.$inferSelect;
export type CommentRow = typeof tables.comments.$inferSelect;
export type LiveStreamRow = typeof tables.liveStreams.$inferSelect;
