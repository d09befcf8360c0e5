import type { SearchResultType } from '../__generated__/resolvers-types.ts';
import type { CouponTemplateRow, GroupBuyCampaignRow, OffersContext } from '../context.ts';
import type { SearchHit } from './query.ts';

const TYPENAMES = {
  MERCHANT: 'Merchant',
  STORE: 'Store',
  MINI_PROGRAM: 'MiniProgram',
  LIFE_ACCOUNT: 'LifeAccount',
  POST: 'Post',
  COUPON_TEMPLATE: 'CouponTemplate',
  GROUP_BUY_CAMPAIGN: 'GroupBuyCampaign',
} as const satisfies Record<SearchResultType, string>;

/**
 * A result as the union's member: a reference `{ __typename, id }` the owning subgraph resolves, or for offers'
 * own types the row itself. Each carries its `__typename`, which is how GraphQL's default type resolver picks the
 * member of `SearchResult` (as content's attachment unions do).
 */
export type SearchNode =
  | { __typename: 'Merchant' | 'Store' | 'MiniProgram' | 'LifeAccount' | 'Post'; id: string }
  | (CouponTemplateRow & { __typename: 'CouponTemplate' })
  | (GroupBuyCampaignRow & { __typename: 'GroupBuyCampaign' });

/** One edge of a search page (`promotion` is Lights' slot, null on organic edges). */
export interface SearchEdgeRow<Slot = unknown> {
  cursor: string;
  node: SearchNode;
  promoted: boolean;
  promotion: Slot | null;
  distanceMeters: number | null;
}

/**
 * The node of a hit: offers' own coupon templates and group buys loaded through the request's loaders (one
 * statement per type for the whole page), others as references; null when the row is gone.
 */
export async function loadSearchNode(ctx: OffersContext, hit: SearchHit): Promise<SearchNode | null> {
  const id = hit.entityId;
  switch (hit.type) {
    case 'COUPON_TEMPLATE': {
      const row = await ctx.loaders.couponTemplateById.load(id);
      return row && { ...row, __typename: 'CouponTemplate' };
    }
    case 'GROUP_BUY_CAMPAIGN': {
      const row = await ctx.loaders.groupBuyCampaignById.load(id);
      return row && { ...row, __typename: 'GroupBuyCampaign' };
    }
    default:
      return { __typename: TYPENAMES[hit.type], id };
  }
}
