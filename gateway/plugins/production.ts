import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, GraphQLError, type GraphQLFormattedError, visit } from 'graphql';
import { SCOPES } from '../../subgraphs/shared/access.ts';
import type { GatewayContext } from '../signed-data-source.ts';

/** Codes whose messages are written for clients and safe to show in production; everything else is masked. */
const CLIENT_FACING_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'QUERY_TOO_COMPLEX',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Production error masking: a client-facing error keeps its message, path and code and nothing else;
 * anything else (a subgraph's SQL error, a stack, a file path) becomes a bare INTERNAL_SERVER_ERROR.
 */
export function maskError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  if (code && CLIENT_FACING_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  return {
    message: 'Internal server error. It has been logged; retry later or contact the platform team.',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * Development error formatting: client-facing errors (refused fields, bad input) carry no stack trace, since
 * it would only point into the gateway; internal errors keep theirs for debugging.
 */
export function tidyClientError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code !== 'string' || !CLIENT_FACING_CODES.has(code)) return formatted;
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}

function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}

/** In production, introspection is only for callers whose token or key carries the `introspection` scope. */
export function introspectionGuard(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          if (!usesIntrospection(document)) return;
          if (contextValue.identity.scopes.includes(SCOPES.introspection)) return;
          throw new GraphQLError(
            `Introspection needs the "${SCOPES.introspection}" scope: use a token or API key that carries it.`,
            { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
          );
        },
      };
    },
  };
}
