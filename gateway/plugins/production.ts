import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { MASKED_MESSAGE } from '../../subgraphs/contract/index.ts';
import { SUBGRAPH_ERROR_CODES } from '../subgraph-fetch/failure.ts';

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
  // Trusted documents (plugins/trusted-documents.ts) and rate limits (rate-limit/): both tell the caller what to do.
  'PERSISTED_QUERY_NOT_IN_LIST',
  'THROTTLED',
  // A subgraph that timed out, is down or is cut off by its breaker: the message names it (never its address)
  // and says whether a mutation may have applied, which a client needs to retry safely.
  ...Object.values(SUBGRAPH_ERROR_CODES),
]);

/** Whether errors with this code carry a message written for clients (and so are never masked). */
export function isClientFacing(code: string | undefined): boolean {
  return code !== undefined && CLIENT_FACING_CODES.has(code);
}

/**
 * Last line of defence for any message a client reads, in every mode: internal addresses (a subgraph's
 * http://host:port/...) and file paths become placeholders. Public https URLs (documentation) are kept.
 */
function scrubInternals(text: string): string {
  return scrubUrls(text)
    .replace(/(?<=^|[\s('"`=])(?:file:\/\/)?(?:\/[\w.@+-]+){2,}(?::\d+){0,2}/g, '<path>')
    .replace(/\b[A-Za-z]:\\[^\s"'`)]+/g, '<path>');
}

function isPublicUrl(text: string): boolean {
  try {
    const url = new URL(text);
    const host = url.hostname;
    const internalHost = host === 'localhost' || !host.includes('.') || /^[\d.]+$/.test(host) || host.startsWith('[');
    return url.protocol === 'https:' && url.port === '' && !internalHost;
  } catch {
    return false;
  }
}

/**
 * Apollo Server's own answers to a request it cannot read say what is wrong but not what to send instead;
 * clients get the same refusal, told so they can fix the request.
 */
const APOLLO_REQUEST_ERRORS: [RegExp, string][] = [
  [
    /^Operation batching disabled\.$/,
    'Operation batching is off: send one operation per request, as a JSON object such as {"query": "{ __typename }"}, not an array.',
  ],
  [
    /^POST body missing, invalid Content-Type, or JSON object has no keys\.$/,
    'The request carries no operation: POST a JSON object such as {"query": "{ __typename }"} with content-type: application/json.',
  ],
  [
    /^GET requests only support query operations, not (\w+) operations$/,
    'GET requests only run queries: send this $1 as a POST with content-type: application/json.',
  ],
];

/** A client-facing message as the client should read it: Apollo's request errors with advice, nothing internal. */
function clientMessage(message: string): string {
  const known = APOLLO_REQUEST_ERRORS.find(([pattern]) => pattern.test(message));
  return scrubInternals(known ? message.replace(known[0], known[1]) : message);
}

/** graphql-js suggestions name fields and types; production refuses introspection, so it refuses these too. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** Extensions written for clients (which limit, what was measured, which variable, what to quote): kept. */
const CLIENT_EXTENSIONS = ['limit', 'measured', 'maximum', 'variableName', 'requestId'] as const;

/**
 * The code of an error written for the client, or undefined for anything else: a client-facing code, or an
 * error Apollo Server itself answers with a 4xx status (a persisted query whose hash does not match, an
 * unsupported version), which carries no code and gets BAD_REQUEST. A subgraph's error (it has a
 * `serviceName`) is never trusted on its status alone.
 */
function clientCode(formatted: GraphQLFormattedError, error: unknown): string | undefined {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  if (isClientFacing(code)) return code;
  const extensions = error instanceof GraphQLError ? error.extensions : undefined;
  const status = (extensions?.http as { status?: unknown } | undefined)?.status;
  const fromApollo = typeof status === 'number' && status >= 400 && status < 500 && !extensions?.serviceName;
  if (!fromApollo) return undefined;
  return code === undefined || code === 'INTERNAL_SERVER_ERROR' ? 'BAD_REQUEST' : code;
}

/**
 * Production error masking: a client-facing error keeps its message (without schema suggestions or internal
 * addresses), path, code and the client extensions and nothing else; anything else (a subgraph's SQL error, a
 * stack, a file path) becomes a bare INTERNAL_SERVER_ERROR, whose original the observability plugin logs under
 * the request id. `error` is the original error Apollo Server passes as formatError's second argument.
 */
export function maskError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const code = clientCode(formatted, error);
  if (code !== undefined) {
    const kept = CLIENT_EXTENSIONS.filter((key) => formatted.extensions?.[key] !== undefined);
    return {
      message: clientMessage(formatted.message.replace(SUGGESTION, '')),
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code, ...Object.fromEntries(kept.map((key) => [key, formatted.extensions?.[key]])) },
    };
  }
  // A request id is only there already when the context could not be built (see observability).
  const requestId =
    typeof formatted.extensions?.requestId === 'string' ? { requestId: formatted.extensions.requestId } : {};
  return { message: MASKED_MESSAGE, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', ...requestId } };
}

/**
 * Development error formatting: client-facing errors (refused fields, bad input) carry no stack trace, since
 * it would only point into the gateway; internal errors keep theirs for debugging. Internal addresses are
 * scrubbed from messages and stacks in development too.
 */
export function tidyClientError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const code = clientCode(formatted, error);
  const { stacktrace, ...extensions } = formatted.extensions ?? {};
  if (code !== undefined) {
    return { ...formatted, message: clientMessage(formatted.message), extensions: { ...extensions, code } };
  }
  const message = scrubInternals(formatted.message);
  if (!Array.isArray(stacktrace)) return { ...formatted, message };
  return {
    ...formatted,
    message,
    extensions: { ...extensions, stacktrace: stacktrace.map((line) => scrubUrls(String(line))) },
  };
}

/** Stacks in development keep their file paths (they are the point of a stack) but not internal addresses. */
function scrubUrls(text: string): string {
  return text.replace(/\b(?:https?|wss?):\/\/[^\s"'<>`)]+/gi, (url) => (isPublicUrl(url) ? url : '<internal address>'));
}
