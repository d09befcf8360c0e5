import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import {
  type DefinitionNode,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  isInputType,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  typeFromAST,
  valueFromAST,
} from 'graphql';
import type { GatewayContext } from '../../context.ts';
import { coercedVariables } from '../../engine/variables.ts';
import { analysisOf, type DocumentAnalysis, MAX_WALK_NESTING } from './analyze.ts';
import { LIMIT_SETTINGS, type LimitName, type OperationLimits } from './options.ts';

export { analysisOf, analyzeDocument, type DocumentAnalysis } from './analyze.ts';
export { DEFAULT_LIMITS, type LimitName, limitsFromEnv, type OperationLimits } from './options.ts';

/**
 * Refuses oversized operations with HTTP 400 `QUERY_TOO_COMPLEX`: tokens while parsing (give Apollo Server
 * `parseOptions: limitParseOptions(limits)`), depth, aliases, root fields and expanded selections right after
 * parsing, before validation (whose cost grows faster than the document). The cost (`maxCost`) is demand control's
 * (plugins/demand-control.ts), once the operation and its variables are known. No subgraph is called for a refused
 * operation.
 *
 * Apollo Server answers an error thrown before `didResolveOperation` with a bare 500, so a document refused
 * before validation is swapped for a placeholder of `__typename` operations under the same names (validated
 * in microseconds) and the refusal is thrown from `didResolveOperation`, where it gets its status,
 * `formatError` and every plugin's error hooks. The placeholder is what Apollo Server then caches for that
 * query (its in-memory document cache keeps the object itself, which `refusals` recognises): a repeat is
 * refused from the cache.
 */
export function operationLimits(limits: OperationLimits): ApolloServerPlugin<GatewayContext> {
  // Structural refusals (or null) by document: a repeated document is measured against the limits once.
  const structural = new WeakMap<DocumentNode, Refusal | null>();
  const refusalOf = (document: DocumentNode) => {
    let refusal = structural.get(document);
    if (refusal === undefined) {
      refusal = refusals.get(document) ?? refusalFor(analysisOf(document), limits);
      structural.set(document, refusal);
    }
    return refusal;
  };
  // One listener for every request: it keeps nothing per request.
  const listener: GraphQLRequestListener<GatewayContext> = {
    async validationDidStart(requestContext) {
      const refusal = refusalOf(requestContext.document);
      if (!refusal) return;
      const placeholder = placeholderFor(requestContext.document);
      refusals.set(placeholder, refusal);
      (requestContext as { document: DocumentNode }).document = placeholder;
    },
    async didResolveOperation({ document }) {
      const refusal = refusalOf(document);
      // A fresh error each time: Apollo Server adds to the error it is given, and a refusal can repeat.
      if (refusal) throw tooComplex(...refusal);
    },
    async didEncounterErrors({ errors }) {
      // A parse failure is answered with the very array these hooks see: a token limit or a nesting that
      // exhausted graphql-js's recursive parser is a limit, not a syntax error, so it is told as one.
      // graphql-js also stops validating when comparing same-named fields exceeds its own budget, and says
      // only "Validation aborted.": the document is too big to validate, which the caller can fix.
      const list = errors as GraphQLError[];
      for (const [i, error] of list.entries()) {
        const cause = error.originalError;
        const parseFailure = error.extensions.code === 'GRAPHQL_PARSE_FAILED' && cause !== undefined;
        if (error.extensions.code === 'GRAPHQL_VALIDATION_FAILED' && error.message === VALIDATION_ABORTED) {
          list[i] = validationTooComplex();
        } else if (parseFailure && TOKEN_LIMIT_MESSAGE.test(cause.message)) {
          // The parser stopped at the limit; counting the rest would cost as much as parsing it.
          list[i] = tooComplex('tokens', limits.maxTokens + 1, limits.maxTokens);
        } else if (
          parseFailure &&
          (cause instanceof RangeError || (cause as GraphQLError).originalError instanceof RangeError)
        ) {
          list[i] = tooComplex('depth', MAX_WALK_NESTING + 1, limits.maxDepth);
        }
      }
    },
  };
  return { requestDidStart: async () => listener };
}

/** Which limit a document exceeds: the limit, the measured value, the maximum. */
type Refusal = [LimitName, number, number];

/** Refusals of documents swapped out before validation, by their placeholder. */
const refusals = new WeakMap<DocumentNode, Refusal>();

/**
 * A valid document with one `__typename` query per operation of the refused one, under the same names, so
 * resolving any `operationName` against it gives what it would have given against the original (the placeholder
 * is cached for the query text and serves every later request for it, whatever operation it names).
 */
