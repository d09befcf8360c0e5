import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import { splitEvenly } from '../../shared/money.ts';
import { characterCount, unsafeTextReason } from '../../shared/text.ts';
import type { GroupPaymentRow, SocialDb } from '../context.ts';
import { friendships, groupPaymentShares, groupPayments, storeDirectory } from '../tables.ts';
import { isValidAmount, MAX_AMOUNT_FEN } from './amounts.ts';

/** At most this many friends share one bill with the organizer. */
export const MAX_PARTICIPANTS = 49;
const MAX_TITLE_LENGTH = 100;

export interface GroupPaymentResult {
  groupPayment: GroupPaymentRow | null;
  userErrors: UserError[];
}

export interface CreateGroupPaymentInput {
  title: string;
  totalFen: number;
  /** The organizer's friends who share the bill, in join order; the organizer is added first. */
  participantIds: string[];
  storeId?: string | null;
  idempotencyKey: string;
}

export interface PayGroupPaymentShareInput {
  groupPaymentId: string;
  idempotencyKey: string;
}

const failedWith = (userErrors: UserError[]): GroupPaymentResult => ({ groupPayment: null, userErrors });
const failed = (code: string, message: string, field: string[]) => failedWith([userError(code, message, field)]);

const refused = (error: UserError) => failedWith([error]);

function paymentById(tx: SocialDb, id: string): GroupPaymentRow | null {
  return tx.select().from(groupPayments).where(eq(groupPayments.id, id)).get() ?? null;
}

/** Every broken rule of a new group payment's input (one NOT_FRIENDS error per stranger), or none. */
function invalidInput(tx: SocialDb, organizerId: string, input: CreateGroupPaymentInput): UserError[] {
  const length = characterCount(input.title.trim());
  if (length === 0 || length > MAX_TITLE_LENGTH) {
    return [userError('INVALID_INPUT', `title must be 1 to ${MAX_TITLE_LENGTH} characters.`, ['input', 'title'])];
  }
  const unsafeTitle = unsafeTextReason('title', input.title);
  if (unsafeTitle) return [userError('INVALID_INPUT', unsafeTitle, ['input', 'title'])];
  if (!isValidAmount(input.totalFen)) {
    return [
      userError('INVALID_INPUT', `totalFen must be a whole number of fen from 1 to ${MAX_AMOUNT_FEN}.`, [
        'input',
        'totalFen',
      ]),
    ];
  }
  const { storeId } = input;
  if (storeId != null && !tx.select().from(storeDirectory).where(eq(storeDirectory.storeId, storeId)).get()) {
    return [
      userError('NOT_FOUND', `No store ${storeId}: give the id of a real store (sto_...), or leave storeId out.`, [
        'input',
        'storeId',
      ]),
    ];
  }
  const ids = input.participantIds;
  if (ids.length === 0 || ids.length > MAX_PARTICIPANTS) {
    return [
      userError('INVALID_INPUT', `Share with 1 to ${MAX_PARTICIPANTS} friends (you are always included).`, [
        'input',
        'participantIds',
      ]),
    ];
  }
  const seen = new Set<string>([organizerId]);
  for (const [i, id] of ids.entries()) {
    if (seen.has(id)) {
      const why = id === organizerId ? 'you always take a share, do not list yourself' : 'list each friend once';
      return [
        userError('DUPLICATE_PARTICIPANT', `${id} is listed twice: ${why}.`, ['input', 'participantIds', `${i}`]),
      ];
    }
    seen.add(id);
  }
  const friends = new Set(
    tx
      .select({ id: friendships.friendId })
      .from(friendships)
      .where(and(eq(friendships.userId, organizerId), inArray(friendships.friendId, ids)))
      .all()
      .map((row) => row.id),
  );
  return ids.flatMap((id, i) =>
    friends.has(id)
      ? []
      : [
          userError('NOT_FRIENDS', `${id} is not your friend: split bills with friends only.`, [
            'input',
            'participantIds',
            `${i}`,
          ]),
        ],
  );
}

/**
 * The caller splits a bill AA with friends: one share each, the organizer first, by `splitEvenly` (the
 * remainder fen go one each in join order). Same key and input: the first group payment, nothing new.
 */
export function createGroupPayment(
  db: SocialDb,
  now: Date,
  organizerId: string,
  input: CreateGroupPaymentInput,
  options: RuleOptions = {},
): GroupPaymentResult {
  const request = {
    title: input.title,
    totalFen: input.totalFen,
    participantIds: input.participantIds,
    storeId: input.storeId ?? null,
  };
  return idempotentTransaction(
    db,
    {
      actor: { kind: 'user', userId: organizerId },
      key: input.idempotencyKey,
      operation: 'createGroupPayment',
      request,
      now,
    },
    (tx) => ({
      entities: { groupPayment: groupPayments },
      refuse: refused,
      attempt: () => {
        const errors = invalidInput(tx, organizerId, input);
        if (errors.length > 0) return failedWith(errors);
        const payment = tx
          .insert(groupPayments)
          .values({
            id: newId('gpy'),
            organizerId,
            title: input.title.trim(),
            totalFen: input.totalFen,
            storeId: request.storeId,
            status: 'OPEN',
            createdAt: now,
          })
          .returning()
          .get();
        options.afterStep?.('group-payment-inserted');
        const members = [organizerId, ...input.participantIds];
        const amounts = splitEvenly(input.totalFen, members.length);
        tx.insert(groupPaymentShares)
          .values(
            members.map((userId, position) => ({
              groupPaymentId: payment.id,
              userId,
              position,
              // splitEvenly returns exactly one amount per member.
              amountFen: amounts[position] as number,
            })),
          )
          .run();
        return { groupPayment: payment, userErrors: [] };
      },
    }),
  );
}

