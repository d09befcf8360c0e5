import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { Identity } from './identity.ts';
import { type RequestLine, requestLineOfContext } from './request-log.ts';

/** Longer operation names are cut to this in log lines. */
const MAX_LOGGED_NAME_LENGTH = 100;

/**
 * Writes what Apollo knows about a request on its line: operation name and document hash, caller kind and id,
 * outcome, error codes and the original message of each internal error. `isInternal` says which codes are the
 * platform's fault (the gateway: everything not client-facing; a subgraph: INTERNAL_SERVER_ERROR or no code).
 */
export function describeOnLine<TContext extends BaseContext & { identity?: Identity }>(
  line: RequestLine,
  request: GraphQLRequestContextWillSendResponse<TContext>,
  isInternal: (code: string | undefined) => boolean,
): void {
  const { response, errors, operationName, queryHash } = request;
  const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
  line.graphql = true;
  line.operation = (operationName ?? request.request.operationName ?? 'anonymous').slice(0, MAX_LOGGED_NAME_LENGTH);
  line.operationHash = queryHash;
  const identity = request.contextValue?.identity;
  if (identity) {
    line.caller = identity.kind;
    if (identity.kind === 'user' && identity.subject) line.userId = identity.subject;
    if (identity.kind === 'partner' && identity.subject) line.keyId = identity.subject;
  }
  const sent = errors ?? body?.errors;
  if (!sent?.length) {
    line.outcome = 'ok';
    return;
  }
  line.codes = [...new Set(sent.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
  line.outcome = body?.data ? 'partial' : 'error';
  const internal = (errors ?? []).filter((e) => {
    const code = e.extensions?.code;
    return isInternal(typeof code === 'string' ? code : undefined);
  });
  if (internal.length > 0) line.internalErrors = internal.map((e) => e.message);
}

/** The Apollo plugin of a subgraph: fills in each request's line (see request-log.ts). */
export function requestLines(): ApolloServerPlugin<BaseContext & { identity?: Identity }> {
  const isInternal = (code: string | undefined) => code === undefined || code === 'INTERNAL_SERVER_ERROR';
  return {
    async requestDidStart() {
      return {
        async willSendResponse(request) {
          const line = requestLineOfContext(request.contextValue);
          if (line) describeOnLine(line, request, isInternal);
        },
      };
    },
  };
}
