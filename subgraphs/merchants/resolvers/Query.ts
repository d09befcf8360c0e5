import { parsePage, toConnection } from '../../shared/connection.ts';
import type { QueryResolvers } from '../__generated__/resolvers-types.ts';
import { findStoresNear, listCategories, listMerchants } from '../queries.ts';

export const Query: QueryResolvers = {
  merchant: (_, { id }, ctx) => ctx.loaders.merchantById.load(id),
  merchants: (_, args, ctx) => {
    const page = parsePage(args);
    return toConnection(listMerchants(ctx.db, args.categoryCode, page), page);
  },
  store: (_, { id }, ctx) => ctx.loaders.storeById.load(id),
  storesNear: (_, args, ctx) => {
    const page = parsePage(args);
    return toConnection(findStoresNear(ctx.db, args.location, args.radiusMeters, page), page);
  },
  categories: (_, __, ctx) => listCategories(ctx.db),
  miniProgram: (_, { id }, ctx) => ctx.loaders.miniProgramById.load(id),
  serviceProvider: (_, { id }, ctx) => ctx.loaders.serviceProviderById.load(id),
};
