import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, type Identity } from '../../subgraphs/shared/identity.ts';

/** Turns request headers into a verified identity; invalid credentials are a 401, never anonymous. */
export type Authenticator = (headers: IncomingHttpHeaders) => Promise<Identity>;

export function createAuthenticator(verifyUserToken: (token: string) => Promise<Identity>): Authenticator {
  return async (headers) => {
    const authorization = headers.authorization;
    if (authorization === undefined || authorization === '') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) {
      throw unauthenticated('Malformed Authorization header: send "Authorization: Bearer <token>".');
    }
    try {
      return await verifyUserToken(match[1]);
    } catch (error) {
      const reason = (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'has expired' : 'is invalid';
      throw unauthenticated(`The bearer token ${reason}: get a new one (npm run token -- --user <id>) and retry.`);
    }
  };
}

/** HTTP 401 with code UNAUTHENTICATED: the request is refused before any field executes. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}
