import { and, eq, inArray, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { UserActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import { beyondHorizonReason } from '../../shared/horizon.ts';
import { idempotentTransaction, type SyncSqlite } from '../../shared/idempotency.ts';
import { invalidAmount, MAX_PERSONAL_FEN } from '../../shared/money.ts';
import type {
  CreateIouInput,
  IouStatus,
  MutationConfirmIouArgs,
  RepayIouInput,
} from '../__generated__/resolvers-types.ts';
import { isIouParty } from '../access.ts';
import type { IouRepaymentRow, IouRow, SocialDb, SocialTx } from '../context.ts';
import { iouRepayments, ious } from '../tables.ts';
import { friendsAmong, userExists } from './friends.ts';
import { REPAYABLE } from './iou-status.ts';

/** The highest annual rate an IOU may carry: 24% (2400 bps). */
export const MAX_ANNUAL_RATE_BPS = 2400;

export interface IouResult {
  iou: IouRow | null;
  userErrors: UserError[];
}

export interface RepayIouResult extends IouResult {
  repayment: IouRepaymentRow | null;
}

const failed = (code: string, message: string, field: string[]): IouResult => refused(userError(code, message, field));
const refused = (error: UserError): IouResult => ({ iou: null, userErrors: [error] });

function iouById(tx: SocialTx, id: string): IouRow | null {
  return tx.select().from(ious).where(eq(ious.id, id)).get() ?? null;
}

/** Checks a new IOU's terms; the first broken rule, or null. */
function invalidTerms(tx: SocialTx, now: Date, borrowerId: string, input: CreateIouInput): IouResult | null {
  const { lenderId } = input;
  const lenderField = ['input', 'lenderId'];
  if (lenderId === borrowerId) {
    return failed('CANNOT_BORROW_FROM_SELF', 'Ask a friend: the lender must be someone other than you.', lenderField);
  }
  if (!userExists(tx, lenderId)) return failed('NOT_FOUND', `No user ${lenderId}: check the id.`, lenderField);
  if (!friendsAmong(tx, borrowerId, [lenderId]).has(lenderId)) {
    return failed('NOT_FRIENDS', `IOUs are between friends: befriend ${lenderId} first.`, lenderField);
  }
  const badPrincipal = invalidAmount(input.principalFen, 'principalFen', { max: MAX_PERSONAL_FEN });
  if (badPrincipal) return refused(badPrincipal);
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
 * The user borrows from a friend: records a PENDING IOU that the lender confirms or declines. Same key and
 * input: the IOU of the first request, nothing new.
 */
export function createIou(
  db: SocialDb,
  now: Date,
  borrower: UserActor,
  input: CreateIouInput,
  options: RuleOptions = {},
): IouResult {
  const request = {
    lenderId: input.lenderId,
    principalFen: input.principalFen,
    annualRateBps: input.annualRateBps ?? null,
    dueDate: input.dueDate.getTime(),
  };
  const borrowerId = borrower.userId;
  return idempotentTransaction(
    db,
    { actor: borrower, key: input.idempotencyKey, operation: 'createIou', request, now },
    (tx) => ({
      entities: { iou: ious },
      refuse: refused,
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
  user: UserActor,
  { iouId, response }: MutationConfirmIouArgs & { response: Extract<IouStatus, 'ACTIVE' | 'DECLINED'> },
): IouResult {
  return db.transaction(
    (tx) => {
      const iou = iouById(tx, iouId);
      if (!iou || !isIouParty(user, iou)) {
        return failed('NOT_FOUND', `No IOU ${iouId} of yours: check the id.`, ['iouId']);
      }
      if (iou.lenderId !== user.userId) {
        return failed('NOT_LENDER', 'Only the lender confirms or declines an IOU: wait for them.', ['iouId']);
      }
      const changes = response === 'ACTIVE' ? { confirmedAt: now } : { declinedAt: now };
      // Conditional on PENDING, so a confirm racing a decline (or another process) changes the IOU once.
      const updated = tx
        .update(ious)
        .set({ status: response, ...changes })
        .where(and(eq(ious.id, iou.id), eq(ious.status, 'PENDING')))
        .returning()
        .get();
      if (!updated) {
        return failed('NOT_PENDING', `This IOU is already ${iou.status.toLowerCase()}; nothing to do.`, ['iouId']);
      }
      if (response === 'ACTIVE') recordIouEvent(tx, 'iou.confirmed', updated, now);
      return { iou: updated, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}

/** The borrower repays part or all of an active or overdue IOU; never more than is outstanding. */
export function repayIou(
  db: SocialDb,
  now: Date,
  borrower: UserActor,
  input: RepayIouInput,
  options: RuleOptions = {},
): RepayIouResult {
  const request = { iouId: input.iouId, amountFen: input.amountFen };
  return idempotentTransaction(
    db,
    { actor: borrower, key: input.idempotencyKey, operation: 'repayIou', request, now },
    (tx) => ({
      entities: { iou: ious, repayment: iouRepayments },
      refuse: refusedRepayment,
      attempt: () => attemptRepay(tx, now, borrower, input, options),
    }),
  );
}

const refusedRepayment = (error: UserError): RepayIouResult => ({ iou: null, repayment: null, userErrors: [error] });

function attemptRepay(
  tx: SocialTx,
  now: Date,
  borrower: UserActor,
  input: RepayIouInput,
  options: RuleOptions,
): RepayIouResult {
  const fail = (code: string, message: string, field: string): RepayIouResult =>
    refusedRepayment(userError(code, message, ['input', field]));
  const iou = iouById(tx, input.iouId);
  if (!iou || !isIouParty(borrower, iou)) {
    return fail('NOT_FOUND', `No IOU ${input.iouId} of yours: check the id.`, 'iouId');
  }
  if (iou.borrowerId !== borrower.userId) return fail('NOT_BORROWER', 'Only the borrower repays an IOU.', 'iouId');
  if (!REPAYABLE.includes(iou.status)) {
    return fail(
      'NOT_ACTIVE',
      `This IOU is ${iou.status.toLowerCase()}: only active or overdue IOUs are repaid.`,
      'iouId',
    );
  }
  const badAmount = invalidAmount(input.amountFen, 'amountFen', { max: MAX_PERSONAL_FEN });
  if (badAmount) return refusedRepayment(badAmount);
  const outstanding = iou.principalFen - iou.repaidFen;
  if (input.amountFen > outstanding) {
    return fail('OVERPAYMENT', `Only ${outstanding} fen is outstanding: repay at most that.`, 'amountFen');
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
  if (updated.status === 'REPAID') recordIouEvent(tx, 'iou.repaid', updated, now);
  return { iou: updated, repayment, userErrors: [] };
}

/** An IOU's status change as an event for both parties' wallets, in the transaction of the change. */
export function recordIouEvent(
  tx: SyncSqlite,
  type: 'iou.confirmed' | 'iou.repaid' | 'iou.overdue',
  iou: { id: string; lenderId: string; borrowerId: string; status: string },
  now: Date,
): void {
  recordEvent(tx, {
    type,
    entityId: iou.id,
    occurredAt: now,
    payload: {
      iouId: iou.id,
      lenderId: iou.lenderId,
      borrowerId: iou.borrowerId,
      status: iou.status,
      at: now.toISOString(),
    },
  });
}
