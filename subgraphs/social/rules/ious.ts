import { and, eq, inArray, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { beyondHorizonReason } from '../../shared/horizon.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import type { IouRow, RepaymentRow, SocialDb } from '../context.ts';
import { iouRepayments, ious } from '../tables.ts';
import { isValidAmount, MAX_AMOUNT_FEN } from './amounts.ts';
import { areFriends, userExists } from './friends.ts';

/** The highest annual rate an IOU may carry: 24% (2400 bps). */
export const MAX_ANNUAL_RATE_BPS = 2400;

export interface IouResult {
  iou: IouRow | null;
  userErrors: UserError[];
}

export interface RepayIouResult extends IouResult {
  repayment: RepaymentRow | null;
}

/** The borrower (the caller) asks the lender, a friend, to record a loan. */
export interface CreateIouInput {
  lenderId: string;
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

/** IOU states a borrower can still repay (OVERDUE is persisted by the overdue job, or derived before it runs). */
const REPAYABLE = ['ACTIVE', 'OVERDUE'];

const failed = (code: string, message: string, field: string[]): IouResult => ({
  iou: null,
  userErrors: [userError(code, message, field)],
});

function iouById(tx: SocialDb, id: string): IouRow | null {
  return tx.select().from(ious).where(eq(ious.id, id)).get() ?? null;
}

/** Checks a new IOU's terms; the first broken rule, or null. */
function invalidTerms(tx: SocialDb, now: Date, borrowerId: string, input: CreateIouInput): IouResult | null {
  const { lenderId } = input;
  const lenderField = ['input', 'lenderId'];
  if (lenderId === borrowerId) {
    return failed('CANNOT_BORROW_FROM_SELF', 'Ask a friend: the lender must be someone other than you.', lenderField);
  }
  if (!userExists(tx, lenderId)) return failed('NOT_FOUND', `No user ${lenderId}: check the id.`, lenderField);
  if (!areFriends(tx, borrowerId, lenderId)) {
    return failed('NOT_FRIENDS', `IOUs are between friends: befriend ${lenderId} first.`, lenderField);
  }
  if (!isValidAmount(input.principalFen)) {
    return failed('INVALID_INPUT', `principalFen must be a whole number of fen from 1 to ${MAX_AMOUNT_FEN}.`, [
      'input',
      'principalFen',
    ]);
  }
  const rate = input.annualRateBps;
  if (rate != null && (!Number.isInteger(rate) || rate < 0 || rate > MAX_ANNUAL_RATE_BPS)) {
    return failed('INVALID_INPUT', `annualRateBps must be between 0 and ${MAX_ANNUAL_RATE_BPS} (24%).`, [
      'input',
      'annualRateBps',
    ]);
  }
  if (input.dueDate.getTime() <= now.getTime()) {
    return failed('INVALID_INPUT', 'dueDate must be in the future.', ['input', 'dueDate']);
  }
  const tooFar = beyondHorizonReason('dueDate', input.dueDate, now);
  if (tooFar) return failed('INVALID_INPUT', tooFar, ['input', 'dueDate']);
  return null;
}

/**
 * The caller borrows from a friend: records a PENDING IOU that the lender confirms or declines. Same key and
 * input: the IOU of the first request, nothing new.
 */
export function createIou(
  db: SocialDb,
  now: Date,
  borrowerId: string,
  input: CreateIouInput,
  options: RuleOptions = {},
): IouResult {
  const request = {
    lenderId: input.lenderId,
    principalFen: input.principalFen,
    annualRateBps: input.annualRateBps ?? null,
    dueDate: input.dueDate.getTime(),
  };
  return idempotentTransaction(
    db,
    { actor: { kind: 'user', userId: borrowerId }, key: input.idempotencyKey, operation: 'createIou', request, now },
    (tx) => ({
      entities: { iou: ious },
      refuse: (error): IouResult => ({ iou: null, userErrors: [error] }),
      attempt: () => {
        const invalid = invalidTerms(tx, now, borrowerId, input);
        if (invalid) return invalid;
        const iou = tx
          .insert(ious)
          .values({
            id: newId('iou'),
            lenderId: input.lenderId,
            borrowerId,
            createdById: borrowerId,
            status: 'PENDING',
            principalFen: input.principalFen,
            repaidFen: 0,
            annualRateBps: request.annualRateBps,
            dueAt: input.dueDate,
            createdAt: now,
          })
          .returning()
          .get();
        options.afterStep?.('iou-inserted');
        return { iou, userErrors: [] };
      },
    }),
  );
}

/**
 * The lender confirms (ACTIVE) or declines (DECLINED) a pending IOU. Someone who is not a party gets NOT_FOUND,
 * so ids of other people's IOUs reveal nothing.
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
      if (!iou || (iou.lenderId !== viewerId && iou.borrowerId !== viewerId)) {
        return failed('NOT_FOUND', `No IOU ${input.iouId} of yours: check the id.`, ['iouId']);
      }
      if (iou.lenderId !== viewerId) {
        return failed('NOT_LENDER', 'Only the lender confirms or declines an IOU: wait for them.', ['iouId']);
      }
      const changes = input.response === 'ACTIVE' ? { confirmedAt: now } : { declinedAt: now };
      // Conditional on PENDING, so a confirm racing a decline (or another process) changes the IOU once.
      const updated = tx
        .update(ious)
        .set({ status: input.response, ...changes })
        .where(and(eq(ious.id, iou.id), eq(ious.status, 'PENDING')))
        .returning()
        .get();
      if (!updated) {
        return failed('NOT_PENDING', `This IOU is already ${iou.status.toLowerCase()}; nothing to do.`, ['iouId']);
      }
      return { iou: updated, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}

/** The borrower repays part or all of an active or overdue IOU; never more than is outstanding. */
export function repayIou(
  db: SocialDb,
  now: Date,
  viewerId: string,
  input: RepayIouInput,
  options: RuleOptions = {},
): RepayIouResult {
  const none = { iou: null, repayment: null };
  const fail = (error: UserError): RepayIouResult => ({ ...none, userErrors: [error] });
  const request = { iouId: input.iouId, amountFen: input.amountFen };
  return idempotentTransaction(
    db,
    { actor: { kind: 'user', userId: viewerId }, key: input.idempotencyKey, operation: 'repayIou', request, now },
    (tx) => ({
      entities: { iou: ious, repayment: iouRepayments },
      refuse: fail,
      attempt: () => attemptRepay(tx, now, viewerId, input, options),
    }),
  );
}

function attemptRepay(
  tx: SocialDb,
  now: Date,
  viewerId: string,
  input: RepayIouInput,
  options: RuleOptions,
): RepayIouResult {
  const fail = (code: string, message: string, field: string[]): RepayIouResult => ({
    iou: null,
    repayment: null,
    userErrors: [userError(code, message, ['input', ...field])],
  });
  const iou = iouById(tx, input.iouId);
  if (!iou || (iou.lenderId !== viewerId && iou.borrowerId !== viewerId)) {
    return fail('NOT_FOUND', `No IOU ${input.iouId} of yours: check the id.`, ['iouId']);
  }
  if (iou.borrowerId !== viewerId) return fail('NOT_BORROWER', 'Only the borrower repays an IOU.', ['iouId']);
  if (!REPAYABLE.includes(iou.status)) {
    return fail('NOT_ACTIVE', `This IOU is ${iou.status.toLowerCase()}: only active or overdue IOUs are repaid.`, [
      'iouId',
    ]);
  }
  if (!isValidAmount(input.amountFen)) {
    return fail('INVALID_INPUT', `amountFen must be a whole number of fen from 1 to ${MAX_AMOUNT_FEN}.`, ['amountFen']);
  }
  const outstanding = iou.principalFen - iou.repaidFen;
  if (input.amountFen > outstanding) {
    return fail('OVERPAYMENT', `Only ${outstanding} fen is outstanding: repay at most that.`, ['amountFen']);
  }
  const repayment = tx
    .insert(iouRepayments)
    .values({ id: newId('iorp'), iouId: iou.id, amountFen: input.amountFen, paidAt: now })
    .returning()
    .get();
  options.afterStep?.('repayment-inserted');
  // The guard repeats the outstanding check in SQL: the amount is added only if it still fits.
  const updated = tx
    .update(ious)
    .set({
      repaidFen: sql`${ious.repaidFen} + ${input.amountFen}`,
      status: sql`case when ${ious.repaidFen} + ${input.amountFen} = ${ious.principalFen} then 'REPAID' else ${ious.status} end`,
      repaidAt: sql`case when ${ious.repaidFen} + ${input.amountFen} = ${ious.principalFen} then ${now.getTime()} else ${ious.repaidAt} end`,
    })
    .where(
      and(
        eq(ious.id, iou.id),
        inArray(ious.status, REPAYABLE),
        sql`${ious.repaidFen} + ${input.amountFen} <= ${ious.principalFen}`,
      ),
    )
    .returning()
    .get();
  // Unreachable inside the immediate transaction; throwing rolls the repayment back if it ever happens.
  if (!updated) throw new Error(`IOU ${iou.id} changed while being repaid`);
  return { iou: updated, repayment, userErrors: [] };
}
