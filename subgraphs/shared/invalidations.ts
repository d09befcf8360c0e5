import type { GraphQLFieldResolver } from 'graphql';

/** The loaders of `TLoaders` that can be cleared: a DataLoader, or a family made by `loaderPerFilter`. */
export type ClearableLoader<TLoaders> = {
  [K in keyof TLoaders]: TLoaders[K] extends { clearAll(): unknown } ? K : never;
}[keyof TLoaders];

/**
 * For every mutation of a subgraph (`TMutation`, the keys of its generated `MutationResolvers`), the loaders whose
 * cached rows it can make stale. The server clears them when the mutation's resolver returns, before its payload is
 * resolved, so the payload and every later field of the request read the state after the mutation. Declaring each
 * mutation (an empty list is a decision too) is what `satisfies Invalidations<...>` enforces.
 */
export type Invalidations<TMutation extends PropertyKey, TLoaders> = Record<
  TMutation,
  readonly ClearableLoader<TLoaders>[]
>;

type LoaderContext = { loaders: Record<string, { clearAll(): unknown }> };
type Resolver = GraphQLFieldResolver<unknown, LoaderContext>;

/** Wraps each Mutation resolver so that the loaders `invalidations` names are cleared once it has returned. */
export function withInvalidations(
  mutation: object,
  invalidations: Record<string, readonly PropertyKey[]>,
): Record<string, Resolver> {
  return Object.fromEntries(
    Object.entries(mutation).map(([field, resolve]) => {
      const stale = invalidations[field];
      if (typeof resolve !== 'function' || !stale) {
        throw new Error(
          `Mutation.${field} must be a function that declares the loaders it invalidates (in loaders.ts)`,
        );
      }
      const wrapped: Resolver = async (parent, args, ctx, info) => {
        const result = await (resolve as Resolver)(parent, args, ctx, info);
        for (const name of stale) ctx.loaders[String(name)]?.clearAll();
        return result;
      };
      return [field, wrapped];
    }),
  );
}
