import { and, count, eq, sql } from 'drizzle-orm';
import type { GraphQLError } from 'graphql';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeSocial } from '../../seeds/write-social.ts';
import { ANONYMOUS } from '../../subgraphs/contract/identity.ts';
import { asUser } from '../../subgraphs/shared/actors.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { assertIouParty } from '../../subgraphs/social/access.ts';
import type { SocialDb } from '../../subgraphs/social/context.ts';
import { social } from '../../subgraphs/social/index.ts';
import { removeFriend, requestFriend, respondToFriendRequest } from '../../subgraphs/social/rules/friends.ts';
import { iouStatus, iouStatusCondition } from '../../subgraphs/social/rules/iou-status.ts';
import { friendRequests, friendships, groupPaymentShares, groupPayments, ious } from '../../subgraphs/social/tables.ts';
import { ALICE, BOB, CAROL, partner, user } from '../support/identities.ts';
import { testDataDir } from '../support/temp.ts';

const NOW = SEED_EPOCH;
const world = buildWorld(1);
let db: SocialDb;

beforeEach(() => {
  const database = openSubgraphDatabase(social, testDataDir('lg-'));
  writeSocial(database.db, world);
  db = database.db;
});

const friendCount = (userId: string) =>
  db.select({ n: count() }).from(friendships).where(eq(friendships.userId, userId)).get()?.n;
const areFriends = (a: string, b: string) =>
  db
    .select()
    .from(friendships)
    .where(and(eq(friendships.userId, a), eq(friendships.friendId, b)))
    .all().length === 1 &&
  db
    .select()
    .from(friendships)
    .where(and(eq(friendships.userId, b), eq(friendships.friendId, a)))
    .all().length === 1;
const codes = (r: { userErrors: { code: string }[] }) => r.userErrors.map((e) => e.code);

describe('requestFriend', () => {
  it('reports unknown users, yourself and existing friends, changing nothing', () => {
    const before = db.select({ n: count() }).from(friendRequests).get()?.n;
    expect(codes(requestFriend(db, NOW, asUser(ALICE), { userId: 'usr_nobody' }))).toEqual(['NOT_FOUND']);
    expect(codes(requestFriend(db, NOW, asUser(ALICE), { userId: 'usr_alice' }))).toEqual(['CANNOT_FRIEND_SELF']);
    expect(codes(requestFriend(db, NOW, asUser(ALICE), { userId: 'usr_bob' }))).toEqual(['ALREADY_FRIENDS']);
    expect(codes(requestFriend(db, NOW, asUser(user('usr_ghost')), { userId: 'usr_bob' }))).toEqual(['NOT_FOUND']);
    expect(db.select({ n: count() }).from(friendRequests).get()?.n).toBe(before);
  });

  it('creates one pending request; a repeat is REQUEST_PENDING', () => {
    const first = requestFriend(db, NOW, asUser(ALICE), { userId: 'usr_carol' });
    expect(first.userErrors).toEqual([]);
    expect(first.friendRequest).toMatchObject({ fromUserId: 'usr_alice', toUserId: 'usr_carol', status: 'PENDING' });
    expect(first.friendRequest?.id).toMatch(/^frq_/);
    expect(codes(requestFriend(db, NOW, asUser(ALICE), { userId: 'usr_carol' }))).toEqual(['REQUEST_PENDING']);
    const pending = db.select().from(friendRequests).where(eq(friendRequests.fromUserId, 'usr_alice')).all();
    expect(pending).toHaveLength(1);
  });

  it('accepts the other user’s pending request instead of sending a second one', () => {
    const aliceFriends = friendCount('usr_alice');
    const result = requestFriend(db, NOW, asUser(ALICE), { userId: 'usr_0004' });
    expect(result.userErrors).toEqual([]);
    expect(result.friendRequest).toMatchObject({ id: 'frq_0004_alice', status: 'ACCEPTED', respondedAt: NOW });
    expect(areFriends('usr_alice', 'usr_0004')).toBe(true);
    expect(friendCount('usr_alice')).toBe((aliceFriends ?? 0) + 1);
    expect(codes(requestFriend(db, NOW, asUser(user('usr_0004')), { userId: 'usr_alice' }))).toEqual([
      'ALREADY_FRIENDS',
    ]);
    expect(friendCount('usr_alice')).toBe((aliceFriends ?? 0) + 1);
  });
});

describe('respondToFriendRequest', () => {
  it('lets only the recipient accept, once; friend counts move by exactly one', () => {
    const before = { alice: friendCount('usr_alice'), requester: friendCount('usr_0004') };
    const input = { requestId: 'frq_0004_alice', response: 'ACCEPTED' as const };
    expect(codes(respondToFriendRequest(db, NOW, asUser(BOB), input))).toEqual(['NOT_FOUND']);
    expect(codes(respondToFriendRequest(db, NOW, asUser(user('usr_0004')), input))).toEqual(['NOT_FOUND']);
    const accepted = respondToFriendRequest(db, NOW, asUser(ALICE), input);
    expect(accepted.friendRequest).toMatchObject({ status: 'ACCEPTED' });
    expect(codes(respondToFriendRequest(db, NOW, asUser(ALICE), input))).toEqual(['NOT_PENDING']);
    expect(friendCount('usr_alice')).toBe((before.alice ?? 0) + 1);
    expect(friendCount('usr_0004')).toBe((before.requester ?? 0) + 1);
  });

  it('declines without making friends, and reports unknown ids', () => {
    const declined = respondToFriendRequest(db, NOW, asUser(ALICE), {
      requestId: 'frq_0004_alice',
      response: 'DECLINED',
    });
    expect(declined.friendRequest).toMatchObject({ status: 'DECLINED', respondedAt: NOW });
    expect(areFriends('usr_alice', 'usr_0004')).toBe(false);
    expect(
      codes(respondToFriendRequest(db, NOW, asUser(ALICE), { requestId: 'frq_none', response: 'DECLINED' })),
    ).toEqual(['NOT_FOUND']);
  });

  it('lets only the sender cancel', () => {
    const input = { requestId: 'frq_0004_alice', response: 'CANCELLED' as const };
    expect(codes(respondToFriendRequest(db, NOW, asUser(ALICE), input))).toEqual(['NOT_FOUND']);
    expect(respondToFriendRequest(db, NOW, asUser(user('usr_0004')), input).friendRequest?.status).toBe('CANCELLED');
  });
});

