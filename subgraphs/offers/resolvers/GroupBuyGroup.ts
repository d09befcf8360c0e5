import type { GroupBuyGroupRow, OffersContext, Ref } from '../context.ts';

export const GroupBuyGroup = {
  __resolveReference: ({ id }: Ref, ctx: OffersContext) => ctx.loaders.groupBuyGroupById.load(id),
  campaign: (g: GroupBuyGroupRow, _: unknown, ctx: OffersContext) =>
    ctx.loaders.groupBuyCampaignById.load(g.campaignId),
  leader: (g: GroupBuyGroupRow) => ({ id: g.leaderId }),
  members: (g: GroupBuyGroupRow, _: unknown, ctx: OffersContext) => ctx.loaders.membersByGroupId.load(g.id),
  remainingSlots: (g: GroupBuyGroupRow) => Math.max(0, g.groupSize - g.memberCount),
};
