import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { type DocumentNode, type GraphQLFormattedError, parse } from 'graphql';
import {
  ANONYMOUS,
  failActiveSpan,
  IDENTITY_HEADER,
  type Identity,
  identityTtlSeconds,
  injectTraceHeaders,
  REQUEST_ID_HEADER,
  signIdentity,
  tracingEnabled,
} from '../subgraphs/contract/index.ts';
import type { GatewayContext } from './context.ts';
import { RequestBodies } from './subgraph-fetch/body.ts';
import type { SubgraphBreakers } from './subgraph-fetch/breakers.ts';
import type { SubgraphFetchOptions } from './subgraph-fetch/config.ts';
import { type InFlight, identityClass, onlyQueries } from './subgraph-fetch/dedup.ts';
import { classifyFailure, failureResponse, SubgraphFetchFailure, SubgraphHttpError } from './subgraph-fetch/failure.ts';
import type { SubgraphFetcher, SubgraphHttpResponse } from './subgraph-fetch/fetcher.ts';

/**
 * Sends every subgraph request with the caller's verified identity, signed with the secret shared by the
 * gateway and the subgraphs (subgraphs trust nothing else, so clients can't forge identity headers) and bound
 * to the exact body sent, and keeps a subgraph's faults local: each fetch has a timeout, is aborted when the
 * client leaves (all but the circuit's half-open probe) and goes through the subgraph's circuit breaker; a
 * failed fetch becomes errors at the paths it owned. It does what Apollo's RemoteGraphQLDataSource does for
 * our subgraphs (no APQ) on the gateway's own keep-alive fetcher. With `inFlight` (LIFEGRAPH_DEDUP_SUBGRAPH_FETCHES),
 * identical concurrent query fetches with the same identity share one request.
 */
export class SignedDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly identityTtl: number;
  private readonly url: URL;
  private readonly bodies = new RequestBodies();
  private readonly tracing = tracingEnabled();

  constructor(
    private readonly subgraph: { name: string; url: string },
    private readonly subgraphSecret: string,
    private readonly fetchOptions: SubgraphFetchOptions,
    private readonly breakers: SubgraphBreakers,
    private readonly fetcher: SubgraphFetcher,
    private readonly inFlight?: InFlight<SubgraphHttpResponse>,
  ) {
    this.url = new URL(subgraph.url);
    this.identityTtl = identityTtlSeconds(fetchOptions.timeoutMs);
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const context = options.context as Partial<GatewayContext>;
    const deadline = new Deadline(this.fetchOptions.timeoutMs);
    let client = context.signal;
    const { name } = this.subgraph;
    try {
      return await this.breakers.run(name, async ({ probe }) => {
        // The half-open probe is not cancelled by its client: it is the subgraph's test, and one cut short
        // would say nothing about the subgraph (cockatiel even takes such an error as a success and closes
        // the circuit). It finishes, bounded by the timeout, so the circuit always gets a verdict.
        if (probe) client = undefined;
        else if (client) deadline.follow(client);
        try {
          return await this.send(options, deadline.signal);
        } catch (error) {
          // Classified inside the breaker, so that only the subgraph's own faults count against it.
          throw classifyFailure(error, { timeout: { aborted: deadline.expired }, client });
        }
      });
    } catch (error) {
      const failure = classifyFailure(error, { timeout: { aborted: deadline.expired }, client });
      this.breakers.recordFailure(name, failure, context.requestId);
      if (this.tracing) failActiveSpan(failure.reason, failure.message);
      return failureResponse(
        failure,
        name,
        { document: fetchDocument(options), variables: options.request.variables },
        { timeoutMs: this.fetchOptions.timeoutMs, cooldownMs: this.fetchOptions.breakerCooldownMs },
      );
    } finally {
      // The timer goes with the fetch: none is left to fire (and build its abort reason) long after it ended.
      deadline.end();
    }
  }

  /** One fetch: the body serialised once, signed as sent, and the answer read as GraphQL JSON. */
  private async send(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    signal: AbortSignal,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const body = this.bodies.serialise(request, 'document' in options ? options.document : undefined);
    // Health probes and schema loading run without a request context: they go out as anonymous.
    const identity = (options.context as Partial<GatewayContext>).identity ?? ANONYMOUS;
    // Flat [name, value, ...]: headers the planner asks for (e.g. apollo-federation-include-trace), as Apollo's
    // data source sends them, then the content type; the signed identity goes last.
    const headers: string[] = [];
    const planned = request.http?.headers;
    if (planned) for (const [header, value] of planned) headers.push(header, value);
    headers.push('content-type', 'application/json');
    // Everything the answer may depend on: the subgraph, the planner's headers, the identity and the exact body.
    const key =
      this.inFlight && onlyQueries(fetchDocument(options))
        ? [this.subgraph.name, JSON.stringify(headers), identityClass(identity), body].join('\n')
        : undefined;
    // After the key: callers with different request ids still share a fetch (it carries the first caller's id).
    const requestId = (options.context as Partial<GatewayContext>).requestId;
    if (requestId) headers.push(REQUEST_ID_HEADER, requestId);
    let response: SubgraphHttpResponse;
    if (this.inFlight && key !== undefined) {
      // Signed only by the caller whose fetch goes out: callers joining a shared fetch send nothing.
      response = await this.inFlight.run(
        key,
        (cancel) => this.sharedPost(body, this.signed(headers, identity, body), cancel),
        signal,
      );
    } else {
      response = await this.fetcher.post(this.url, body, this.signed(headers, identity, body), signal);
    }
    if (response.status < 200 || response.status >= 300) throw httpError(response);
    // Each caller parses the (shared) body itself, so no answer object is shared (the response is only read).
    const result = parseBody(response);
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new Error(`Expected JSON response body, but received: ${result}`);
    }
    return result as GatewayGraphQLResponse;
  }

  /** `headers` (this fetch's own array) with the identity signed for `body` added, as the request sends them. */
  private signed(headers: string[], identity: Identity, body: string): string[] {
    // The fetch's span (see execute-plan.ts) goes on as the subgraph operation's parent; a shared fetch sends
    // the span of the caller whose fetch goes out.
    if (this.tracing) injectTraceHeaders(headers);
    headers.push(IDENTITY_HEADER, signIdentity(identity, this.subgraphSecret, body, this.identityTtl));
    return headers;
  }

  /**
   * A fetch that several callers wait for: bounded by its own timeout, never by one caller's signal, so a
   * caller that leaves does not cut it short for the others; aborted once every caller has left.
   */
  private async sharedPost(body: string, headers: string[], everyCallerLeft: AbortSignal) {
    const deadline = new Deadline(this.fetchOptions.timeoutMs);
    deadline.follow(everyCallerLeft);
    try {
      return await this.fetcher.post(this.url, body, headers, deadline.signal);
    } catch (error) {
      // Said here: a caller that joined later has a timeout of its own that has not fired yet.
      throw deadline.expired ? new SubgraphFetchFailure('timeout', 'timed out') : error;
    } finally {
      deadline.end();
    }
  }
}