describe('removeFriend', () => {
  it('removes both directions once; repeats are NOT_FRIENDS', () => {
    const before = { alice: friendCount('usr_alice') ?? 0, bob: friendCount('usr_bob') ?? 0 };
    const removed = removeFriend(db, NOW, asUser(ALICE), { userId: 'usr_bob' });
    expect(removed).toMatchObject({ user: { id: 'usr_bob' }, userErrors: [] });
    expect(areFriends('usr_alice', 'usr_bob')).toBe(false);
    expect(codes(removeFriend(db, NOW, asUser(ALICE), { userId: 'usr_bob' }))).toEqual(['NOT_FRIENDS']);
    expect(codes(removeFriend(db, NOW, asUser(ALICE), { userId: 'usr_nobody' }))).toEqual(['NOT_FOUND']);
    expect(friendCount('usr_alice')).toBe(before.alice - 1);
    expect(friendCount('usr_bob')).toBe(before.bob - 1);
  });
});

describe('IOU status', () => {
  const iou = {
    status: 'ACTIVE' as const,
    dueAt: new Date('2026-12-01T00:00:00Z'),
    principalFen: 1000,
    repaidFen: 400,
  };
  it('is OVERDUE only when active, past due and not fully repaid', () => {
    expect(iouStatus(iou, new Date('2026-11-30T00:00:00Z'))).toBe('ACTIVE');
    expect(iouStatus(iou, new Date('2026-12-02T00:00:00Z'))).toBe('OVERDUE');
    expect(iouStatus({ ...iou, repaidFen: 1000 }, new Date('2026-12-02T00:00:00Z'))).toBe('ACTIVE');
    expect(iouStatus({ ...iou, status: 'PENDING' }, new Date('2026-12-02T00:00:00Z'))).toBe('PENDING');
  });

  it('has a SQL filter that agrees with the function', () => {
    const later = new Date(SEED_EPOCH.getTime() + 4000 * 86_400_000);
    for (const now of [NOW, later]) {
      for (const status of ['PENDING', 'ACTIVE', 'OVERDUE', 'REPAID', 'DECLINED'] as const) {
        const viaSql = db.select().from(ious).where(iouStatusCondition(status, now)).all();
        const viaFunction = db
          .select()
          .from(ious)
          .all()
          .filter((row) => iouStatus(row, now) === status);
        expect(viaSql.map((r) => r.id).sort()).toEqual(viaFunction.map((r) => r.id).sort());
      }
    }
    expect(db.select().from(ious).where(iouStatusCondition('OVERDUE', later)).all()).toHaveLength(2);
  });
});

describe('seed writer', () => {
  it('keeps repaid amounts and AA shares consistent with the world', () => {
    expect(db.select().from(ious).where(eq(ious.id, 'iou_bob_carol')).get()).toMatchObject({
      principalFen: 50_000,
      repaidFen: 10_000,
      status: 'ACTIVE',
    });
    const shares = db
      .select()
      .from(groupPaymentShares)
      .where(eq(groupPaymentShares.groupPaymentId, 'gpy_bob_kfc'))
      .orderBy(groupPaymentShares.position)
      .all();
    expect(shares.map((s) => [s.userId, s.amountFen, s.paidAt !== null])).toEqual([
      ['usr_bob', 5267, true],
      ['usr_alice', 5267, false],
      ['usr_carol', 5266, false],
    ]);
    const mismatched = db
      .select({ id: groupPayments.id })
      .from(groupPayments)
      .where(
        sql`${groupPayments.totalFen} <> (select sum(amount_fen) from group_payment_shares where group_payment_id = ${groupPayments.id})`,
      )
      .all();
    expect(mismatched).toEqual([]);
    // Friendships are stored in both directions.
    expect(areFriends('usr_bob', 'usr_carol')).toBe(true);
  });
});

describe('access', () => {
  const codeOf = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      return (e as GraphQLError).extensions.code;
    }
    return null;
  };
  it('shows an IOU to its parties only', () => {
    const iou = { lenderId: 'usr_bob', borrowerId: 'usr_carol' };
    expect(codeOf(() => assertIouParty(asUser(BOB), iou))).toBeNull();
    expect(codeOf(() => assertIouParty(asUser(CAROL), iou))).toBeNull();
    expect(codeOf(() => assertIouParty(asUser(ALICE), iou))).toBe('FORBIDDEN');
    expect(codeOf(() => asUser(ANONYMOUS))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => asUser(partner('key_1', [], [])))).toBe('UNAUTHENTICATED');
  });
});
