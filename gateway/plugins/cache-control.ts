import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import {
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
} from 'graphql';
import type { GatewayContext } from '../context.ts';

/** One `@cacheControl` application: seconds a shared cache may keep the answer, or "take the parent's". */
export interface CacheHint {
  maxAge?: number;
  inheritMaxAge?: boolean;
}

/** The `@cacheControl` hints of a supergraph, by type (`Merchant`) and field (`Query.storesNear`) coordinate. */
export type CacheHints = ReadonlyMap<string, CacheHint>;

/** The spec the subgraphs link `@cacheControl` from (subgraphs/shared/common.graphql). */
const CACHE_CONTROL_SPEC = /^https:\/\/specs\.lifegraph\.dev\/cacheControl\/v\d+\.\d+$/;

/**
 * Sent with every cacheable answer: shared caches must keep anonymous answers apart from those to a token or a key
 * (which differ: viewer fields, refused fields), per media type asked for, and per Origin (the CORS headers). Apollo's
 * headers replace the `vary: Origin` the CORS step set, so Origin is named again; compression appends Accept-Encoding.
 */
const CACHEABLE_VARY = 'Origin, Accept, Authorization, X-API-Key';

/**
 * Reads the `@cacheControl` hints the subgraphs declared (composed into the supergraph with @composeDirective).
 * The directive's name follows the supergraph's `@link` to the spec; without that link it is `@cacheControl`.
 */
export function cacheHintsFromSupergraph(supergraphSdl: string): CacheHints {
  const document = parse(supergraphSdl, { noLocation: true });
  const name = directiveName(document);
  const hints = new Map<string, CacheHint>();
  const read = (coordinate: string, directives: readonly DirectiveNode[] | undefined) => {
    const directive = directives?.find((d) => d.name.value === name);
    if (!directive) return;
    const hint: CacheHint = {};
    for (const argument of directive.arguments ?? []) {
      const value = argument.value;
      if (argument.name.value === 'maxAge' && value.kind === Kind.INT) hint.maxAge = Math.max(0, Number(value.value));
      if (argument.name.value === 'inheritMaxAge' && value.kind === Kind.BOOLEAN) hint.inheritMaxAge = value.value;
    }
    hints.set(coordinate, hint);
  };
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    read(definition.name.value, definition.directives);
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) read(`${definition.name.value}.${field.name.value}`, field.directives);
  }
  return hints;
}

function directiveName(document: DocumentNode): string {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      const url = link.arguments?.find((a) => a.name.value === 'url')?.value;
      if (link.name.value !== 'link' || url?.kind !== Kind.STRING || !CACHE_CONTROL_SPEC.test(url.value)) continue;
      const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
      for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
        if (item.kind === Kind.STRING && item.value === '@cacheControl') return 'cacheControl';
        if (item.kind !== Kind.OBJECT) continue;
        const field = (n: string) => item.fields.find((f) => f.name.value === n)?.value;
        const imported = field('name');
        const as = field('as');
        if (imported?.kind === Kind.STRING && imported.value === '@cacheControl' && as?.kind === Kind.STRING)
          return as.value.slice(1);
      }
      // Not imported: the core spec names it after the link (`as:`, else the spec's own name).
      const as = link.arguments?.find((a) => a.name.value === 'as')?.value;
      return as?.kind === Kind.STRING ? as.value : 'cacheControl';
    }
  }
  return 'cacheControl';
}

/**
 * The `max-age` an operation's answer may be cached for, by Apollo Server's rules for static hints, over every
 * field the operation selects (fields under a `@skip` or a fragment that may not apply count too: the answer is
 * never kept longer than any field it may hold allows). A field's maxAge is its own hint's, else, when it returns
 * an object or union, its type's; a root field, or one returning an object or union, that gets none (and is not
 * `inheritMaxAge`) makes the answer uncacheable (0); other fields take their parent's. Undefined when nothing set
 * one (`{ __typename }`): uncacheable too. Introspection is never cacheable (what it shows depends on the caller).
 */
