import { parsePage } from '../../shared/connection.ts';
import type { ServiceProviderRow } from '../tables.ts';
import type { Ctx, PageArgs, Ref } from './context.ts';

export const ServiceProvider = {
  __resolveReference: (ref: Ref, ctx: Ctx) => ctx.loaders.serviceProviderById.load(ref.id),
  merchants: (sp: ServiceProviderRow, args: PageArgs, ctx: Ctx) =>
    ctx.loaders.merchantsByServiceProviderId.load({ parentId: sp.id, page: parsePage(args) }),
};
