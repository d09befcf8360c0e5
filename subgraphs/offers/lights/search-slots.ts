import type { QuerySearchArgs } from '../__generated__/resolvers-types.ts';
import type { OffersContext } from '../context.ts';
import type { SearchNode } from '../search/edges.ts';
import { PROMOTED_POSITIONS, type PromotedSlot } from '../search/promoted.ts';
import { targetOf, viewerOf } from './resolvers.ts';
import type { PromotionSlotRow } from './rows.ts';
import { serve } from './serve.ts';

const TYPENAMES = { Post: 'Post', MiniProgram: 'MiniProgram', LifeAccount: 'LifeAccount' } as const;

/**
 * Lights' SEARCH slots for one search page (the seam `mergePromoted` places): active SEARCH campaigns whose keywords
 * match the query, ranked and priced as every placement, at most one per promoted position; only on the first page.
 */
export async function promotedSlots(
  ctx: OffersContext,
  args: QuerySearchArgs,
): Promise<PromotedSlot<PromotionSlotRow>[]> {
  if (args.after) return [];
  const slots = serve(ctx.db, ctx.clock.now(), ctx.subgraphSecret, {
    placement: 'SEARCH',
    viewer: viewerOf(ctx.identity),
    near: args.near ?? null,
    query: args.query,
    first: PROMOTED_POSITIONS.length,
  });
  return Promise.all(
    slots.map(async (slot) => {
      const c = slot.campaign;
      const target = await targetOf(c, ctx);
      const node: SearchNode =
        c.targetType === 'CouponTemplate' || c.targetType === 'GroupBuyCampaign'
          ? ({ ...target, __typename: c.targetType } as SearchNode)
          : { __typename: TYPENAMES[c.targetType], id: c.targetId };
      return { promotion: slot, node };
    }),
  );
}
