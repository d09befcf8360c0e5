import DataLoader from 'dataloader';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { childrenLoader, newestFirst, pagedChildrenLoader } from '../shared/child-page-query.ts';
import { loaderPerFilter, rowByIdLoader } from '../shared/connection.ts';
import type { Clock } from '../shared/context.ts';
import type { Invalidations } from '../shared/invalidations.ts';
import type { IouStatus, MutationResolvers } from './__generated__/resolvers-types.ts';
import type { SocialDb } from './context.ts';
import { iouStatusCondition } from './rules/iou-status.ts';
import {
  friendRequests,
  friendships,
  groupPaymentShares,
  groupPayments,
  iouReminders,
  iouRepayments,
  ious,
  users,
} from './tables.ts';

/** Keys of `viewerIsFriendOf`: is `viewerId` a friend of `userId`? */
export interface FriendPair {
  viewerId: string;
  userId: string;
}

/** A fresh set of DataLoaders for one request: one SQL statement per batch, whatever the list lengths. */
export function createLoaders(db: SocialDb, clock: Clock) {
  return {
    userById: rowByIdLoader(db, users),
    friendRequestById: rowByIdLoader(db, friendRequests),
    iouById: rowByIdLoader(db, ious),
    groupPaymentById: rowByIdLoader(db, groupPayments),
    /** Each user's friendships (the friend is `friendId`), most recent first. */
    friendshipsByUserId: pagedChildrenLoader(db, {
      table: friendships,
      parentColumn: friendships.userId,
      orderBy: sql`${friendships.createdAt} desc, ${friendships.friendId}`,
    }),
    friendCountByUserId: new DataLoader<string, number>(async (userIds) => {
      const rows = db
        .select({ userId: friendships.userId, n: count() })
        .from(friendships)
        .where(inArray(friendships.userId, [...userIds]))
        .groupBy(friendships.userId)
        .all();
      const byUser = new Map(rows.map((r) => [r.userId, r.n]));
      return userIds.map((id) => byUser.get(id) ?? 0);
    }),
    viewerIsFriendOf: new DataLoader<FriendPair, boolean, string>(
      async (pairs) => {
        const rows = db
          .select({ userId: friendships.userId, friendId: friendships.friendId })
          .from(friendships)
          .where(
            and(
              inArray(friendships.userId, [...new Set(pairs.map((p) => p.viewerId))]),
              inArray(friendships.friendId, [...new Set(pairs.map((p) => p.userId))]),
            ),
          )
          .all();
        const found = new Set(rows.map((r) => `${r.userId}|${r.friendId}`));
        return pairs.map((p) => found.has(`${p.viewerId}|${p.userId}`));
      },
      { cacheKeyFn: (p) => `${p.viewerId}|${p.userId}` },
    ),
    /**
     * IOUs where the user is lender or borrower, newest first, optionally of one status (as clients see it at
     * `now`); each status filter is its own loader, so `ious(status: X)` for many users is still one statement.
     */
    iousByUserId: loaderPerFilter((status: IouStatus | null) =>
      pagedChildrenLoader(db, {
        table: ious,
        parentColumn: [ious.lenderId, ious.borrowerId],
        orderBy: newestFirst(ious.createdAt, ious.id),
        where: () => (status ? iouStatusCondition(status, clock.now()) : undefined),
      }),
    ),
    /** Each user's shares of group payments (the organizer always has one), newest payment first. */
    groupPaymentSharesByUserId: pagedChildrenLoader(db, {
      table: groupPaymentShares,
      parentColumn: groupPaymentShares.userId,
      orderBy: sql`(select ${groupPayments.createdAt} from ${groupPayments}
        where ${groupPayments.id} = ${groupPaymentShares.groupPaymentId}) desc, ${groupPaymentShares.groupPaymentId} desc`,
    }),
    /** Pending requests sent to each user, newest first. */
    pendingRequestsByRecipientId: pendingRequests(db, friendRequests.toUserId),
    /** Pending requests each user sent, newest first. */
    pendingRequestsBySenderId: pendingRequests(db, friendRequests.fromUserId),
    repaymentsByIouId: childrenLoader(db, {
      table: iouRepayments,
      parentColumn: iouRepayments.iouId,
      orderBy: sql`${iouRepayments.paidAt}, ${iouRepayments.id}`,
    }),
    remindersByIouId: childrenLoader(db, {
      table: iouReminders,
      parentColumn: iouReminders.iouId,
      orderBy: sql`${iouReminders.sentAt}, ${iouReminders.id}`,
    }),
    /** Shares of each group payment in join order, the organizer first. */
    sharesByGroupPaymentId: childrenLoader(db, {
      table: groupPaymentShares,
      parentColumn: groupPaymentShares.groupPaymentId,
      orderBy: sql`${groupPaymentShares.position}`,
    }),
  };
}

/** Pending friend requests by one side of them (`party`: sender or recipient), newest first. */
function pendingRequests(db: SocialDb, party: typeof friendRequests.toUserId | typeof friendRequests.fromUserId) {
  return pagedChildrenLoader(db, {
    table: friendRequests,
    parentColumn: party,
    orderBy: newestFirst(friendRequests.createdAt, friendRequests.id),
    where: eq(friendRequests.status, 'PENDING'),
  });
}

/** The loaders every social resolver reads through. */
export type Loaders = ReturnType<typeof createLoaders>;

const friendRequestLists = ['friendRequestById', 'pendingRequestsByRecipientId', 'pendingRequestsBySenderId'] as const;
const friendLists = ['friendshipsByUserId', 'friendCountByUserId', 'viewerIsFriendOf'] as const;

/**
 * What each mutation makes stale. A friend request that is accepted (by accepting it, or by asking back) makes
 * friends; an IOU's status moves it between the `ious(status:)` lists; paying a share settles its payment.
 */
export const invalidations = {
  requestFriend: [...friendRequestLists, ...friendLists],
  acceptFriendRequest: [...friendRequestLists, ...friendLists],
  declineFriendRequest: friendRequestLists,
  cancelFriendRequest: friendRequestLists,
  removeFriend: friendLists,
  createIou: ['iousByUserId'],
  confirmIou: ['iouById', 'iousByUserId'],
  declineIou: ['iouById', 'iousByUserId'],
  repayIou: ['iouById', 'iousByUserId', 'repaymentsByIouId'],
  createGroupPayment: ['groupPaymentSharesByUserId', 'sharesByGroupPaymentId'],
  payGroupPaymentShare: ['groupPaymentById', 'sharesByGroupPaymentId'],
  cancelGroupPayment: ['groupPaymentById', 'sharesByGroupPaymentId'],
} satisfies Invalidations<keyof MutationResolvers, Loaders>;
