import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS, type Identity, invalidCredentials } from '../../subgraphs/contract/index.ts';
import type { ApiKeyStore } from '../keys/store.ts';
import { InvalidUserToken } from './user-token.ts';

/** Turns request headers into a verified identity; invalid credentials are a 401, never anonymous. */
export type Authenticator = (headers: IncomingHttpHeaders) => Promise<Identity>;

const KEY_FAILURES = {
  malformed: 'The API key is malformed: send the whole key as printed by `npm run keys -- create` (lg_live_...).',
  unknown: 'The API key is not recognised: check it, or ask for a new one.',
  revoked: 'The API key has been revoked: ask the platform team for a new one.',
  expired: 'The API key has expired: ask the platform team for a new one.',
} as const;

/**
 * Users send `Authorization: Bearer <JWT>`; partners send `x-api-key: lg_live_...` (or
 * `Authorization: Bearer lg_live_...`); no credentials at all is anonymous.
 */
export function createAuthenticator(
  verifyUserToken: (token: string) => Promise<Identity>,
  apiKeys?: ApiKeyStore,
): Authenticator {
  const partner = (key: string): Identity => {
    if (!apiKeys) throw invalidCredentials('API keys are not accepted by this gateway: send a user token.');
    const check = apiKeys.verify(key);
    if (!check.ok) throw invalidCredentials(KEY_FAILURES[check.reason]);
    return { kind: 'partner', subject: check.key.id, scopes: check.key.scopes, merchantIds: check.key.merchants };
  };
  return async (headers) => {
    const apiKey = headers['x-api-key'];
    const authorization = headers.authorization;
    if (typeof apiKey === 'string' && apiKey !== '') {
      if (authorization) throw invalidCredentials('Send one credential: either x-api-key or Authorization, not both.');
      return partner(apiKey);
    }
    if (authorization === undefined || authorization === '') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) {
      throw invalidCredentials('Malformed Authorization header: send "Authorization: Bearer <token>".');
    }
    if (match[1].startsWith('lg_')) return partner(match[1]);
    try {
      return await verifyUserToken(match[1]);
    } catch (error) {
      const reason = error instanceof InvalidUserToken ? error.message : 'is invalid';
      throw invalidCredentials(`The bearer token ${reason}: get a new one (npm run token -- --user <id>) and retry.`);
    }
  };
}
