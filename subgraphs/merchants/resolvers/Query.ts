import { type PageArgs, parsePage, toConnection } from '../../shared/connection.ts';
import type { GeoPoint } from '../../shared/geo.ts';
import type { MerchantsContext, Ref } from '../context.ts';
import { findStoresNear, listCategories, listMerchants } from '../queries.ts';

export const Query = {
  merchant: (_: unknown, { id }: Ref, ctx: MerchantsContext) => ctx.loaders.merchantById.load(id),
  merchants: (_: unknown, args: PageArgs & { categoryCode?: string | null }, ctx: MerchantsContext) => {
    const page = parsePage(args);
    return toConnection(listMerchants(ctx.db, args.categoryCode, page), page);
  },
  store: (_: unknown, { id }: Ref, ctx: MerchantsContext) => ctx.loaders.storeById.load(id),
  storesNear: (_: unknown, args: PageArgs & { location: GeoPoint; radiusMeters: number }, ctx: MerchantsContext) => {
    const page = parsePage(args);
    return toConnection(findStoresNear(ctx.db, args.location, args.radiusMeters, page), page);
  },
  categories: (_: unknown, __: unknown, ctx: MerchantsContext) => listCategories(ctx.db),
  miniProgram: (_: unknown, { id }: Ref, ctx: MerchantsContext) => ctx.loaders.miniProgramById.load(id),
  serviceProvider: (_: unknown, { id }: Ref, ctx: MerchantsContext) => ctx.loaders.serviceProviderById.load(id),
};
