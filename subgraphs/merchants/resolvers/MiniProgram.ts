import type { MerchantsContext, MiniProgramRow, Ref } from '../context.ts';

export const MiniProgram = {
  __resolveReference: (ref: Ref, ctx: MerchantsContext) => ctx.loaders.miniProgramById.load(ref.id),
  merchant: (p: MiniProgramRow, _: unknown, ctx: MerchantsContext) => ctx.loaders.merchantById.load(p.merchantId),
};
