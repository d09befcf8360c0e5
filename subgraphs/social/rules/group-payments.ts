import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { UserActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import { invalidAmount, MAX_PERSONAL_FEN, splitEvenly } from '../../shared/money.ts';
import { invalidParticipants } from '../../shared/participants.ts';
import { characterCount, unsafeTextReason } from '../../shared/text.ts';
import type {
  CreateGroupPaymentInput,
  MutationCancelGroupPaymentArgs,
  PayGroupPaymentShareInput,
} from '../__generated__/resolvers-types.ts';
import type { GroupPaymentRow, SocialDb, SocialTx } from '../context.ts';
import { groupPaymentShares, groupPayments, storeDirectory } from '../tables.ts';
import { friendsAmong } from './friends.ts';

/** At most this many friends share one bill with the organizer. */
export const MAX_PARTICIPANTS = 49;
const MAX_TITLE_LENGTH = 100;

export interface GroupPaymentResult {
  groupPayment: GroupPaymentRow | null;
  userErrors: UserError[];
}

const failedWith = (userErrors: UserError[]): GroupPaymentResult => ({ groupPayment: null, userErrors });
const failed = (code: string, message: string, field: string[]) => failedWith([userError(code, message, field)]);

const refused = (error: UserError) => failedWith([error]);

function paymentById(tx: SocialTx, id: string): GroupPaymentRow | null {
  return tx.select().from(groupPayments).where(eq(groupPayments.id, id)).get() ?? null;
}

/** Every broken rule of a new group payment's input (one NOT_FRIENDS error per stranger), or none. */
function invalidInput(tx: SocialTx, organizerId: string, input: CreateGroupPaymentInput): UserError[] {
  const length = characterCount(input.title.trim());
  if (length === 0 || length > MAX_TITLE_LENGTH) {
    return [userError('INVALID_INPUT', `title must be 1 to ${MAX_TITLE_LENGTH} characters.`, ['input', 'title'])];
  }
  const unsafeTitle = unsafeTextReason('title', input.title);
  if (unsafeTitle) return [userError('INVALID_INPUT', unsafeTitle, ['input', 'title'])];
  const badTotal = invalidAmount(input.totalFen, 'totalFen', { max: MAX_PERSONAL_FEN });
  if (badTotal) return [badTotal];
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
  const badList = invalidParticipants(ids, {
    field: 'participantIds',
    callerId: organizerId,
    max: MAX_PARTICIPANTS,
    countMessage: `Share with 1 to ${MAX_PARTICIPANTS} friends (you are always included).`,
    whyNotSelf: 'you always take a share, do not list yourself',
    whyOnce: 'list each friend once',
  });
  if (badList) return [badList];
  const friends = friendsAmong(tx, organizerId, ids);
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
 * The user splits a bill AA with friends: one share each, the organizer first, by `splitEvenly` (the
 * remainder fen go one each in join order). Same key and input: the first group payment, nothing new.
 */
export function createGroupPayment(
  db: SocialDb,
  now: Date,
  organizer: UserActor,
  input: CreateGroupPaymentInput,
  options: RuleOptions = {},
): GroupPaymentResult {
  const organizerId = organizer.userId;
  const request = {
    title: input.title,
    totalFen: input.totalFen,
    participantIds: input.participantIds,
    storeId: input.storeId ?? null,
  };
  return idempotentTransaction(
    db,
    {
      actor: organizer,
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

/** The user pays their own share; the payment is SETTLED when the last share is paid. */
export function payGroupPaymentShare(
  db: SocialDb,
  now: Date,
  user: UserActor,
  input: PayGroupPaymentShareInput,
  options: RuleOptions = {},
): GroupPaymentResult {
  const request = { groupPaymentId: input.groupPaymentId };
  return idempotentTransaction(
    db,
    { actor: user, key: input.idempotencyKey, operation: 'payGroupPaymentShare', request, now },
    (tx) => ({
      entities: { groupPayment: groupPayments },
      refuse: refused,
      attempt: () => attemptPay(tx, now, user.userId, input.groupPaymentId, options),
    }),
  );
}

function attemptPay(
  tx: SocialTx,
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
  const participantIds = tx
    .select({ userId: groupPaymentShares.userId })
    .from(groupPaymentShares)
    .where(eq(groupPaymentShares.groupPaymentId, groupPaymentId))
    .all()
    .map((row) => row.userId);
  recordEvent(tx, {
    type: 'group_payment.share_paid',
    entityId: groupPaymentId,
    occurredAt: now,
    payload: {
      groupPaymentId,
      organizerId: payment.organizerId,
      payerId: userId,
      participantIds,
      amountFen: share.amountFen,
      settled: settled !== undefined,
      paidAt: now.toISOString(),
    },
  });
  return { groupPayment: settled ?? payment, userErrors: [] };
}

/**
 * The organizer cancels a group payment nobody has paid into yet (the organizer's own share counts: once
 * anyone paid, money moved and the split stands). Anyone outside it gets NOT_FOUND.
 */
export function cancelGroupPayment(
  db: SocialDb,
  now: Date,
  organizer: UserActor,
  { id }: MutationCancelGroupPaymentArgs,
): GroupPaymentResult {
  const userId = organizer.userId;
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
