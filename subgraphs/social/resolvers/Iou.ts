import { toMoney } from '../../shared/money.ts';
import { assertIouParty } from '../access.ts';
import type { IouRow, SocialContext } from '../context.ts';
import { iouStatus } from '../rules/iou-status.ts';

export const Iou = {
  __resolveReference: async (ref: { id: string }, ctx: SocialContext) => {
    const iou = await ctx.loaders.iouById.load(ref.id);
    if (iou) assertIouParty(ctx.identity, iou);
    return iou;
  },
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
