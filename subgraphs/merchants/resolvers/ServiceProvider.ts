import { type PageArgs, parsePage } from '../../shared/connection.ts';
import type { MerchantsContext, Ref, ServiceProviderRow } from '../context.ts';

export const ServiceProvider = {
  __resolveReference: (ref: Ref, ctx: MerchantsContext) => ctx.loaders.serviceProviderById.load(ref.id),
  merchants: (sp: ServiceProviderRow, args: PageArgs, ctx: MerchantsContext) =>
    ctx.loaders.merchantsByServiceProviderId.load({ parentId: sp.id, page: parsePage(args) }),
};
