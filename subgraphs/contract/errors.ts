import { GraphQLError } from 'graphql';

/** A broken business rule, returned in a mutation payload's `userErrors` (never thrown). */
export interface UserError {
  code: string;
  message: string;
  field?: string[];
}

export function userError(code: string, message: string, field?: string[]): UserError {
  return field ? { code, message, field } : { code, message };
}

/** Invalid arguments (out-of-range `first`, bad cursor, bad coordinates): a `BAD_USER_INPUT` error. */
export function badUserInput(message: string, argumentName?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', ...(argumentName ? { argumentName } : {}) },
  });
}

/**
 * No identity where a field needs one. A field-level error, not an HTTP 401: the rest of the operation
 * still executes, and the gateway keeps the error's path (it drops the body of a non-2xx subgraph response).
 */
export function unauthenticated(message = 'Sign in: send Authorization: Bearer <token> or an x-api-key header.') {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

/**
 * Credentials that are missing where required, invalid, expired or revoked: HTTP 401 for the whole request,
 * before any field executes (the gateway for client credentials, a subgraph for the gateway's signature).
 */
export function invalidCredentials(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** An identity that may not do this (missing scope, merchant not on its list, not a party). */
export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}
