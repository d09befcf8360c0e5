import { and, eq, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import type { IouRow, SocialDb } from '../context.ts';
import { friendships, iouRepayments, ious, users } from '../tables.ts';
import { findPrior, invalidKey, requestHash, savePrior } from './idempotency.ts';

/** The highest annual rate an IOU may carry: 24% (2400 bps). */
export const MAX_ANNUAL_RATE_BPS = 2400;

export interface IouResult {
  iou: IouRow | null;
  userErrors: UserError[];
}

export interface RepayIouResult extends IouResult {
  repayment: typeof iouRepayments.$inferSelect | null;
}

export interface CreateIouInput {
  lenderId: string;
  borrowerId: string;
  principalFen: number;
  annualRateBps?: number | null;
  dueDate: Date;
  idempotencyKey: string;
}

export interface RepayIouInput {
  iouId: string;
  amountFen: number;
  idempotencyKey: string;
}

const failed = (code: string, message: string, field: string[]) => ({
  iou: null,
  userErrors: [userError(code, message, field)],
});

function iouById(tx: SocialDb, id: string): IouRow | undefined {
  return tx.select().from(ious).where(eq(ious.id, id)).get();
}

/** Checks a new IOU's terms; the first broken rule, or null. */
function invalidTerms(tx: SocialDb, now: Date, viewerId: string, input: CreateIouInput): IouResult | null {
  const { lenderId, borrowerId } = input;
  if (viewerId !== lenderId && viewerId !== borrowerId) {
    return failed('NOT_A_PARTY', 'You can only record an IOU you lend or borrow: set lenderId or borrowerId to you.', [
      'input',
    ]);
  }
  if (lenderId === borrowerId) {
    return failed('CANNOT_LEND_TO_SELF', 'Lender and borrower must be two different people.', ['input', 'borrowerId']);
  }
  const other = viewerId === lenderId ? borrowerId : lenderId;
  const otherField = ['input', viewerId === lenderId ? 'borrowerId' : 'lenderId'];
  if (!tx.select({ id: users.id }).from(users).where(eq(users.id, other)).get()) {
    return failed('NOT_FOUND', `No user ${other}: check the id.`, otherField);
  }
  const friends = tx
    .select({ id: friendships.userId })
    .from(friendships)
    .where(and(eq(friendships.userId, viewerId), eq(friendships.friendId, other)))
    .get();
  if (!friends) return failed('NOT_FRIENDS', `IOUs are between friends: befriend ${other} first.`, otherField);
  if (!Number.isSafeInteger(input.principalFen) || input.principalFen <= 0) {
    return failed('INVALID_AMOUNT', 'principalFen must be a positive whole number of fen.', ['input', 'principalFen']);
  }
  const rate = input.annualRateBps;
  if (rate != null && (!Number.isInteger(rate) || rate < 0 || rate > MAX_ANNUAL_RATE_BPS)) {
    return failed('INVALID_RATE', `annualRateBps must be between 0 and ${MAX_ANNUAL_RATE_BPS} (24%).`, [
      'input',
      'annualRateBps',
    ]);
  }
  if (input.dueDate.getTime() <= now.getTime()) {
    return failed('INVALID_DUE_DATE', 'dueDate must be in the future.', ['input', 'dueDate']);
  }
  return null;
}

/** Records an IOU between the viewer and a friend; it is PENDING until the other party confirms it. */
export function createIou(db: SocialDb, now: Date, viewerId: string, input: CreateIouInput): IouResult {
  const badKey = invalidKey(input.idempotencyKey);
  if (badKey) return { iou: null, userErrors: [badKey] };
  const { idempotencyKey: key, ...request } = { ...input, annualRateBps: input.annualRateBps ?? null };
  const entry = { caller: viewerId, key, operation: 'createIou', hash: requestHash('createIou', request) };
  return db.transaction(
    (tx) => {
      const prior = findPrior<{ iouId: string }>(tx, entry);
      if (prior && 'reused' in prior) return { iou: null, userErrors: [prior.reused] };
      if (prior) return { iou: iouById(tx, prior.response.iouId) ?? null, userErrors: [] };
      const invalid = invalidTerms(tx, now, viewerId, input);
      if (invalid) return invalid;
      const iou = tx
        .insert(ious)
        .values({
          id: newId('iou'),
          lenderId: input.lenderId,
          borrowerId: input.borrowerId,
          createdById: viewerId,
          status: 'PENDING',
          principalFen: input.principalFen,
          repaidFen: 0,
          annualRateBps: request.annualRateBps,
          dueAt: input.dueDate,
          createdAt: now,
        })
        .returning()
        .get();
      savePrior(tx, { ...entry, response: { iouId: iou.id }, now });
      return { iou, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}

/**
 * The party who did not create a pending IOU confirms (ACTIVE) or declines (DECLINED) it. Anyone else gets
 * NOT_FOUND, so ids of other people's IOUs reveal nothing.
 */
export function respondToIou(
  db: SocialDb,
  now: Date,
  viewerId: string,
  input: { iouId: string; response: 'ACTIVE' | 'DECLINED' },
): IouResult {
  return db.transaction(
    (tx) => {
      const iou = iouById(tx, input.iouId);
      const isParty = iou && (iou.lenderId === viewerId || iou.borrowerId === viewerId);
      if (!iou || !isParty) return failed('NOT_FOUND', `No IOU ${input.iouId} of yours: check the id.`, ['iouId']);
      if (iou.createdById === viewerId) {
        return failed('NOT_COUNTERPARTY', 'You created this IOU: the other party confirms or declines it.', ['iouId']);
      }
      if (iou.status !== 'PENDING') {
        return failed('NOT_PENDING', `This IOU is already ${iou.status.toLowerCase()}; nothing to do.`, ['iouId']);
      }
      const changes = input.response === 'ACTIVE' ? { confirmedAt: now } : { declinedAt: now };
      const updated = tx
        .update(ious)
        .set({ status: input.response, ...changes })
        .where(and(eq(ious.id, iou.id), eq(ious.status, 'PENDING')))
        .returning()
        .get();
      return { iou: updated ?? iou, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}

/** The borrower repays part or all of an active (or overdue) IOU; never more than is outstanding. */
export function repayIou(db: SocialDb, now: Date, viewerId: string, input: RepayIouInput): RepayIouResult {
  const none = { iou: null, repayment: null };
  const badKey = invalidKey(input.idempotencyKey);
  if (badKey) return { ...none, userErrors: [badKey] };
  const request = { iouId: input.iouId, amountFen: input.amountFen };
  const entry = {
    caller: viewerId,
    key: input.idempotencyKey,
    operation: 'repayIou',
    hash: requestHash('repayIou', request),
  };
  const fail = (code: string, message: string, field: string[]) => ({
    ...none,
    userErrors: [userError(code, message, field)],
  });
  return db.transaction(
    (tx) => {
      const prior = findPrior<{ iouId: string; repaymentId: string }>(tx, entry);
      if (prior && 'reused' in prior) return { ...none, userErrors: [prior.reused] };
      if (prior) {
        const repayment = tx.select().from(iouRepayments).where(eq(iouRepayments.id, prior.response.repaymentId)).get();
        return { iou: iouById(tx, prior.response.iouId) ?? null, repayment: repayment ?? null, userErrors: [] };
      }
      const iou = iouById(tx, input.iouId);
      if (!iou || (iou.lenderId !== viewerId && iou.borrowerId !== viewerId)) {
        return fail('NOT_FOUND', `No IOU ${input.iouId} of yours: check the id.`, ['input', 'iouId']);
      }
      if (iou.borrowerId !== viewerId) {
        return fail('NOT_BORROWER', 'Only the borrower repays an IOU.', ['input', 'iouId']);
      }
      if (iou.status !== 'ACTIVE') {
        return fail('NOT_ACTIVE', `This IOU is ${iou.status.toLowerCase()}: only active IOUs can be repaid.`, [
          'input',
          'iouId',
        ]);
      }
      if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) {
        return fail('INVALID_AMOUNT', 'amountFen must be a positive whole number of fen.', ['input', 'amountFen']);
      }
      const outstanding = iou.principalFen - iou.repaidFen;
      if (input.amountFen > outstanding) {
        return fail('OVERPAYMENT', `Only ${outstanding} fen is outstanding: repay at most that.`, [
          'input',
          'amountFen',
        ]);
      }
      const repayment = tx
        .insert(iouRepayments)
        .values({ id: newId('iorp'), iouId: iou.id, amountFen: input.amountFen, paidAt: now })
        .returning()
        .get();
      const paidOff = input.amountFen === outstanding;
      const updated = tx
        .update(ious)
        .set({
          repaidFen: sql`${ious.repaidFen} + ${input.amountFen}`,
          ...(paidOff ? { status: 'REPAID', repaidAt: now } : {}),
        })
        .where(eq(ious.id, iou.id))
        .returning()
        .get();
      savePrior(tx, { ...entry, response: { iouId: iou.id, repaymentId: repayment.id }, now });
      return { iou: updated ?? null, repayment, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}