function placeholderFor(original: DocumentNode): DocumentNode {
  const names = new Set<string>();
  for (const d of original.definitions) if (d.kind === Kind.OPERATION_DEFINITION && d.name) names.add(d.name.value);
  // Several anonymous operations, or one beside named ones, would make the placeholder itself invalid, so with
  // named operations it keeps only those: a request naming none then resolves only if there is exactly one.
  const operation = (name: string | undefined): DefinitionNode => ({
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: name === undefined ? undefined : { kind: Kind.NAME, value: name },
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }],
    },
  });
  const definitions = names.size > 0 ? [...names].map(operation) : [operation(undefined)];
  return { kind: Kind.DOCUMENT, definitions };
}

/**
 * The operation's variables as execution will see them: defaults applied to those not sent, values coerced.
 * When they do not coerce (execution refuses them anyway), the values sent, with defaults for the rest.
 */
export function variableValues(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  sent: Record<string, unknown>,
): Record<string, unknown> {
  const definitions = operation.variableDefinitions ?? [];
  const { coerced } = coercedVariables(schema, definitions, sent);
  if (coerced) return coerced;
  const values: Record<string, unknown> = { ...sent };
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (Object.hasOwn(sent, name) || !definition.defaultValue || !type || !isInputType(type)) continue;
    values[name] = valueFromAST(definition.defaultValue, type);
  }
  return values;
}

/** Apollo Server `parseOptions` that stop parsing past the token limit. */
export function limitParseOptions(limits: OperationLimits): { maxTokens: number } {
  return { maxTokens: limits.maxTokens };
}

/** graphql-js's message when `maxTokens` is exceeded ("more that" is its own spelling). */
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:at|an) \d+ tokens/;

/** graphql-js's whole message when validation stops on its comparison budget (OverlappingFieldsCanBeMerged). */
const VALIDATION_ABORTED = 'Validation aborted.';

/**
 * The refusal of a document graphql-js gave up validating: it may fit every limit measured here, but its
 * same-named fields are too many to compare (validation compares them pairwise, within a budget).
 */
function validationTooComplex(): GraphQLError {
  return new GraphQLError(
    'This operation repeats the same fields so often that validating it was stopped (same-named fields are ' +
      'compared pairwise). Select each field once per selection set, spread each fragment once, or split it ' +
      'into several operations.',
    { extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'selections', http: { status: 400 } } },
  );
}

/** The first structural limit the document exceeds; null when it fits. */
function refusalFor(analysis: DocumentAnalysis, limits: OperationLimits): Refusal | null {
  const checks: Refusal[] = [
    ['depth', analysis.depth, limits.maxDepth],
    ['aliases', analysis.aliases, limits.maxAliases],
    ['rootFields', analysis.rootFields, limits.maxRootFields],
    ['selections', analysis.selections, limits.maxSelections],
  ];
  return checks.find(([, measured, maximum]) => measured > maximum) ?? null;
}

/** The refusal: which limit, the measured value, the limit, its setting, and what to do instead. */
export function tooComplex(limit: LimitName, measured: number, maximum: number): GraphQLError {
  const setting = `the limit is ${maximum} (${LIMIT_SETTINGS[limit].env})`;
  const split = 'or split it into several operations';
  const messages: Record<LimitName, string> = {
    depth:
      measured > MAX_WALK_NESTING
        ? `This operation nests fields and fragments more than ${MAX_WALK_NESTING} levels deep; ${setting}. Flatten it, ${split}.`
        : `This operation nests fields ${measured} levels deep; ${setting}. Ask for less nested data, ${split}.`,
    cost: `This operation costs ${measured} points (see extensions.cost and the partner section of the README); ${setting}. Ask for fewer items with \`first\`, fewer aliases, ${split}.`,
    aliases: `This operation has ${measured} aliased fields (fragments expanded); ${setting}. Use fewer aliases, ${split}.`,
    rootFields: `This operation asks for ${measured} root fields (fragments expanded); ${setting}. Ask for fewer, ${split}.`,
    selections: `This operation expands to ${measured} fields once its fragments are inlined; ${setting}. Select fewer fields, spread each fragment once, ${split}.`,
    tokens: `This document has more than ${maximum} tokens; ${setting}. Send a smaller document, ${split}.`,
  };
  return new GraphQLError(messages[limit], {
    extensions: { code: 'QUERY_TOO_COMPLEX', limit, measured, maximum, http: { status: 400 } },
  });
}
