import { loadExisting } from '../../shared/connection.ts';
import type { GroupBuyGroupResolvers } from '../__generated__/resolvers-types.ts';

export const GroupBuyGroup: GroupBuyGroupResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.groupBuyGroupById.load(ref.id),
  campaign: (g, _, ctx) => loadExisting(ctx.loaders.groupBuyCampaignById, g.campaignId, 'Group-buy campaign'),
  leader: (g) => ({ id: g.leaderId }),
  members: (g, _, ctx) => ctx.loaders.membersByGroupId.load(g.id),
  remainingSlots: (g) => Math.max(0, g.groupSize - g.memberCount),
};
