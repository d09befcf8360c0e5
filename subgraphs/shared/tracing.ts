import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { inSpan, tracingEnabled } from '../contract/tracing.ts';

/**
 * Puts a `subgraph.entities` span around each `_entities` batch (the representations the gateway sends for one
 * fetch), with how many and of which types, so a trace shows each entity batch with its loaders' SQL inside it.
 * The list is returned as it came: an entity that fails is still an error at its own index.
 */
export function traceEntities(schema: GraphQLSchema): void {
  if (!tracingEnabled()) return;
  const field = schema.getQueryType()?.getFields()._entities;
  if (!field) return;
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args, context, info) => {
    const representations = (args.representations ?? []) as { __typename?: unknown }[];
    const types = [...new Set(representations.map((r) => String(r.__typename)))].sort().join(',');
    const attributes = { 'lifegraph.entities.count': representations.length, 'lifegraph.entities.types': types };
    return inSpan('subgraph.entities', attributes, () => {
      const entities = resolve(source, args, context, info);
      // The span ends once every entity is resolved (each through its loader's batch), failed or not.
      return Array.isArray(entities) ? Promise.allSettled(entities).then(() => entities) : entities;
    });
  };
}