export function operationMaxAge(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  hints: CacheHints,
): number | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // A fragment spread many times is walked once per place kind (root or not): its result does not depend on where.
  const walked = new Map<string, number | undefined>();
  const min = (a: number | undefined, b: number | undefined) =>
    a === undefined ? b : b === undefined ? a : Math.min(a, b);
  const walk = (selections: SelectionSetNode, parent: GraphQLCompositeType, root: boolean): number | undefined => {
    let maxAge: number | undefined;
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') continue;
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        // Introspection (`__schema`, `__type`) and anything the schema does not know are not cacheable.
        if (!field) return 0;
        const type = getNamedType(field.type);
        const composite = isCompositeType(type);
        const typeHint = composite ? hints.get(type.name) : undefined;
        const fieldHint = hints.get(`${parent.name}.${name}`);
        let own = fieldHint?.maxAge ?? typeHint?.maxAge;
        const inherits = typeHint?.inheritMaxAge || fieldHint?.inheritMaxAge;
        if (own === undefined && (root || (composite && !inherits))) own = 0;
        maxAge = min(maxAge, own);
        if (selection.selectionSet && composite) maxAge = min(maxAge, walk(selection.selectionSet, type, false));
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) return 0;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
        if (!isCompositeType(condition)) return 0;
        const key = selection.kind === Kind.FRAGMENT_SPREAD ? `${selection.name.value}\n${root}` : undefined;
        if (key !== undefined && walked.has(key)) {
          maxAge = min(maxAge, walked.get(key));
          continue;
        }
        const inner = walk(fragment.selectionSet, condition, root);
        if (key !== undefined) walked.set(key, inner);
        maxAge = min(maxAge, inner);
      }
      if (maxAge === 0) return 0;
    }
    return maxAge;
  };
  const rootType = schema.getRootType(operation.operation);
  return rootType ? walk(operation.selectionSet, rootType, true) : 0;
}

/**
 * `cache-control` for public reads: `public, max-age=N` (with `Vary`) on the answer to a query by an anonymous
 * caller that has no errors, N being the operation's maxAge from the supergraph's `@cacheControl` hints (see
 * operationMaxAge); `no-store` on every other answer (a token or an API key, a mutation, an error, a field without
 * a hint). The hints are read from the supergraph rather than from the subgraphs' `cache-control` headers, as
 * Apollo's own cache-control plugin would: the gateway knows them before anything runs, for entity fetches too
 * (which Apollo's subgraph-side hints leave uncacheable), and subgraphs do not wrap every resolver to collect them.
 * Returns Apollo's plugin disabled (it would answer `no-store` from the subgraphs' headers) and this one.
 */
export function cacheControl(
  // `hintsOf`: the hints of the supergraph each schema came from, when the supergraph is hot-reloaded.
  options: { supergraphSdl: string } | { hintsOf: (schema: GraphQLSchema) => CacheHints },
): ApolloServerPlugin<GatewayContext>[] {
  let hintsOf: (schema: GraphQLSchema) => CacheHints;
  if ('hintsOf' in options) hintsOf = options.hintsOf;
  else {
    const hints = cacheHintsFromSupergraph(options.supergraphSdl);
    hintsOf = () => hints;
  }
  // By schema (a new supergraph is a new schema object) and document (Apollo keeps parsed documents).
  const maxAges = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, number | undefined>>();
  const maxAgeOf = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) => {
    let bySchema = maxAges.get(schema);
    if (!bySchema) {
      bySchema = new WeakMap();
      maxAges.set(schema, bySchema);
    }
    if (!bySchema.has(operation))
      bySchema.set(operation, operationMaxAge(schema, document, operation, hintsOf(schema)));
    return bySchema.get(operation);
  };
  // One listener for every request: it keeps no per-request state, so none is allocated per request.
  const listener: GraphQLRequestListener<GatewayContext> = {
    async willSendResponse({ response, operation, document, schema, contextValue }) {
      const headers = response.http.headers;
      const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
      const maxAge =
        operation?.operation === 'query' &&
        document &&
        contextValue.identity?.kind === 'anonymous' &&
        body &&
        !body.errors &&
        (response.http.status ?? 200) === 200
          ? maxAgeOf(schema, document, operation)
          : undefined;
      if (maxAge === undefined || maxAge === 0) {
        headers.set('cache-control', 'no-store');
        return;
      }
      headers.set('cache-control', `public, max-age=${maxAge}`);
      headers.set('vary', CACHEABLE_VARY);
    },
  };
  const plugin: ApolloServerPlugin<GatewayContext> = { requestDidStart: async () => listener };
  return [ApolloServerPluginCacheControlDisabled(), plugin];
}
