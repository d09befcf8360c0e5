import { asUser } from '../../shared/actors.ts';
import { loadExisting } from '../../shared/connection.ts';
import { toMoney } from '../../shared/money.ts';
import type { IouResolvers } from '../__generated__/resolvers-types.ts';
import { assertIouParty } from '../access.ts';
import type { IouRow, SocialContext } from '../context.ts';
import { iouStatus } from '../rules/iou-status.ts';

/** The IOU with this id, null if there is none; FORBIDDEN unless the caller is its lender or borrower. */
export async function visibleIou(ctx: SocialContext, id: string): Promise<IouRow | null> {
  const iou = await ctx.loaders.iouById.load(id);
  if (iou) assertIouParty(asUser(ctx.identity), iou);
  return iou;
}

export const Iou: IouResolvers = {
  __resolveReference: (ref, ctx) => visibleIou(ctx, ref.id),
  lender: (iou, _, ctx) => loadExisting(ctx.loaders.userById, iou.lenderId, 'User'),
  borrower: (iou, _, ctx) => loadExisting(ctx.loaders.userById, iou.borrowerId, 'User'),
  principal: (iou) => toMoney(iou.principalFen),
  dueDate: (iou) => iou.dueAt,
  status: (iou, _, ctx) => iouStatus(iou, ctx.clock.now()),
  repaid: (iou) => toMoney(iou.repaidFen),
  outstanding: (iou) => toMoney(iou.principalFen - iou.repaidFen),
  repayments: (iou, _, ctx) => ctx.loaders.repaymentsByIouId.load(iou.id),
  reminders: (iou, _, ctx) => ctx.loaders.remindersByIouId.load(iou.id),
};
