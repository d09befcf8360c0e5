import DataLoader from 'dataloader';
import { and, asc, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { selectChildPage } from '../shared/child-page-query.ts';
import { childPageLoader, groupLoader, loaderPerFilter, rowByIdLoader } from '../shared/connection.ts';
import type { Clock } from '../shared/context.ts';
import type { Invalidations } from '../shared/invalidations.ts';
import type { MutationResolvers } from './__generated__/resolvers-types.ts';
import type { SocialDb } from './context.ts';
import { type IouStatus, iouStatusCondition } from './rules/iou-status.ts';
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

/** A row of a paged relation whose nodes are then fetched through an entity loader. */
export interface ChildRef {
  parentId: string;
  id: string;
}

/** Keys of `viewerIsFriendOf`: is `viewerId` a friend of `userId`? */
export interface FriendPair {
  viewerId: string;
  userId: string;
}

/** Pages `rows` (each with parent_id, id and the sort columns) per parent with row_number(): one statement. */
function pageRanked(db: SocialDb, rows: SQL, orderBy: SQL, offset: number, limit: number): ChildRef[] {
  return db.all<ChildRef>(sql`
    select parent_id as parentId, id from (
      select parent_id, id, row_number() over (partition by parent_id order by ${orderBy}) as rn from (${rows})
    ) where rn > ${offset} and rn <= ${offset + limit} order by parent_id, rn`);
}

/** A fresh set of DataLoaders for one request. */
export function createLoaders(db: SocialDb, clock: Clock) {
  // Each status filter is its own loader, so `ious(status: X)` for many users is still one statement.
  const iousByUserId = loaderPerFilter((status: IouStatus | null) => {
    const where = status ? iouStatusCondition(status, clock.now()) : undefined;
    return childPageLoader<ChildRef>(
      (userIds, offset, limit) => {
        const side = (column: SQLiteColumn) =>
          sql`select ${column} as parent_id, ${ious.id} as id, ${ious.createdAt} as created_at from ${ious}
            where ${and(inArray(column, [...userIds]), where)}`;
        return pageRanked(
          db,
          sql`${side(ious.lenderId)} union all ${side(ious.borrowerId)}`,
          sql`created_at desc, id desc`,
          offset,
          limit,
        );
      },
      (row) => row.parentId,
    );
  });

  return {
    userById: rowByIdLoader(db, users),
    friendRequestById: rowByIdLoader(db, friendRequests),
    iouById: rowByIdLoader(db, ious),
    groupPaymentById: rowByIdLoader(db, groupPayments),
    /** Friend ids of each user, most recent friendship first. */
    friendsByUserId: childPageLoader<ChildRef>(
      (userIds, offset, limit) =>
        selectChildPage(db, {
          table: friendships,
          parentColumn: friendships.userId,
          orderBy: sql`${friendships.createdAt} desc, ${friendships.friendId}`,
          parentIds: userIds,
          offset,
          limit,
        }).map((row) => ({ parentId: row.userId, id: row.friendId })),
      (row) => row.parentId,
    ),
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
    /** IOU ids where the user is lender or borrower, newest first, optionally of one status. */
    iousByUserId,
    /** Group payment ids the user organized or shares in (the organizer always has a share), newest first. */
    groupPaymentsByUserId: childPageLoader<ChildRef>(
      (userIds, offset, limit) =>
        pageRanked(
          db,
          sql`select ${groupPaymentShares.userId} as parent_id, ${groupPayments.id} as id,
                ${groupPayments.createdAt} as created_at
              from ${groupPaymentShares} join ${groupPayments}
                on ${groupPayments.id} = ${groupPaymentShares.groupPaymentId}
              where ${inArray(groupPaymentShares.userId, [...userIds])}`,
          sql`created_at desc, id desc`,
          offset,
          limit,
        ),
      (row) => row.parentId,
    ),
    /** Pending requests sent to each user, newest first. */
    pendingRequestsByRecipientId: pendingRequests(db, 'toUserId'),
    /** Pending requests each user sent, newest first. */
    pendingRequestsBySenderId: pendingRequests(db, 'fromUserId'),
    repaymentsByIouId: groupLoader(
      (iouIds) =>
        db
          .select()
          .from(iouRepayments)
          .where(inArray(iouRepayments.iouId, [...iouIds]))
          .orderBy(asc(iouRepayments.paidAt), asc(iouRepayments.id))
          .all(),
      (row) => row.iouId,
    ),
    remindersByIouId: groupLoader(
      (iouIds) =>
        db
          .select()
          .from(iouReminders)
          .where(inArray(iouReminders.iouId, [...iouIds]))
          .orderBy(asc(iouReminders.sentAt), asc(iouReminders.id))
          .all(),
      (row) => row.iouId,
    ),
    /** Shares of each group payment in join order, the organizer first. */
    sharesByGroupPaymentId: groupLoader(
      (ids) =>
        db
          .select()
          .from(groupPaymentShares)
          .where(inArray(groupPaymentShares.groupPaymentId, [...ids]))
          .orderBy(asc(groupPaymentShares.groupPaymentId), asc(groupPaymentShares.position))
          .all(),
      (row) => row.groupPaymentId,
    ),
  };
}

function pendingRequests(db: SocialDb, party: 'toUserId' | 'fromUserId') {
  return childPageLoader(
    (userIds, offset, limit) =>
      selectChildPage(db, {
        table: friendRequests,
        parentColumn: friendRequests[party],
        orderBy: sql`${friendRequests.createdAt} desc, ${friendRequests.id} desc`,
        where: eq(friendRequests.status, 'PENDING'),
        parentIds: userIds,
        offset,
        limit,
      }),
    (row) => row[party],
  );
}

export type Loaders = ReturnType<typeof createLoaders>;

const friendRequestLists = ['friendRequestById', 'pendingRequestsByRecipientId', 'pendingRequestsBySenderId'] as const;
const friendLists = ['friendsByUserId', 'friendCountByUserId', 'viewerIsFriendOf'] as const;

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
  createGroupPayment: ['groupPaymentsByUserId', 'sharesByGroupPaymentId'],
  payGroupPaymentShare: ['groupPaymentById', 'sharesByGroupPaymentId'],
  cancelGroupPayment: ['groupPaymentById', 'sharesByGroupPaymentId'],
} satisfies Invalidations<keyof MutationResolvers, Loaders>;
