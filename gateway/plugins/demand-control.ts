import { type ApolloServerPlugin, type GraphQLRequestListener, HeaderMap } from '@apollo/server';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_OPERATION_CACHE_SIZE, LruMap, objectId } from '../auth/cache.ts';
import type { GatewayContext } from '../context.ts';
import { actualCost, type CostModel, estimatedCost } from '../demand-control/index.ts';
import {
  type BucketLimits,
  type BucketStore,
  secondsUntil,
  secondsUntilFull,
  type Take,
} from '../rate-limit/bucket.ts';
import { type Caller, callerOf, type KeyLimits } from '../rate-limit/callers.ts';
import { moneyMutationCount } from '../rate-limit/money-mutations.ts';
import type { RateLimitOptions } from '../rate-limit/settings.ts';
import { tooComplex, variableValues } from './limits/index.ts';

/** What a partner key's request cost, for `keys usage` (cost 0 when it was throttled: nothing was spent). */
export type RecordUsage = (keyId: string, usage: { cost: number; throttled: boolean }) => void;

export interface DemandControlOptions {
  /** The cost model, or the model of the supergraph each schema came from (see CurrentSupergraph.of). */
  model: CostModel | ((schema: GraphQLSchema) => CostModel);
  /** Refused above this estimated cost with QUERY_TOO_COMPLEX (`LIFEGRAPH_MAX_QUERY_COST`). */
  maxCost: number;
  rateLimits: RateLimitOptions;
  store: BucketStore;
  keyLimits?: KeyLimits;
  recordUsage?: RecordUsage;
  /** Counts each request by caller kind and outcome, and partner requests and points by key id. */
  onOutcome?: (caller: Caller, outcome: 'ok' | 'throttled', cost: number) => void;
  cacheSize?: number;
}

/** What the plugin keeps about one request between resolving its operation and sending its answer. */
interface Charge {
  caller: Caller;
  requested: number;
  /** The bucket after the take (or as it was, when refused); undefined when rate limits are off. */
  taken?: Take;
  /** Every check passed: the operation ran, and (with rate limits on) its estimate was taken from the bucket. */
  admitted: boolean;
  throttled: boolean;
}

/**
 * Demand control: the estimated cost of each operation from the schema's @cost / @listSize (demand-control/), refused
 * above `maxCost`; taken from the caller's bucket before anything runs (HTTP 429 `THROTTLED` with `Retry-After` when
 * the bucket does not hold it: no data, no subgraph called); after execution the actual cost (the list sizes that
 * came back) is computed and the difference refunded. Every response says what it cost, as Shopify's API does
 * (`extensions.cost`), with the IETF `RateLimit-Policy` and `RateLimit` headers.
 *
 * The estimate is cached by schema, operation and variables (all it depends on), so a repeated operation is not
 * walked again. Variables longer than MAX_COST_KEY are not cached.
 */
export function demandControl(options: DemandControlOptions): ApolloServerPlugin<GatewayContext> {
  const { rateLimits, store } = options;
  const { model } = options;
  const modelOf = typeof model === 'function' ? model : () => model;
  const estimates = new LruMap<string, number>(options.cacheSize ?? DEFAULT_OPERATION_CACHE_SIZE);
  const estimate = (
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
  ): number => {
    const sent = JSON.stringify(variables);
    const key = sent.length <= MAX_COST_KEY ? `${objectId(schema)} ${objectId(operation)} ${sent}` : null;
    const cached = key === null ? undefined : estimates.get(key);
    if (cached !== undefined) return cached;
    const cost = estimatedCost(
      modelOf(schema),
      schema,
      document,
      operation,
      variableValues(schema, operation, variables),
    );
    if (key !== null) estimates.set(key, cost);
    return cost;
  };
  const charges = new WeakMap<GatewayContext, Charge>();
  const secondary: BucketLimits = {
    pointsPerSecond: rateLimits.moneyMutationsPerMinute / 60,
    bucketPoints: rateLimits.moneyMutationsPerMinute,
  };

  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ schema, document, operation, request, contextValue }) {
      if (!operation) return;
      const requested = estimate(schema, document, operation, request.variables ?? {});
      const caller = callerOf(contextValue.identity, contextValue.clientAddress, rateLimits, options.keyLimits);
      const charge: Charge = { caller, requested, admitted: false, throttled: false };
      charges.set(contextValue, charge);
      if (requested > options.maxCost) throw tooComplex('cost', requested, options.maxCost);
      // An event of a live subscription: its start was charged, and one execution serves many subscribers.
      if (!rateLimits.enabled || contextValue.subscription === 'event') {
        charge.admitted = true;
        return;
      }
      const { limits } = caller;
      if (requested > limits.bucketPoints) throw costExceedsBucket(requested, limits);
      // Queries never count: no fragment map is built for them on every request.
      const money = operation.operation === 'mutation' ? moneyMutationCount(operation, fragmentsOf(document)) : 0;
      if (money > 0) {
        const rate = await store.take(`money:${caller.bucket}`, secondary, money);
        if (!rate.allowed) {
          charge.taken = await store.take(caller.bucket, limits, 0);
          charge.throttled = true;
          throw moneyThrottled(money, rate, secondary, rateLimits.moneyMutationsPerMinute);
        }
      }
      charge.taken = await store.take(caller.bucket, limits, requested);
      if (!charge.taken.allowed) {
        charge.throttled = true;
        throw throttled(requested, charge.taken, limits);
      }
      charge.admitted = true;
    },
    async willSendResponse(requestContext) {
      const { contextValue, response } = requestContext;
      const charge = charges.get(contextValue);
      if (response.body.kind !== 'single') return;
      const result = response.body.singleResult;
      let actual = 0;
      let available: Take | undefined = charge?.taken;
      // Only an operation that ran has an actual cost, and only one whose estimate was taken gets a refund.
      if (charge?.admitted && requestContext.operation && requestContext.document) {
        const { schema, document, operation, request } = requestContext;
        const variables = variableValues(schema, operation, request.variables ?? {});
        const cost = actualCost(modelOf(schema), schema, document, operation, variables, result.data);
        actual = Math.min(charge.requested, cost);
        // Refunded before answering, so the next request (and this answer's headers) see the bucket as it is.
        if (rateLimits.enabled && charge.requested > actual) {
          available = await store.take(charge.caller.bucket, charge.caller.limits, actual - charge.requested);
        }
      }
      const caller =
        charge?.caller ?? callerOf(contextValue.identity, contextValue.clientAddress, rateLimits, options.keyLimits);
      // A request refused before it ran (a parse error, a limit) cost nothing; it still shows the bucket.
      if (rateLimits.enabled && !available) available = await store.take(caller.bucket, caller.limits, 0);
      result.extensions = {
        ...result.extensions,
        cost: {
          requestedQueryCost: charge?.requested ?? 0,
          actualQueryCost: actual,
          throttleStatus: available
            ? {
                maximumAvailable: caller.limits.bucketPoints,
                currentlyAvailable: Math.floor(available.available),
                restoreRate: caller.limits.pointsPerSecond,
              }
            : null,
        },
      };
      if (available) setRateLimitHeaders(response.http.headers, available, caller.limits);
      const outcome = charge?.throttled ? 'throttled' : 'ok';
      options.onOutcome?.(caller, outcome, actual);
      if (caller.keyId) options.recordUsage?.(caller.keyId, { cost: actual, throttled: outcome === 'throttled' });
    },
  };
  return {
    // Estimates for an older schema can never be asked for again (the key has the schema): free them on a swap.
    serverWillStart: async () => ({ schemaDidLoadOrUpdate: () => estimates.clear() }),
    requestDidStart: async () => listener,
  };
}

