import { and, eq, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import type { UserActor } from '../../shared/actors.ts';
import type { MutationFollowLifeAccountArgs } from '../__generated__/resolvers-types.ts';
import type { ContentDb, LifeAccountRow } from '../context.ts';
import { follows, lifeAccounts } from '../tables.ts';

/** Outcome of a follow rule: the account as it is now. */
export interface FollowResult {
  lifeAccount: LifeAccountRow | null;
  userErrors: UserError[];
}

/** Input of both follow rules: the account (`followLifeAccount` and `unfollowLifeAccount` take the same). */
export type FollowInput = MutationFollowLifeAccountArgs;

/**
 * Adds or removes the user's follow. The (user, account) primary key makes repeats no-ops, and
 * followerCount moves only when a row was really inserted or deleted, in the same transaction.
 */
function setFollowing(db: ContentDb, now: Date, actor: UserActor, input: FollowInput, follow: boolean): FollowResult {
  const { userId } = actor;
  return db.transaction((tx) => {
    const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, input.accountId)).get();
    if (!account) {
      const message = `No life account has id "${input.accountId}": check the id.`;
      return { lifeAccount: null, userErrors: [userError('NOT_FOUND', message, ['accountId'])] };
    }
    const changed = follow
      ? tx.insert(follows).values({ userId, accountId: input.accountId, createdAt: now }).onConflictDoNothing().run()
      : tx
          .delete(follows)
          .where(and(eq(follows.userId, userId), eq(follows.accountId, input.accountId)))
          .run();
    if (changed.changes === 0) return { lifeAccount: account, userErrors: [] };
    const updated = tx
      .update(lifeAccounts)
      .set({ followerCount: sql`${lifeAccounts.followerCount} + ${follow ? 1 : -1}` })
      .where(eq(lifeAccounts.id, input.accountId))
      .returning()
      .get();
    return { lifeAccount: updated ?? account, userErrors: [] };
  });
}

/** The user follows an account; following twice changes nothing, so followerCount stays exact. */
export const followLifeAccount = (db: ContentDb, now: Date, actor: UserActor, input: FollowInput) =>
  setFollowing(db, now, actor, input, true);
/** The user unfollows an account; unfollowing an account not followed changes nothing. */
export const unfollowLifeAccount = (db: ContentDb, now: Date, actor: UserActor, input: FollowInput) =>
  setFollowing(db, now, actor, input, false);
