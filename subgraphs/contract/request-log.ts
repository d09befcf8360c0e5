import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';

/**
 * Request ids and the one log line per request of every serving process (the gateway and each subgraph). The
 * HTTP server wraps its handler with `withRequestLines`: every request gets an id (the client's sane
 * `x-request-id`, else a new one) set as `x-request-id` on its response before anything answers, so every answer
 * carries it (lean path, Express, refusals, 500s). Whoever learns something about the request writes it on the
 * request's line (the Apollo plugin: operation, caller, codes; the error writers: the code of a refusal), and the
 * line is written once when the response ends, so refusals that never reach Apollo's plugins (401 from the context,
 * CSRF, 413, 415, a body that is not JSON) get their line too.
 */

/** The header a request id travels in: from the client, back to it, and from the gateway to each subgraph. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A client's request id is kept only when it is this (no spaces, quotes or control characters reach a log). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the client's `x-request-id` when it is 1-128 characters of [A-Za-z0-9._:-], else a new UUID. */
export function requestIdFrom(value: string | string[] | undefined): string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** What one request's log line says; filled in while the request runs, written when its response ends. */
export interface RequestLine {
  requestId: string;
  /** The OpenTelemetry trace the request is part of, when tracing is on (see tracing.ts). */
  traceId?: string;
  method: string;
  path: string;
  /** The operation name (cut to 100 characters) and the sha256 of the document, once Apollo has read them. */
  operation?: string;
  operationHash?: string;
  /** Caller kind (anonymous, user, partner) and, for a user or a partner key, its id. */
  caller?: string;
  userId?: string;
  keyId?: string;
  /** ok, partial (data with errors) or error, as the GraphQL answer says; unset when Apollo never ran it. */
  outcome?: string;
  codes?: string[];
  /** The original message of each internal error (the client was told only "Internal server error"). */
  internalErrors?: string[];
  /** Set by the Apollo plugin once it has seen the request. */
  graphql?: boolean;
  /** The gateway's metric label for the operation (bounded; see BoundedLabel in gateway/plugins/observability.ts). */
  operationLabel?: string;
  /** The request whose execution this one shared (LIFEGRAPH_DEDUP_REQUESTS): its id is on the subgraphs' lines. */
  sharedFrom?: string;
}

/** What the process does with a finished line: write it and count it. */
export type LineWriter = (line: RequestLine, status: number, ms: number, finished: boolean) => void;

const lines = new WeakMap<ServerResponse, RequestLine>();
/**
 * Where a GraphQL context keeps its request's line. A symbol property rather than a map keyed by the context:
 * Apollo Server runs each operation on a shallow copy of the context object, and the copy keeps the property.
 */
const LINE = Symbol('request line');
/** The line of the request whose context function threw each error (Apollo's contextCreationDidFail gets only it). */
const failedContexts = new WeakMap<object, RequestLine>();

/**
 * Wraps an HTTP server's request handler: each request gets its id and line, and `write` gets the line when the
 * response has been sent (`finished`) or the client went away first.
 */
export function withRequestLines(
  write: LineWriter,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const line: RequestLine = {
      requestId,
      method: req.method ?? 'GET',
      path: query === -1 ? url : url.slice(0, query),
    };
    // The request's span is active here when tracing is on (tracedRequests wraps this handler); else no span.
    const span = trace.getActiveSpan();
    if (span) line.traceId = span.spanContext().traceId;
    lines.set(res, line);
    res.once('close', () => {
      write(line, res.statusCode, Number(process.hrtime.bigint() - started) / 1e6, res.writableFinished);
    });
    handle(req, res);
  };
}

/** The id of the request `res` answers (a new one for a response no `withRequestLines` handler made). */
export function requestIdOf(res: ServerResponse): string {
  return lines.get(res)?.requestId ?? randomUUID();
}

/** The line of the request `res` answers, if its server keeps lines. */
export function requestLineOf(res: ServerResponse): RequestLine | undefined {
  return lines.get(res);
}

/** The line of the request a GraphQL context was built for (see `tiedToRequestLine`). */
export function requestLineOfContext(context: object | undefined): RequestLine | undefined {
  return context ? ((context as Record<symbol, unknown>)[LINE] as RequestLine | undefined) : undefined;
}

/** The line of the request whose context function threw `error`. */
export function requestLineOfError(error: unknown): RequestLine | undefined {
  return typeof error === 'object' && error !== null ? failedContexts.get(error) : undefined;
}

/** Puts a refusal's code on the request's line (the HTTP-level error writers call it). */
export function noteRefusal(res: ServerResponse, code: string): void {
  const line = lines.get(res);
  if (line) line.codes = [code];
}

/**
 * A GraphQL context function whose contexts are tied to their request's line (so the Apollo plugin can fill it
 * in), and whose refusals (401 for bad credentials, 400 for an unlisted document) put their code on it.
 */
export function tiedToRequestLine<TContext extends object, TRest extends unknown[]>(
  build: (req: IncomingMessage, res: ServerResponse, ...rest: TRest) => Promise<TContext>,
): (req: IncomingMessage, res: ServerResponse, ...rest: TRest) => Promise<TContext> {
  return async (req, res, ...rest) => {
    try {
      const context = await build(req, res, ...rest);
      const line = lines.get(res);
      if (line) (context as Record<symbol, unknown>)[LINE] = line;
      return context;
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      noteRefusal(res, typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR');
      const line = lines.get(res);
      if (line && typeof error === 'object' && error !== null) failedContexts.set(error, line);
      throw error;
    }
  };
}

/** The code of an answer nobody noted one for (Apollo's own refusals: CSRF, a malformed GraphQL request). */
const CODE_OF_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'THROTTLED',
};

const NO_CODES: readonly string[] = Object.freeze([]);

/** The error codes of a finished request: those noted, else the one its status implies. */
export function codesOf(line: RequestLine, status: number): readonly string[] {
  if (line.codes && line.codes.length > 0) return line.codes;
  if (status < 400) return NO_CODES;
  return [CODE_OF_STATUS[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST')];
}

/** A bounded outcome for metrics and logs: the GraphQL one, else `refused` (4xx), `error` (5xx) or `ok`. */
export function outcomeOf(line: RequestLine, status: number, finished: boolean): string {
  if (!finished) return 'client_closed';
  if (line.outcome) return line.outcome;
  if (status >= 500) return 'error';
  return status >= 400 ? 'refused' : 'ok';
}

/** The fields of a finished line as written to the log. */
export function logFields(line: RequestLine, status: number, ms: number, finished: boolean) {
  return {
    requestId: line.requestId,
    traceId: line.traceId,
    method: line.method,
    path: line.path,
    operation: line.operation,
    operationHash: line.operationHash,
    caller: line.caller ?? 'unauthenticated',
    userId: line.userId,
    keyId: line.keyId,
    outcome: outcomeOf(line, status, finished),
    codes: codesOf(line, status),
    internalErrors: line.internalErrors,
    sharedFrom: line.sharedFrom,
    status,
    ms: Math.round(ms * 10) / 10,
  };
}