/** Longest variables (as JSON) whose estimate is cached: the cache's memory stays bounded by its size times this. */
const MAX_COST_KEY = 1024;

function fragmentsOf(document: DocumentNode): Map<string, SelectionSetNode> {
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  return fragments;
}

/**
 * IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers): the policy is the bucket (`q` points, refilled
 * from empty in `w` seconds), the state what it holds now (`r`) and the seconds until it is full again (`t`).
 */
function setRateLimitHeaders(headers: HeaderMap, available: Take, limits: BucketLimits) {
  const window = Math.ceil(limits.bucketPoints / limits.pointsPerSecond);
  headers.set('ratelimit-policy', `"cost";q=${limits.bucketPoints};w=${window}`);
  headers.set(
    'ratelimit',
    `"cost";r=${Math.floor(available.available)};t=${secondsUntilFull(available.available, limits)}`,
  );
}

function throttled(requested: number, take: Take, limits: BucketLimits): GraphQLError {
  const retryAfter = secondsUntil(take.available, requested, limits);
  return new GraphQLError(
    `Rate limited: this operation costs ${requested} points and your bucket holds ${Math.floor(take.available)} ` +
      `(it refills ${limits.pointsPerSecond} points per second, up to ${limits.bucketPoints}). Retry after ` +
      `${retryAfter} s (the Retry-After header), ask for fewer items with \`first\`, or spread your requests out; ` +
      'extensions.cost of every answer shows what is left.',
    throttledExtensions(retryAfter, { requestedQueryCost: requested }),
  );
}

function moneyThrottled(count: number, take: Take, limits: BucketLimits, perMinute: number): GraphQLError {
  const retryAfter = secondsUntil(take.available, count, limits);
  return new GraphQLError(
    `Rate limited: at most ${perMinute} mutations that move money or stock per minute per caller, and this ` +
      `operation would exceed it. Retry after ${retryAfter} s (the Retry-After header).`,
    throttledExtensions(retryAfter, { limit: 'moneyMutationsPerMinute' }),
  );
}

function throttledExtensions(retryAfter: number, extra: Record<string, unknown>) {
  return {
    extensions: {
      code: 'THROTTLED',
      retryAfterSeconds: retryAfter,
      ...extra,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    },
  };
}

/** Waiting would never help: the operation costs more than the caller's bucket can ever hold. */
function costExceedsBucket(requested: number, limits: BucketLimits): GraphQLError {
  return new GraphQLError(
    `This operation costs ${requested} points, more than your bucket can ever hold (${limits.bucketPoints}). Ask ` +
      'for fewer items with `first`, split it into several operations, or ask the platform team for a larger bucket.',
    {
      extensions: {
        code: 'QUERY_TOO_COMPLEX',
        limit: 'bucket',
        measured: requested,
        maximum: limits.bucketPoints,
        http: { status: 400 },
      },
    },
  );
}
