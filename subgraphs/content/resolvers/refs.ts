import type { EntityRef } from '../context.ts';
import type { OfferKind } from '../tables.ts';

const TYPENAMES: Record<OfferKind, EntityRef['__typename']> = {
  COUPON_TEMPLATE: 'CouponTemplate',
  GROUP_BUY_CAMPAIGN: 'GroupBuyCampaign',
  MINI_PROGRAM: 'MiniProgram',
};

/** A stored (kind, target id) as a reference the owning subgraph resolves. */
export function offerRef(row: { kind: OfferKind; targetId: string }): EntityRef {
  return { __typename: TYPENAMES[row.kind], id: row.targetId };
}
