import { parsePage } from '../../shared/connection.ts';
import type { ServiceProviderResolvers } from '../__generated__/resolvers-types.ts';

export const ServiceProvider: ServiceProviderResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.serviceProviderById.load(ref.id),
  merchants: (sp, args, ctx) =>
    ctx.loaders.merchantsByServiceProviderId.load({ parentId: sp.id, page: parsePage(args) }),
};
