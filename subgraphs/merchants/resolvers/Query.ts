import { parsePage, toConnection } from '../../shared/connection.ts';
import type { GeoPoint } from '../../shared/geo.ts';
import { findStoresNear, listCategories, listMerchants } from '../queries.ts';
import type { Ctx, PageArgs, Ref } from './context.ts';

export const Query = {
  merchant: (_: unknown, { id }: Ref, ctx: Ctx) => ctx.loaders.merchantById.load(id),
  merchants: (_: unknown, args: PageArgs & { categoryCode?: string | null }, ctx: Ctx) => {
    const page = parsePage(args);
    return toConnection(listMerchants(ctx.db, args.categoryCode, page), page);
  },
  store: (_: unknown, { id }: Ref, ctx: Ctx) => ctx.loaders.storeById.load(id),
  storesNear: (_: unknown, args: PageArgs & { location: GeoPoint; radiusMeters: number }, ctx: Ctx) => {
    const page = parsePage(args);
    return toConnection(findStoresNear(ctx.db, args.location, args.radiusMeters, page), page);
  },
  categories: (_: unknown, __: unknown, ctx: Ctx) => listCategories(ctx.db),
  miniProgram: (_: unknown, { id }: Ref, ctx: Ctx) => ctx.loaders.miniProgramById.load(id),
  serviceProvider: (_: unknown, { id }: Ref, ctx: Ctx) => ctx.loaders.serviceProviderById.load(id),
};
