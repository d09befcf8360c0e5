import { and, eq, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../shared/errors.ts';
import type { ContentDb, LifeAccountRow } from '../context.ts';
import { follows, lifeAccounts } from '../tables.ts';

/** Outcome of a follow rule: the account as it is now. */
export interface FollowResult {
  lifeAccount: LifeAccountRow | null;
  userErrors: UserError[];
}

function notFound(accountId: string): FollowResult {
  return {
    lifeAccount: null,
    userErrors: [userError('NOT_FOUND', `No life account has id "${accountId}": check the id.`, ['accountId'])],
  };
}

/** Follows an account; following twice changes nothing, so followerCount stays exact. */
export function followLifeAccount(
  db: ContentDb,
  now: Date,
  input: { userId: string; accountId: string },
): FollowResult {
  return db.transaction((tx) => {
    const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, input.accountId)).get();
    if (!account) return notFound(input.accountId);
    const inserted = tx
      .insert(follows)
      .values({ userId: input.userId, accountId: input.accountId, createdAt: now })
      .onConflictDoNothing()
      .run();
    if (inserted.changes === 0) return { lifeAccount: account, userErrors: [] };
    const updated = tx
      .update(lifeAccounts)
      .set({ followerCount: sql`${lifeAccounts.followerCount} + 1` })
      .where(eq(lifeAccounts.id, input.accountId))
      .returning()
      .get();
    return { lifeAccount: updated ?? account, userErrors: [] };
  });
}

/** Unfollows an account; unfollowing an account not followed changes nothing. */
export function unfollowLifeAccount(db: ContentDb, input: { userId: string; accountId: string }): FollowResult {
  return db.transaction((tx) => {
    const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, input.accountId)).get();
    if (!account) return notFound(input.accountId);
    const deleted = tx
      .delete(follows)
      .where(and(eq(follows.userId, input.userId), eq(follows.accountId, input.accountId)))
      .run();
    if (deleted.changes === 0) return { lifeAccount: account, userErrors: [] };
    const updated = tx
      .update(lifeAccounts)
      .set({ followerCount: sql`${lifeAccounts.followerCount} - 1` })
      .where(eq(lifeAccounts.id, input.accountId))
      .returning()
      .get();
    return { lifeAccount: updated ?? account, userErrors: [] };
  });
}
