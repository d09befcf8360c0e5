import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestampMs } from '../shared/columns.ts';
import { eventCursorsTable } from '../shared/events/cursors.ts';
import { outboxEventsTable } from '../shared/events/outbox.ts';
import { idempotencyKeyColumns } from '../shared/idempotency.ts';
import type {
  FriendRequestStatus,
  GroupPaymentStatus,
  IouReminderKind,
  IouStatus,
} from './__generated__/resolvers-types.ts';

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  nickname: text('nickname').notNull(),
  avatarUrl: text('avatar_url'),
  realNameVerified: integer('real_name_verified', { mode: 'boolean' }).notNull().default(false),
  createdAt: timestampMs('created_at').notNull(),
});

/** One row per direction (a→b and b→a), so "a user's friends" is a plain indexed lookup and page. */
export const friendships = sqliteTable(
  'friendships',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    friendId: text('friend_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.friendId] }),
    index('friendships_friend_id_idx').on(t.friendId),
    index('friendships_user_created_idx').on(t.userId, t.createdAt),
  ],
);

export const friendRequests = sqliteTable(
  'friend_requests',
  {
    id: text('id').primaryKey(),
    fromUserId: text('from_user_id')
      .notNull()
      .references(() => users.id),
    toUserId: text('to_user_id')
      .notNull()
      .references(() => users.id),
    status: text('status').$type<FriendRequestStatus>().notNull(),
    createdAt: timestampMs('created_at').notNull(),
    respondedAt: timestampMs('responded_at'),
  },
  (t) => [
    index('friend_requests_from_idx').on(t.fromUserId, t.status),
    index('friend_requests_to_idx').on(t.toUserId, t.status),
    // At most one pending request per direction, even under concurrent requests.
    uniqueIndex('friend_requests_pending_uq').on(t.fromUserId, t.toUserId).where(sql`status = 'PENDING'`),
  ],
);

export const ious = sqliteTable(
  'ious',
  {
    id: text('id').primaryKey(),
    lenderId: text('lender_id')
      .notNull()
      .references(() => users.id),
    borrowerId: text('borrower_id')
      .notNull()
      .references(() => users.id),
    /** Who created the IOU; the other party confirms or declines it. */
    createdById: text('created_by_id')
      .notNull()
      .references(() => users.id),
    /** OVERDUE is stored by the overdue job; reads derive it before (see rules/iou-status.ts). */
    status: text('status').$type<IouStatus>().notNull(),
    principalFen: integer('principal_fen').notNull(),
    repaidFen: integer('repaid_fen').notNull().default(0),
    annualRateBps: integer('annual_rate_bps'),
    dueAt: timestampMs('due_at').notNull(),
    createdAt: timestampMs('created_at').notNull(),
    confirmedAt: timestampMs('confirmed_at'),
    declinedAt: timestampMs('declined_at'),
    repaidAt: timestampMs('repaid_at'),
  },
  (t) => [
    index('ious_lender_idx').on(t.lenderId, t.createdAt),
    index('ious_borrower_idx').on(t.borrowerId, t.createdAt),
    index('ious_status_due_idx').on(t.status, t.dueAt),
  ],
);

export const iouRepayments = sqliteTable(
  'iou_repayments',
  {
    id: text('id').primaryKey(),
    iouId: text('iou_id')
      .notNull()
      .references(() => ious.id),
    amountFen: integer('amount_fen').notNull(),
    paidAt: timestampMs('paid_at').notNull(),
  },
  (t) => [index('iou_repayments_iou_idx').on(t.iouId, t.paidAt)],
);

export const iouReminders = sqliteTable(
  'iou_reminders',
  {
    id: text('id').primaryKey(),
    iouId: text('iou_id')
      .notNull()
      .references(() => ious.id),
    kind: text('kind').$type<IouReminderKind>().notNull(),
    /** Which due date (or overdue period) the reminder is for, so a job re-run never sends it twice. */
    dueWindow: text('due_window').notNull(),
    sentAt: timestampMs('sent_at').notNull(),
  },
  (t) => [uniqueIndex('iou_reminders_window_uq').on(t.iouId, t.kind, t.dueWindow)],
);

export const groupPayments = sqliteTable(
  'group_payments',
  {
    id: text('id').primaryKey(),
    organizerId: text('organizer_id')
      .notNull()
      .references(() => users.id),
    title: text('title').notNull(),
    totalFen: integer('total_fen').notNull(),
    /** A store owned by the merchants subgraph; not a foreign key across databases. */
    storeId: text('store_id'),
    status: text('status').$type<GroupPaymentStatus>().notNull(),
    createdAt: timestampMs('created_at').notNull(),
    settledAt: timestampMs('settled_at'),
    cancelledAt: timestampMs('cancelled_at'),
  },
  (t) => [index('group_payments_organizer_idx').on(t.organizerId), index('group_payments_store_idx').on(t.storeId)],
);

export const groupPaymentShares = sqliteTable(
  'group_payment_shares',
  {
    groupPaymentId: text('group_payment_id')
      .notNull()
      .references(() => groupPayments.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    /** Join order, the organizer at 0: the remainder fen of the split go to the lowest positions. */
    position: integer('position').notNull(),
    amountFen: integer('amount_fen').notNull(),
    paidAt: timestampMs('paid_at'),
  },
  (t) => [
    uniqueIndex('group_payment_shares_member_uq').on(t.groupPaymentId, t.userId),
    uniqueIndex('group_payment_shares_position_uq').on(t.groupPaymentId, t.position),
    index('group_payment_shares_user_idx').on(t.userId),
  ],
);

/** Results of money-moving mutations, so a retried request with the same key returns the first result. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    // Unlike content and offers, social keys its table by a surrogate id with a unique (caller, key).
    id: integer('id').primaryKey({ autoIncrement: true }),
    ...idempotencyKeyColumns(),
  },
  (t) => [uniqueIndex('idempotency_keys_caller_key_uq').on(t.caller, t.key)],
);

/**
 * Replica of the merchants subgraph's stores (seeded from the same world, like content's `store_directory`),
 * so createGroupPayment refuses a store that does not exist instead of recording any `sto_` string.
 */
export const storeDirectory = sqliteTable('store_directory', {
  storeId: text('store_id').primaryKey(),
  merchantId: text('merchant_id').notNull(),
});

/** Events this subgraph publishes, written in the transaction of the change (shared/events/outbox.ts). */
export const outboxEvents = outboxEventsTable();

/** Per publisher, the last event applied to this subgraph's projections (shared/events/cursors.ts). */
export const eventCursors = eventCursorsTable();
