import type { PostAttachment, PostAttachmentKind } from '../__generated__/resolvers-types.ts';

/** The GraphQL type of each kind of linked entity (offers and merchants own them and resolve the rest). */
const TYPENAMES = {
  COUPON_TEMPLATE: 'CouponTemplate',
  GROUP_BUY_CAMPAIGN: 'GroupBuyCampaign',
  MINI_PROGRAM: 'MiniProgram',
} as const satisfies Record<PostAttachmentKind, NonNullable<PostAttachment['__typename']>>;

/**
 * A stored (kind, target id) as a reference the owning subgraph resolves. It carries its `__typename`, which is how
 * GraphQL's default type resolver picks the member of `PostAttachment` and `FeaturedOffer`: those unions need no
 * resolver of their own.
 */
export function offerRef<K extends PostAttachmentKind>(row: { kind: K; targetId: string }) {
  return { __typename: TYPENAMES[row.kind], id: row.targetId };
}
