import { and, eq, inArray, or } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { UserActor } from '../../shared/actors.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import type {
  FriendRequestStatus,
  MutationAcceptFriendRequestArgs,
  MutationRemoveFriendArgs,
  MutationRequestFriendArgs,
} from '../__generated__/resolvers-types.ts';
import type { FriendRequestRow, SocialDb, SocialTx, UserRow } from '../context.ts';
import { friendRequests, friendships, users } from '../tables.ts';

export interface FriendRequestResult {
  friendRequest: FriendRequestRow | null;
  userErrors: UserError[];
}

export interface RemoveFriendResult {
  user: UserRow | null;
  userErrors: UserError[];
}

const fail = (code: string, message: string, field: string[]): FriendRequestResult => ({
  friendRequest: null,
  userErrors: [userError(code, message, field)],
});

/** Which of `ids` are friends of `userId` (friendships are stored in both directions). */
export function friendsAmong(tx: SocialTx, userId: string, ids: readonly string[]): Set<string> {
  const rows = tx
    .select({ id: friendships.friendId })
    .from(friendships)
    .where(and(eq(friendships.userId, userId), inArray(friendships.friendId, [...ids])))
    .all();
  return new Set(rows.map((row) => row.id));
}

/** Whether a user (with a social profile) has this id. */
export function userExists(tx: SocialTx, id: string): boolean {
  return !!tx.select({ id: users.id }).from(users).where(eq(users.id, id)).get();
}

/** Stores the friendship in both directions; a repeat inserts nothing, so friend counts stay exact. */
function befriend(tx: SocialTx, a: string, b: string, now: Date): void {
  tx.insert(friendships)
    .values([
      { userId: a, friendId: b, createdAt: now },
      { userId: b, friendId: a, createdAt: now },
    ])
    .onConflictDoNothing()
    .run();
}

/** How a pending request ends: accepted or declined by its recipient, or cancelled by its sender. */
export type FriendRequestResponse = Exclude<FriendRequestStatus, 'PENDING'>;

/** Moves a pending request to ACCEPTED/DECLINED/CANCELLED; accepting also makes the two users friends. */
function settle(tx: SocialTx, request: FriendRequestRow, status: FriendRequestResponse, now: Date): FriendRequestRow {
  const updated = tx
    .update(friendRequests)
    .set({ status, respondedAt: now })
    .where(and(eq(friendRequests.id, request.id), eq(friendRequests.status, 'PENDING')))
    .returning()
    .get();
  if (status === 'ACCEPTED') befriend(tx, request.fromUserId, request.toUserId, now);
  return updated ?? request;
}

/** The user asks `userId` to be friends; if `userId` already asked them, that request is accepted instead. */
export function requestFriend(
  db: SocialDb,
  now: Date,
  user: UserActor,
  { userId }: MutationRequestFriendArgs,
): FriendRequestResult {
  const viewerId = user.userId;
  return db.transaction((tx) => {
    if (!userExists(tx, viewerId)) {
      return fail('NOT_FOUND', `Your account ${viewerId} has no social profile yet; sign in as an app user.`, []);
    }
    if (viewerId === userId)
      return fail('CANNOT_FRIEND_SELF', 'You cannot befriend yourself: pick another user.', ['userId']);
    if (!userExists(tx, userId)) return fail('NOT_FOUND', `No user ${userId}: check the id.`, ['userId']);
    if (friendsAmong(tx, viewerId, [userId]).has(userId)) {
      return fail('ALREADY_FRIENDS', `You and ${userId} are already friends; nothing to do.`, ['userId']);
    }
    const pending = tx
      .select()
      .from(friendRequests)
      .where(
        and(
          eq(friendRequests.status, 'PENDING'),
          or(
            and(eq(friendRequests.fromUserId, viewerId), eq(friendRequests.toUserId, userId)),
            and(eq(friendRequests.fromUserId, userId), eq(friendRequests.toUserId, viewerId)),
          ),
        ),
      )
      .all();
    const theirs = pending.find((r) => r.fromUserId === userId);
    if (theirs) return { friendRequest: settle(tx, theirs, 'ACCEPTED', now), userErrors: [] };
    if (pending.length > 0) {
      return fail('REQUEST_PENDING', `You already asked ${userId}; wait for them to respond or cancel it.`, ['userId']);
    }
    const created = tx
      .insert(friendRequests)
      .values({ id: newId('frq'), fromUserId: viewerId, toUserId: userId, status: 'PENDING', createdAt: now })
      .returning()
      .get();
    recordEvent(tx, {
      type: 'friend_request.received',
      entityId: created.id,
      occurredAt: now,
      payload: { requestId: created.id, fromUserId: viewerId, toUserId: userId, sentAt: now.toISOString() },
    });
    return { friendRequest: created, userErrors: [] };
  });
}

/**
 * Accepts or declines (recipient only) or cancels (sender only) a pending request. A request the user may
 * not act on is reported as NOT_FOUND, so ids of other people's requests reveal nothing.
 */
export function respondToFriendRequest(
  db: SocialDb,
  now: Date,
  user: UserActor,
  { requestId, response }: MutationAcceptFriendRequestArgs & { response: FriendRequestResponse },
): FriendRequestResult {
  return db.transaction((tx) => {
    const request = tx.select().from(friendRequests).where(eq(friendRequests.id, requestId)).get();
    const responder = response === 'CANCELLED' ? request?.fromUserId : request?.toUserId;
    if (!request || responder !== user.userId) {
      const whose = response === 'CANCELLED' ? 'sent by you' : 'sent to you';
      return fail('NOT_FOUND', `No friend request ${requestId} ${whose}: list them with friendRequests.`, [
        'requestId',
      ]);
    }
    if (request.status !== 'PENDING') {
      return fail('NOT_PENDING', `This request is already ${request.status.toLowerCase()}; nothing to do.`, [
        'requestId',
      ]);
    }
    return { friendRequest: settle(tx, request, response, now), userErrors: [] };
  });
}

/** Ends the friendship between the user and `userId`, for both of them (at any time: `now` is not recorded). */
export function removeFriend(
  db: SocialDb,
  _now: Date,
  user: UserActor,
  { userId }: MutationRemoveFriendArgs,
): RemoveFriendResult {
  const viewerId = user.userId;
  return db.transaction((tx) => {
    const user = tx.select().from(users).where(eq(users.id, userId)).get();
    if (!user)
      return { user: null, userErrors: [userError('NOT_FOUND', `No user ${userId}: check the id.`, ['userId'])] };
    const removed = tx
      .delete(friendships)
      .where(
        or(
          and(eq(friendships.userId, viewerId), eq(friendships.friendId, userId)),
          and(eq(friendships.userId, userId), eq(friendships.friendId, viewerId)),
        ),
      )
      .run();
    if (removed.changes === 0) {
      return {
        user: null,
        userErrors: [userError('NOT_FRIENDS', `You and ${userId} are not friends; nothing to remove.`, ['userId'])],
      };
    }
    return { user, userErrors: [] };
  });
}
