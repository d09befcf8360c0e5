import { toMoney } from '../../shared/money.ts';
import { assertGroupPaymentMember } from '../access.ts';
import type { GroupPaymentRow, SocialContext } from '../context.ts';

/** The group payment with this id, null if there is none; FORBIDDEN unless the caller is one of its members. */
export async function visibleGroupPayment(ctx: SocialContext, id: string): Promise<GroupPaymentRow | null> {
  const [payment, shares] = await Promise.all([
    ctx.loaders.groupPaymentById.load(id),
    ctx.loaders.sharesByGroupPaymentId.load(id),
  ]);
  if (payment) assertGroupPaymentMember(ctx.identity, payment, shares);
  return payment;
}

export const GroupPayment = {
  __resolveReference: (ref: { id: string }, ctx: SocialContext) => visibleGroupPayment(ctx, ref.id),
  organizer: (gp: GroupPaymentRow, _: unknown, ctx: SocialContext) => ctx.loaders.userById.load(gp.organizerId),
  total: (gp: GroupPaymentRow) => toMoney(gp.totalFen),
  // The store lives in the merchants subgraph; the gateway resolves it from this reference.
  store: (gp: GroupPaymentRow) => (gp.storeId ? { __typename: 'Store', id: gp.storeId } : null),
  shares: (gp: GroupPaymentRow, _: unknown, ctx: SocialContext) => ctx.loaders.sharesByGroupPaymentId.load(gp.id),
  paidCount: async (gp: GroupPaymentRow, _: unknown, ctx: SocialContext) =>
    (await ctx.loaders.sharesByGroupPaymentId.load(gp.id)).filter((share) => share.paidAt !== null).length,
};
