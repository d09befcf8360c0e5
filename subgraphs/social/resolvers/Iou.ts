import { toMoney } from '../../shared/money.ts';
import { assertIouParty } from '../access.ts';
import type { IouRow, SocialContext } from '../context.ts';
import { iouStatus } from '../rules/iou-status.ts';

/** The IOU with this id, null if there is none; FORBIDDEN unless the caller is its lender or borrower. */
export async function visibleIou(ctx: SocialContext, id: string): Promise<IouRow | null> {
  const iou = await ctx.loaders.iouById.load(id);
  if (iou) assertIouParty(ctx.identity, iou);
  return iou;
}

export const Iou = {
  __resolveReference: (ref: { id: string }, ctx: SocialContext) => visibleIou(ctx, ref.id),
  lender: (iou: IouRow, _: unknown, ctx: SocialContext) => ctx.loaders.userById.load(iou.lenderId),
  borrower: (iou: IouRow, _: unknown, ctx: SocialContext) => ctx.loaders.userById.load(iou.borrowerId),
  principal: (iou: IouRow) => toMoney(iou.principalFen),
  dueDate: (iou: IouRow) => iou.dueAt,
  status: (iou: IouRow, _: unknown, ctx: SocialContext) => iouStatus(iou, ctx.clock.now()),
  repaid: (iou: IouRow) => toMoney(iou.repaidFen),
  outstanding: (iou: IouRow) => toMoney(iou.principalFen - iou.repaidFen),
  repayments: (iou: IouRow, _: unknown, ctx: SocialContext) => ctx.loaders.repaymentsByIouId.load(iou.id),
  reminders: (iou: IouRow, _: unknown, ctx: SocialContext) => ctx.loaders.remindersByIouId.load(iou.id),
};
