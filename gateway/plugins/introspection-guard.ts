import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { SCOPES } from '../../subgraphs/contract/index.ts';
import type { GatewayContext } from '../context.ts';
import { analysisOf } from './limits/index.ts';

/**
 * In production, introspection is only for callers whose token or key carries the `introspection` scope.
 * Whether a document introspects comes from the shared operation analysis (each fragment looked at once).
 */
export function introspectionGuard(): ApolloServerPlugin<GatewayContext> {
  // One listener for every request: it keeps nothing per request.
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ document, contextValue }) {
      if (!analysisOf(document).usesIntrospection) return;
      if (contextValue.identity.scopes.includes(SCOPES.introspection)) return;
      throw new GraphQLError(
        `Introspection needs the "${SCOPES.introspection}" scope: use a token or API key that carries it.`,
        { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
      );
    },
  };
  return { requestDidStart: async () => listener };
}
