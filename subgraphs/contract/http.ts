import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { noteRefusal } from './request-log.ts';

/**
 * Express-level request handling shared by the gateway and the subgraphs: whatever goes wrong before Apollo
 * Server sees a request (a body that is not JSON, too large, in another charset; an unknown path or method)
 * is answered as GraphQL JSON, `{ "errors": [{ "message", "extensions": { "code" } }] }`, never with
 * Express's HTML error page (which shows the stack and file paths).
 */

/** The largest request body read, after decompression: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

const EXAMPLE_BODY = '{"query": "{ __typename }", "variables": {}}';

/** Sends one GraphQL-shaped error with `status` (and any extra headers). */
function sendGraphQLError(
  res: Response,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  noteRefusal(res, code);
  res
    .status(status)
    .set(headers)
    .json({ errors: [{ message, extensions: { code } }] });
}

/**
 * The same GraphQL-shaped error written on a bare `node:http` response (the lean `/graphql` path of lean-graphql.ts,
 * which does not go through Express): same status, headers and body as `sendGraphQLError`.
 */
export function writeGraphQLError(res: ServerResponse, status: number, code: string, message: string): void {
  noteRefusal(res, code);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** The exact bytes of each JSON body read with `keepRawBody`, for as long as its request lives. */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** The body of `req` as it arrived (after decompression), when `graphqlJsonBody({ keepRawBody: true })` read it. */
export function rawJsonBody(req: IncomingMessage): Buffer | undefined {
  return rawBodies.get(req);
}

/**
 * Parses `application/json` bodies up to `MAX_BODY_BYTES`; a POST body of another media type is refused with
 * 415. Parse failures are answered by `jsonErrorHandler`. With `keepRawBody` the bytes parsed stay readable
 * through `rawJsonBody` (subgraphs check the gateway's signature of the body against them).
 */
export function graphqlJsonBody(options: { keepRawBody?: boolean } = {}): RequestHandler[] {
  const onlyJson: RequestHandler = (req, res, next) => {
    // `req.is` is null for a request without a body: Apollo Server answers that one ("POST body missing").
    if (req.method !== 'POST' || req.is('application/json') !== false) return next();
    sendGraphQLError(
      res,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `A ${req.get('content-type') ?? 'untyped'} body is not read here: send ${EXAMPLE_BODY} with content-type: application/json.`,
    );
  };
  // strict (the default): only objects and arrays are parsed; `null`, "x" or 42 are refused here, because
  // Apollo's Express integration answers a body it cannot read with a plain-text 500.
  const keepRawBody = (req: IncomingMessage, _res: unknown, raw: Buffer) => {
    rawBodies.set(req, raw);
  };
  return [onlyJson, express.json({ limit: MAX_BODY_BYTES, ...(options.keepRawBody ? { verify: keepRawBody } : {}) })];
}

/** Refuses any method not in `methods` with 405 and an `Allow` header (CORS preflights are answered earlier). */
export function allowMethods(...methods: string[]): RequestHandler {
  const allow = methods.join(', ');
  return (req, res, next) => {
    // Express answers HEAD with the GET route.
    if (methods.includes(req.method) || (req.method === 'HEAD' && methods.includes('GET'))) return next();
    const message = `${req.method} is not allowed on ${req.originalUrl.split('?')[0]}: use ${allow}.`;
    sendGraphQLError(res, 405, 'METHOD_NOT_ALLOWED', message, { allow });
  };
}

/** Answers any request no route took with a JSON 404 naming what is served. */
export function notFound(paths: readonly string[]): RequestHandler {
  return (req, res) => {
    sendGraphQLError(res, 404, 'NOT_FOUND', `Nothing is served at ${req.method} ${req.path}: use ${paths.join(', ')}.`);
  };
}

/** Whether a body that strict parsing refused is still JSON (null, a string, a number). */
function parsesAsJson(body: string | undefined): boolean {
  try {
    JSON.parse(body ?? '');
    return true;
  } catch {
    return false;
  }
}

/** What a body-parser error means for the caller: status, code and what to do. */
function describeBodyError(error: BodyParserError): { status: number; code: string; message: string } | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return {
        status: 400,
        code: 'BAD_REQUEST',
        message: !parsesAsJson(error.body)
          ? `The request body is not valid JSON: send a UTF-8 JSON object such as ${EXAMPLE_BODY} with content-type: application/json.`
          : `The request body must be a JSON object such as ${EXAMPLE_BODY}, not null, a string or a number.`,
      };
    case 'entity.too.large':
      return {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        message: `The request body is larger than the limit of ${MAX_BODY_BYTES} bytes (1 MiB): send a smaller operation or split it into several requests.`,
      };
    case 'charset.unsupported':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: `The charset ${JSON.stringify(error.charset ?? '')} is not supported: send the body as UTF-8 (content-type: application/json; charset=utf-8).`,
      };
    case 'encoding.unsupported':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: `The content-encoding ${JSON.stringify(error.encoding ?? '')} is not supported: send the body uncompressed, or as gzip, deflate or br.`,
      };
  }
  // Other client faults (a corrupt compressed body, a body shorter than its content-length, an aborted upload).
  const status = error.status ?? error.statusCode;
  if (error.expose && status && status >= 400 && status < 500) {
    return {
      status,
      code: 'BAD_REQUEST',
      message: `The request body could not be read: send a complete JSON body (uncompressed, or validly compressed as its content-encoding says) such as ${EXAMPLE_BODY}.`,
    };
  }
  return null;
}

/**
 * The answer to a body read without body-parser (the lean `/graphql` path) that it would have refused: one that
 * is not a strict JSON object or array (`unparsable`, with its text), or that ended before its content-length.
 */
export function bodyRefusal(problem: { unparsable: string } | 'incomplete'): {
  status: number;
  code: string;
  message: string;
} {
  const error: BodyParserError =
    problem === 'incomplete'
      ? { status: 400, expose: true }
      : { type: 'entity.parse.failed', body: problem.unparsable };
  return describeBodyError(error) as { status: number; code: string; message: string };
}

/** The fields body-parser (through http-errors) puts on its errors. */
interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  body?: string;
  charset?: string;
  encoding?: string;
}

/** The message every internal error gets; `extensions.requestId` is what to quote. */
export const MASKED_MESSAGE =
  "Internal server error. It has been logged under the requestId in this error's extensions: quote it to the platform team, or retry later.";

/**
 * The last error handler of an Express app: body-parser's errors get their status and a message saying what
 * to send; anything else is a 500 whose details go to `log`, never to the caller. The 500 carries a request
 * id (the one already set as `x-request-id` on the response, or a new one) in `extensions.requestId` and the
 * `x-request-id` header, and `log` gets it too, so the caller's report leads to the log line.
 */
export function jsonErrorHandler(log: (error: unknown, requestId: string) => void): ErrorRequestHandler {
  return (error, _req, res, next) => {
    // Part of the answer is on the wire: Express's own handler closes the connection.
    if (res.headersSent) return next(error);
    const known = typeof error === 'object' && error !== null ? describeBodyError(error as BodyParserError) : null;
    if (known) return sendGraphQLError(res, known.status, known.code, known.message);
    const existing = res.getHeader('x-request-id');
    const requestId = typeof existing === 'string' && existing ? existing : randomUUID();
    log(error, requestId);
    res
      .status(500)
      .set('x-request-id', requestId)
      .json({
        errors: [
          {
            message: MASKED_MESSAGE,
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
          },
        ],
      });
  };
}
