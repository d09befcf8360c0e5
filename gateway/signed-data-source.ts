import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayCacheHint, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { type DocumentNode, type GraphQLFormattedError, parse } from 'graphql';
import { ANONYMOUS, IDENTITY_HEADER, identityTtlSeconds, signIdentity } from '../subgraphs/contract/index.ts';
import type { GatewayContext } from './context.ts';
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
    const timeout = AbortSignal.timeout(this.fetchOptions.timeoutMs);
    let client = context.signal;
    const { name } = this.subgraph;
    try {
      return await this.breakers.run(name, async ({ probe }) => {
        // The half-open probe is not cancelled by its client: it is the subgraph's test, and one cut short
        // would say nothing about the subgraph (cockatiel even takes such an error as a success and closes
        // the circuit). It finishes, bounded by the timeout, so the circuit always gets a verdict.
        if (probe) client = undefined;
        try {
          return await this.send(options, client ? AbortSignal.any([timeout, client]) : timeout);
        } catch (error) {
          // Classified inside the breaker, so that only the subgraph's own faults count against it.
          throw classifyFailure(error, { timeout, client });
        }
      });
    } catch (error) {
      const failure = classifyFailure(error, { timeout, client });
      this.breakers.recordFailure(name, failure, context.requestId);
      return failureResponse(
        failure,
        name,
        { document: fetchDocument(options), variables: options.request.variables },
        { timeoutMs: this.fetchOptions.timeoutMs, cooldownMs: this.fetchOptions.breakerCooldownMs },
      );
    }
  }

  /** One fetch: the body serialised once, signed as sent, and the answer read as GraphQL JSON. */
  private async send(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    signal: AbortSignal,
  ): Promise<GatewayGraphQLResponse> {
    const { http, ...operation } = options.request;
    if (!operation.query) throw new Error('Missing query');
    const body = JSON.stringify(operation);
    // Health probes and schema loading run without a request context: they go out as anonymous.
    const identity = (options.context as Partial<GatewayContext>).identity ?? ANONYMOUS;
    const headers: Record<string, string> = {};
    // Headers the planner asks for (e.g. apollo-federation-include-trace), as Apollo's data source sends them.
    for (const [header, value] of http?.headers ?? []) headers[header] = value;
    headers['content-type'] = 'application/json';
    // Everything the answer may depend on: the subgraph, the planner's headers, the identity and the exact body.
    const key =
      this.inFlight && onlyQueries(fetchDocument(options))
        ? [this.subgraph.name, JSON.stringify(headers), identityClass(identity), body].join('\n')
        : undefined;
    // Signed only by the caller whose fetch goes out: callers joining a shared fetch send nothing.
    const signed = () => ({
      ...headers,
      [IDENTITY_HEADER]: signIdentity(identity, this.subgraphSecret, body, this.identityTtl),
    });
    // Each caller parses the shared body itself, so no answer object is shared (the response is only read).
    const response =
      this.inFlight && key !== undefined
        ? await this.inFlight.run(key, (cancel) => this.sharedPost(body, signed(), cancel), signal)
        : await this.fetcher.post(this.url, body, signed(), signal);
    if (response.status < 200 || response.status >= 300) throw httpError(response);
    const result = parseBody(response);
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new Error(`Expected JSON response body, but received: ${result}`);
    }
    restrictCachePolicy(options, response);
    return result as GatewayGraphQLResponse;
  }

  /**
   * A fetch that several callers wait for: bounded by its own timeout, never by one caller's signal, so a
   * caller that leaves does not cut it short for the others; aborted once every caller has left.
   */
  private async sharedPost(body: string, headers: Record<string, string>, everyCallerLeft: AbortSignal) {
    const timeout = AbortSignal.timeout(this.fetchOptions.timeoutMs);
    try {
      return await this.fetcher.post(this.url, body, headers, AbortSignal.any([timeout, everyCallerLeft]));
    } catch (error) {
      // Said here: a caller that joined later has a timeout of its own that has not fired yet.
      throw timeout.aborted ? new SubgraphFetchFailure('timeout', 'timed out') : error;
    }
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

/**
 * Lets the subgraph's `cache-control` bound the operation's cache policy, as Apollo's data source does: no
 * `max-age` means uncacheable.
 */
function restrictCachePolicy(
  options: GraphQLDataSourceProcessOptions<GatewayContext>,
  response: SubgraphHttpResponse,
): void {
  const policy = 'incomingRequestContext' in options ? options.incomingRequestContext.overallCachePolicy : undefined;
  if (!policy || !('restrict' in policy)) return;
  const directives = new Map<string, string | true>();
  for (const part of (firstHeader(response, 'cache-control') ?? '').split(',')) {
    const [name, value] = part.split('=', 2).map((s) => s.trim());
    if (name) directives.set(name, value === undefined ? true : value.replace(/^"|"$/g, ''));
  }
  const maxAge = directives.get('max-age');
  const hint: GatewayCacheHint = { maxAge: typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge) ? +maxAge : 0 };
  if (directives.get('private') === true) hint.scope = 'PRIVATE';
  if (directives.get('public') === true) hint.scope = 'PUBLIC';
  policy.restrict(hint);
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
