import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { RequestHandler } from 'express';
import { getOperationAST, type ParseOptions, parse } from 'graphql';
import { type RequestLine, requestIdOf, requestLineOf, tiedToRequestLine } from '../subgraphs/contract/index.ts';
import type { Authenticator } from './auth/authenticate.ts';
import type { GatewayContext } from './context.ts';
import { InFlight, identityClass, readSwitchEnv } from './subgraph-fetch/dedup.ts';

/** `LIFEGRAPH_DEDUP_REQUESTS`: whether identical concurrent read operations share one execution. */
export function dedupRequestsFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return readSwitchEnv('LIFEGRAPH_DEDUP_REQUESTS', env);
}

/** One execution's answer, written by each caller that shared it to its own HTTP response. */
interface SharedAnswer {
  status: number;
  headers: [string, string][];
  body: string;
  /** The id of the request that ran it (in its subgraphs' log lines and its errors' `extensions.requestId`). */
  requestId: string;
  /** That request's log line, as Apollo's plugins filled it in (operation, caller, codes). */
  line: RequestLine | undefined;
}

/**
 * Answers `req` from an execution in flight when it is a POST of a query operation whose identity class,
 * operation, variables and extensions equal those of one being executed: it waits for that execution and gets its
 * answer, and the returned promise resolves true. Anything else (mutations, subscriptions, documents that do not
 * parse, GET, batches, incremental delivery, a caller whose credentials fail) resolves false, to go on to Apollo as
 * usual. Nothing is kept once an execution has answered. Works on bare `node:http` requests (the gateway's lean
 * path) and, through `dedupMiddleware`, as Express middleware.
 */
export function requestSharing(options: {
  server: ApolloServer<GatewayContext>;
  authenticate: Authenticator;
  parseOptions: ParseOptions;
  /** Runs each time a caller joins an execution already in flight (the dedup counter). */
  onShared: () => void;
  /** The client's address, as the gateway's context has it (the leader's bucket pays for a shared execution). */
  clientAddress: (req: IncomingMessage) => string;
}): (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<boolean> {
  const inFlight = new InFlight<SharedAnswer>(options.onShared);
  return async (req, res, requestBody) => {
    const body = requestBody as { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown };
    if (req.method !== 'POST' || !isReadOperation(body, options.parseOptions)) return false;
    if (String(req.headers.accept ?? '').includes('multipart/')) return false;
    let identity: GatewayContext['identity'];
    try {
      identity = await options.authenticate(req.headers);
    } catch {
      // Apollo answers a credentials failure as it always does.
      return false;
    }
    const key = JSON.stringify([
      identityClass(identity),
      req.headers.accept ?? '',
      body.query,
      body.operationName ?? null,
      body.variables ?? null,
      body.extensions ?? null,
    ]);
    let answer: SharedAnswer;
    // Only the request that starts the execution runs it; the others join.
    let ran = false;
    try {
      answer = await inFlight.run(
        key,
        (signal) => {
          ran = true;
          const caller = { identity, clientAddress: options.clientAddress(req) };
          return execute(options.server, req, res, body, caller, signal);
        },
        clientLeft(res),
      );
    } catch (error) {
      // This client went away: nobody is left to answer.
      if (res.destroyed || res.writableEnded) return true;
      throw error;
    }
    let answerBody = answer.body;
    if (!ran) {
      // A joiner keeps its own id (x-request-id is already on its response) in its errors and on its line, which
      // names the request that ran the execution: the subgraphs' lines for it carry that one.
      const own = requestIdOf(res);
      answerBody = withRequestId(answer.body, answer.requestId, own);
      const line = requestLineOf(res);
      if (line && answer.line) describeShared(line, answer.line);
    }
    res.statusCode = answer.status;
    for (const [name, value] of answer.headers) res.setHeader(name, value);
    res.end(answerBody);
    return true;
  };
}

/** `requestSharing` as Express middleware before Apollo's (for the requests the lean path leaves to Express). */
export function dedupMiddleware(share: ReturnType<typeof requestSharing>): RequestHandler {
  return async (req, res, next) => {
    try {
      if (!(await share(req, res, req.body))) next();
    } catch (error) {
      next(error);
    }
  };
}

/** True for a body whose operation parses and is a query; the token limit bounds the parsing as Apollo's does. */
function isReadOperation(body: { query?: unknown; operationName?: unknown } | undefined, parseOptions: ParseOptions) {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof body.query !== 'string') return false;
  try {
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    return getOperationAST(parse(body.query, parseOptions), operationName)?.operation === 'query';
  } catch {
    return false;
  }
}

/** An abort signal that fires when the client goes away before its response has been sent. */
function clientLeft(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the request'));
  });
  return controller.signal;
}

/**
 * The shared execution, run as the request that started it (`req`, `res`): under its request id, filling in its
 * log line. Not cancelled by any one caller leaving, so the others still get their answer; `signal` (every caller
 * has left) cancels its subgraph fetches.
 */
async function execute(
  server: ApolloServer<GatewayContext>,
  req: IncomingMessage,
  res: ServerResponse,
  requestBody: unknown,
  caller: Pick<GatewayContext, 'identity' | 'clientAddress'>,
  signal: AbortSignal,
): Promise<SharedAnswer> {
  const requestId = requestIdOf(res);
  const runAs = tiedToRequestLine(async (): Promise<GatewayContext> => ({ requestId, ...caller, signal }));
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: 'POST',
      headers,
      search: new URL(req.url ?? '/', 'http://gateway').search,
      body: requestBody,
    },
    context: () => runAs(req, res),
  });
  let body: string;
  if (response.body.kind === 'complete') {
    body = response.body.string;
  } else {
    body = '';
    for await (const chunk of response.body.asyncIterator) body += chunk;
  }
  return { status: response.status ?? 200, headers: [...response.headers], body, requestId, line: requestLineOf(res) };
}

/**
 * A joiner's line says what the execution it shared was (operation, caller, outcome, codes) and which request ran
 * it. It is not counted in the request metrics: the execution counts once, on the line of the request that ran it.
 */
function describeShared(line: RequestLine, ran: RequestLine): void {
  line.operation = ran.operation;
  line.operationHash = ran.operationHash;
  line.caller = ran.caller;
  line.userId = ran.userId;
  line.keyId = ran.keyId;
  line.outcome = ran.outcome;
  line.codes = ran.codes;
  line.sharedFrom = ran.requestId;
}

/** `body` with the errors' `extensions.requestId` of the request that ran it (`from`) replaced by the joiner's. */
function withRequestId(body: string, from: string, to: string): string {
  // Only internal errors carry a request id: most answers have none and are passed on untouched.
  if (from === to || !body.includes('"requestId"')) return body;
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { requestId?: unknown } }[] };
    for (const error of parsed.errors ?? []) {
      if (error.extensions?.requestId === from) error.extensions.requestId = to;
    }
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}