/** What `AbortSignal.timeout` aborts with, built only when a fetch does time out. */
function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

function expire(deadline: Deadline): void {
  deadline.expired = true;
  deadline.controller.abort(timeoutReason());
}

/**
 * One fetch's abort signal: aborted when its timer fires (`expired`) or when the signal it follows (the
 * client's) aborts, whichever comes first. It replaces an `AbortSignal.timeout` (whose timer fired even for a
 * fetch long finished) combined with the client's signal by `AbortSignal.any`; `end()` clears the timer and the
 * listener once the fetch is over. It is its own abort listener (`handleEvent`): no closure per fetch.
 */
class Deadline {
  readonly controller = new AbortController();
  expired = false;
  private followed?: AbortSignal;
  private readonly timer: NodeJS.Timeout;

  constructor(timeoutMs: number) {
    // Unref'd, as AbortSignal.timeout's is: a fetch's timer never keeps the process alive on its own.
    this.timer = setTimeout(expire, timeoutMs, this).unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts with `signal` too (at once if it already has). */
  follow(signal: AbortSignal): void {
    if (signal.aborted) {
      this.controller.abort(signal.reason);
      return;
    }
    this.followed = signal;
    signal.addEventListener('abort', this, { once: true });
  }

  handleEvent(): void {
    this.controller.abort(this.followed?.reason);
  }

  end(): void {
    clearTimeout(this.timer);
    this.followed?.removeEventListener('abort', this);
    this.followed = undefined;
  }
}

/** The body as Apollo's data source reads it: parsed when it says it is JSON, else the text. */
function parseBody(response: SubgraphHttpResponse): unknown {
  const type = firstHeader(response, 'content-type');
  const json = type?.startsWith('application/json') || type?.startsWith('application/graphql-response+json');
  return json ? JSON.parse(response.body) : response.body;
}

function firstHeader(response: SubgraphHttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A non-2xx answer, kept without the subgraph's URL; the subgraph's first error says why it refused. */
function httpError(response: SubgraphHttpResponse): SubgraphHttpError {
  let body: unknown;
  try {
    body = parseBody(response);
  } catch {
    body = undefined;
  }
  const errors = typeof body === 'object' && body !== null ? (body as { errors?: unknown }).errors : undefined;
  const first = Array.isArray(errors) ? (errors[0] as GraphQLFormattedError | undefined) : undefined;
  return new SubgraphHttpError(
    response.status,
    first && typeof first.message === 'string'
      ? { message: first.message, extensions: { code: first.extensions?.code } }
      : undefined,
  );
}

/** The operation a fetch sent; the planner keeps its parsed form only when told to, so it is parsed again here. */
function fetchDocument(options: GraphQLDataSourceProcessOptions<GatewayContext>): DocumentNode | undefined {
  if ('document' in options && options.document) return options.document;
  try {
    return options.request.query ? parse(options.request.query) : undefined;
  } catch {
    return undefined;
  }
}
