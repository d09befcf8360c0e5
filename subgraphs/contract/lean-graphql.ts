import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import { bodyRefusal, MASKED_MESSAGE, MAX_BODY_BYTES, writeGraphQLError } from './http.ts';

/**
 * The lean `/graphql` path of every serving process (the gateway and each subgraph): the request nearly every
 * caller sends (a POST of a UTF-8 JSON body of a declared length within the limit) goes from `node:http` straight
 * to Apollo Server's `executeHTTPGraphQLRequest`, without Express, its router, body-parser or the cors middleware.
 * Everything else (GET and the landing page, CORS preflights, other methods, other media types and charsets,
 * compressed or chunked bodies, bodies over the limit, every other path) goes on to the process's Express app,
 * which answers it as before. Both paths answer alike (status, headers, GraphQL JSON errors; tested side by side
 * for the gateway and for a subgraph), except that Express's `ETag` and `X-Powered-By` are not added to POST
 * answers, which no cache reuses.
 */
export interface LeanGraphQLOptions<TContext extends BaseContext> {
  server: ApolloServer<TContext>;
  /** The context of a request, from the request, its response and the exact bytes of its body. */
  context: (req: IncomingMessage, res: ServerResponse, rawBody: Buffer) => Promise<TContext>;
  /** Headers every answer carries (set before Apollo's own), as the process's Express path sets them. */
  headers?: Readonly<Record<string, string>>;
  /** Browser origins admitted (with credentials): exact origins or patterns, as the cors middleware takes them. */
  corsOrigins?: readonly (string | RegExp)[];
  /** Identical concurrent reads share one execution: answers the request and resolves true when it took it. */
  share?: (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<boolean>;
  /** An unexpected error, answered as a masked 500 under `requestId`. */
  onError: (error: unknown, requestId: string) => void;
}

/** `/graphql`, `/graphql/...` and `/graphql?...`, in any case: the paths Express's `app.use('/graphql')` takes. */
const GRAPHQL_PATH = /^\/graphql(?:[/?]|$)/i;
/** The media types body-parser reads as UTF-8 JSON without a second look; any other goes the Express way. */
const PLAIN_JSON = /^application\/json(?:\s*;\s*charset=utf-8)?$/i;

/** Whether the lean path answers `req`: a POST to /graphql of an uncompressed UTF-8 JSON body of a length within the limit. */
export function takesLeanPath(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || !GRAPHQL_PATH.test(req.url ?? '')) return false;
  const headers = req.headers;
  const type = headers['content-type'];
  const length = headers['content-length'];
  if (type === undefined || length === undefined || !PLAIN_JSON.test(type)) return false;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
  const bytes = Number(length);
  return Number.isInteger(bytes) && bytes <= MAX_BODY_BYTES;
}

/** The request handler of the lean path; call it only for a request `takesLeanPath` accepts. */
export function leanGraphQLHandler<TContext extends BaseContext>(
  options: LeanGraphQLOptions<TContext>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { server, share, onError } = options;
  const fixedHeaders = Object.entries(options.headers ?? {});
  const origins = options.corsOrigins ?? [];
  const admitted = (origin: string) =>
    origins.some((allowed) => (typeof allowed === 'string' ? allowed === origin : allowed.test(origin)));
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of fixedHeaders) res.setHeader(name, value);
    if (origins.length > 0) {
      // What the cors middleware sets on an actual (not preflight) request; Apollo's headers come after it.
      const origin = req.headers.origin;
      if (origin !== undefined && admitted(origin)) res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-allow-credentials', 'true');
    }
    const raw = await readBody(req);
    if (raw === undefined) {
      const refusal = bodyRefusal('incomplete');
      return writeGraphQLError(res, refusal.status, refusal.code, refusal.message);
    }
    const text = raw.toString('utf8');
    const body = parseStrictJson(text);
    if (body === UNPARSABLE) {
      const refusal = bodyRefusal({ unparsable: text });
      return writeGraphQLError(res, refusal.status, refusal.code, refusal.message);
    }
    if (share && (await share(req, res, body))) return;
    const headers = new HeaderMap();
    const incoming = req.headers;
    for (const name in incoming) {
      const value = incoming[name];
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url as string;
    const query = url.indexOf('?');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: query === -1 ? '' : url.slice(query), body },
      context: () => options.context(req, res, raw),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      // Encoded once: a string would be measured (Buffer.byteLength), then prefixed with the head and encoded
      // again on the way out, two more copies of the answer per request for the garbage collector. A declared
      // length, as Express's res.send sets it: head and body then go out in one writev, where a chunked answer
      // is five buffers (size line, body, separators, last chunk). The compression middleware drops it when it
      // compresses.
      const bytes = Buffer.from(response.body.string, 'utf8');
      res.setHeader('content-length', bytes.length);
      res.end(bytes);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
  return (req, res) => {
    answer(req, res).catch((error: unknown) => {
      // As Express's last handler does: part of the answer is on the wire, so the connection is closed.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const existing = res.getHeader('x-request-id');
      const requestId = typeof existing === 'string' && existing ? existing : randomUUID();
      onError(error, requestId);
      res.statusCode = 500;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('x-request-id', requestId);
      res.end(
        JSON.stringify({
          errors: [{ message: MASKED_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }],
        }),
      );
    });
  };
}

/** Parsed bodies that are not a strict JSON object or array come back as this. */
const UNPARSABLE = Symbol('unparsable');

/**
 * The body as body-parser's strict JSON parser reads it: an empty body is `{}` (Apollo then says what to send),
 * a leading byte-order mark is dropped, and only an object or an array is accepted.
 */
function parseStrictJson(text: string): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.length === 0) return {};
  const first = json.match(FIRST_CHARACTER)?.[1];
  if (first !== '{' && first !== '[') return UNPARSABLE;
  try {
    return JSON.parse(json);
  } catch {
    return UNPARSABLE;
  }
}

/** The first character that is not JSON whitespace. */
const FIRST_CHARACTER = /^[ \t\n\r]*([^ \t\n\r])/;

/** The whole body, or undefined when the client stopped before sending its content-length. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    // An aborted upload: the answer has nowhere to go, and a short body is refused as body-parser refuses it.
    req.on('error', () => resolve(undefined));
    req.on('close', () => {
      if (!req.complete) resolve(undefined);
    });
  });
}
