import { loadExisting } from '../../shared/connection.ts';
import type { MiniProgramResolvers } from '../__generated__/resolvers-types.ts';

export const MiniProgram: MiniProgramResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.miniProgramById.load(ref.id),
  merchant: (p, _, ctx) => loadExisting(ctx.loaders.merchantById, p.merchantId, 'Merchant'),
};
