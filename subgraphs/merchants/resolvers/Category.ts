import type { Ctx, Ref } from './context.ts';

export const Category = {
  __resolveReference: (ref: Ref, ctx: Ctx) => ctx.loaders.categoryById.load(ref.id),
};
