import type { CategoryResolvers } from '../__generated__/resolvers-types.ts';

export const Category: CategoryResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.categoryById.load(ref.id),
};
