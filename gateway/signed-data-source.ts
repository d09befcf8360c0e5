import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import { type DocumentNode, type GraphQLFormattedError, parse } from 'graphql';
import { ANONYMOUS, IDENTITY_HEADER, identityTtlSeconds, signIdentity } from '../subgraphs/contract/index.ts';
import type { GatewayContext } from './context.ts';
import type { SubgraphBreakers } from './subgraph-fetch/breakers.ts';
import type { SubgraphFetchOptions } from './subgraph-fetch/config.ts';
import { classifyFailure, failureResponse, SubgraphHttpError } from './subgraph-fetch/failure.ts';
import { abortableFetch, withAbortSignal } from './subgraph-fetch/fetcher.ts';

/**
 * Sends every subgraph request with the caller's verified identity, signed with the secret shared by the
 * gateway and the subgraphs (subgraphs trust nothing else, so clients can't forge identity headers), and
 * keeps a subgraph's faults local: each fetch has a timeout, is aborted when the client leaves (all but the
 * circuit's half-open probe) and goes through the subgraph's circuit breaker; a failed fetch becomes errors at the paths it owned.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly identityTtl: number;

  constructor(
    private readonly subgraph: { name: string; url: string },
    private readonly subgraphSecret: string,
    private readonly fetchOptions: SubgraphFetchOptions,
    private readonly breakers: SubgraphBreakers,
  ) {
    super({ url: subgraph.url, fetcher: abortableFetch });
    this.identityTtl = identityTtlSeconds(fetchOptions.timeoutMs);
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    // Health probes and schema loading run without a request context: they go out as anonymous.
    const identity = (context as Partial<GatewayContext>).identity ?? ANONYMOUS;
    const signature = await signIdentity(identity, this.subgraphSecret, request, this.identityTtl);
    request.http?.headers.set(IDENTITY_HEADER, signature);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
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
          return await withAbortSignal(client ? AbortSignal.any([timeout, client]) : timeout, () =>
            super.process(options),
          );
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

  /** A non-2xx answer, kept without the subgraph's URL; the subgraph's first error says why it refused. */
  override async errorFromResponse(response: FetcherResponse): Promise<SubgraphHttpError> {
    const body = await this.parseBody(response).catch(() => undefined);
    const errors = typeof body === 'object' && body !== null ? (body as { errors?: unknown }).errors : undefined;
    const first = Array.isArray(errors) ? (errors[0] as GraphQLFormattedError | undefined) : undefined;
    return new SubgraphHttpError(
      response.status,
      first && typeof first.message === 'string'
        ? { message: first.message, extensions: { code: first.extensions?.code } }
        : undefined,
    );
  }
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
