import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { type DocumentNode, GraphQLError, Kind } from 'graphql';
import type { GatewayContext } from '../context.ts';

/** Told to a client that sends a subscription over plain HTTP. */
const SUBSCRIPTIONS_NOT_SERVED =
  'Subscriptions are not served over HTTP POST or GET yet. Live updates will be served at /graphql over ' +
  'WebSocket (graphql-transport-ws) and Server-Sent Events; until then, poll with a query.';

function operationNames(document: DocumentNode): string[] {
  return document.definitions.flatMap((d) =>
    d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value ?? '(anonymous)'] : [],
  );
}

function unresolvable(document: DocumentNode, operationName: string | undefined): GraphQLError {
  const names = operationNames(document);
  const message = operationName
    ? `The document has no operation named "${operationName}" (it defines: ${names.join(', ')}): set operationName to one of them.`
    : `The document defines several operations (${names.join(', ')}): set operationName to the one to run.`;
  return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
}

/**
 * Answers, before anything is planned, the operations the gateway cannot run: an `operationName` that
 * names no operation of the document (or none given for several), HTTP 400 `OPERATION_RESOLUTION_FAILURE`;
 * a subscription, HTTP 400 `BAD_REQUEST` saying how subscriptions will be served. Without this both reached
 * the gateway's executor, which failed with HTTP 500.
 */
export function servedOperations(): ApolloServerPlugin<GatewayContext> {
  // One listener for every request: it keeps nothing per request.
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ document, operation, request }) {
      if (!operation) throw unresolvable(document, request.operationName);
      if (operation.operation === 'subscription') {
        throw new GraphQLError(SUBSCRIPTIONS_NOT_SERVED, {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
      }
    },
  };
  return { requestDidStart: async () => listener };
}