/** The caller pays their own share; the payment is SETTLED when the last share is paid. */
export function payGroupPaymentShare(
  db: SocialDb,
  now: Date,
  userId: string,
  input: PayGroupPaymentShareInput,
  options: RuleOptions = {},
): GroupPaymentResult {
  const request = { groupPaymentId: input.groupPaymentId };
  return idempotentTransaction(
    db,
    { actor: { kind: 'user', userId }, key: input.idempotencyKey, operation: 'payGroupPaymentShare', request, now },
    (tx) => ({
      entities: { groupPayment: groupPayments },
      refuse: refused,
      attempt: () => attemptPay(tx, now, userId, input.groupPaymentId, options),
    }),
  );
}

function attemptPay(
  tx: SocialDb,
  now: Date,
  userId: string,
  groupPaymentId: string,
  options: RuleOptions,
): GroupPaymentResult {
  const field = ['input', 'groupPaymentId'];
  const payment = paymentById(tx, groupPaymentId);
  const share = tx
    .select()
    .from(groupPaymentShares)
    .where(and(eq(groupPaymentShares.groupPaymentId, groupPaymentId), eq(groupPaymentShares.userId, userId)))
    .get();
  if (!payment || !share) {
    return failed('NOT_FOUND', `No group payment ${groupPaymentId} with a share of yours: check the id.`, field);
  }
  if (share.paidAt) return failed('ALREADY_PAID', 'Your share is already paid; nothing to do.', field);
  if (payment.status !== 'OPEN') {
    return failed('NOT_OPEN', `This group payment is ${payment.status.toLowerCase()}: nothing can be paid.`, field);
  }
  // Conditional on the share being unpaid, so two requests with different keys pay it once.
  const paid = tx
    .update(groupPaymentShares)
    .set({ paidAt: now })
    .where(
      and(
        eq(groupPaymentShares.groupPaymentId, groupPaymentId),
        eq(groupPaymentShares.userId, userId),
        isNull(groupPaymentShares.paidAt),
      ),
    )
    .run();
  if (paid.changes === 0) return failed('ALREADY_PAID', 'Your share is already paid; nothing to do.', field);
  options.afterStep?.('share-paid');
  const settled = tx
    .update(groupPayments)
    .set({ status: 'SETTLED', settledAt: now })
    .where(
      and(
        eq(groupPayments.id, groupPaymentId),
        eq(groupPayments.status, 'OPEN'),
        sql`not exists (select 1 from ${groupPaymentShares}
              where ${groupPaymentShares.groupPaymentId} = ${groupPaymentId} and ${groupPaymentShares.paidAt} is null)`,
      ),
    )
    .returning()
    .get();
  return { groupPayment: settled ?? payment, userErrors: [] };
}

/**
 * The organizer cancels a group payment nobody has paid into yet (the organizer's own share counts: once
 * anyone paid, money moved and the split stands). Anyone outside it gets NOT_FOUND.
 */
export function cancelGroupPayment(db: SocialDb, now: Date, userId: string, id: string): GroupPaymentResult {
  return db.transaction(
    (tx) => {
      const payment = paymentById(tx, id);
      const member = tx
        .select({ userId: groupPaymentShares.userId })
        .from(groupPaymentShares)
        .where(and(eq(groupPaymentShares.groupPaymentId, id), eq(groupPaymentShares.userId, userId)))
        .get();
      if (!payment || !member) return failed('NOT_FOUND', `No group payment ${id} of yours: check the id.`, ['id']);
      if (payment.organizerId !== userId) {
        return failed('NOT_ORGANIZER', 'Only the organizer cancels a group payment: ask them.', ['id']);
      }
      if (payment.status !== 'OPEN') {
        return failed('NOT_OPEN', `This group payment is already ${payment.status.toLowerCase()}.`, ['id']);
      }
      const paid = tx
        .select({ userId: groupPaymentShares.userId })
        .from(groupPaymentShares)
        .where(and(eq(groupPaymentShares.groupPaymentId, id), isNotNull(groupPaymentShares.paidAt)))
        .all();
      if (paid.length > 0) {
        return failed(
          'SHARE_ALREADY_PAID',
          `${paid.map((s) => s.userId).join(', ')} already paid: a group payment with payments cannot be cancelled.`,
          ['id'],
        );
      }
      const cancelled = tx
        .update(groupPayments)
        .set({ status: 'CANCELLED', cancelledAt: now })
        .where(and(eq(groupPayments.id, id), eq(groupPayments.status, 'OPEN')))
        .returning()
        .get();
      return { groupPayment: cancelled ?? payment, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}
