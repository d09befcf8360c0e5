import type { MiniProgramRow } from '../tables.ts';
import type { Ctx, Ref } from './context.ts';

export const MiniProgram = {
  __resolveReference: (ref: Ref, ctx: Ctx) => ctx.loaders.miniProgramById.load(ref.id),
  merchant: (p: MiniProgramRow, _: unknown, ctx: Ctx) => ctx.loaders.merchantById.load(p.merchantId),
};
