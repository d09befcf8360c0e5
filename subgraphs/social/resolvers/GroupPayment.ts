import { asUser } from '../../shared/actors.ts';
import { loadExisting } from '../../shared/connection.ts';
import { toMoney } from '../../shared/money.ts';
import type { GroupPaymentResolvers } from '../__generated__/resolvers-types.ts';
import { assertGroupPaymentMember } from '../access.ts';
import type { GroupPaymentRow, SocialContext } from '../context.ts';

/** The group payment with this id, null if there is none; FORBIDDEN unless the caller is one of its members. */
export async function visibleGroupPayment(ctx: SocialContext, id: string): Promise<GroupPaymentRow | null> {
  const [payment, shares] = await Promise.all([
    ctx.loaders.groupPaymentById.load(id),
    ctx.loaders.sharesByGroupPaymentId.load(id),
  ]);
  if (payment) assertGroupPaymentMember(asUser(ctx.identity), payment, shares);
  return payment;
}

export const GroupPayment: GroupPaymentResolvers = {
  __resolveReference: (ref, ctx) => visibleGroupPayment(ctx, ref.id),
  organizer: (gp, _, ctx) => loadExisting(ctx.loaders.userById, gp.organizerId, 'User'),
  total: (gp) => toMoney(gp.totalFen),
  // The store lives in the merchants subgraph; the gateway resolves it from this reference.
  store: (gp) => (gp.storeId ? { __typename: 'Store', id: gp.storeId } : null),
  shares: (gp, _, ctx) => ctx.loaders.sharesByGroupPaymentId.load(gp.id),
  paidCount: async (gp, _, ctx) =>
    (await ctx.loaders.sharesByGroupPaymentId.load(gp.id)).filter((share) => share.paidAt !== null).length,
};
