import { createHash } from 'node:crypto';
import type { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
} from '@apollo/server-gateway-interface';
import { type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, print } from 'graphql';
import type { Identity } from '../../subgraphs/contract/index.ts';
import type { GatewayContext } from '../context.ts';
import { planExecutor } from '../engine/executor.ts';
import { applyRemovals, removalErrors } from './apply-removals.ts';
import { DEFAULT_OPERATION_CACHE_SIZE, LruMap, objectId } from './cache.ts';
import { filterOperation, type RemovalPlan } from './filter-operation.ts';
import { type AccessPolicy, accessShape } from './policy.ts';

/** What one operation becomes for one access shape: its removals, and the operation the planner gets instead. */
interface Authorized {
  plan: RemovalPlan;
  /** Absent when nothing is removed: the request goes to the planner as it came. */
  filtered?: { document: DocumentNode; operation: OperationDefinitionNode; source: string; queryHash: string };
}

/**
 * Wraps `@apollo/gateway` so `@authenticated` and `@requiresScopes` are enforced before any subgraph is
 * called: unauthorized fields are removed from the operation the query planner sees, and come back
 * `null` with an error at their path while the rest of the operation executes.
 */
export class AuthorizingGateway implements GatewayInterface {
  /**
   * By schema, parsed document (Apollo Server reuses it for a repeated query), operation and access shape
   * (kind and scopes, never the user): a repeated operation is neither filtered nor printed and hashed again.
   */
  private readonly authorized: LruMap<string, Authorized>;
  /**
   * An executor per schema the gateway has loaded (a hot reload loads a new one): each holds its schema's planner,
   * data sources and prepared plans, so a request in flight during a swap finishes on the schema it started with.
   */
  private readonly executors = new WeakMap<GraphQLSchema, GatewayExecutor>();
  private readonly policyOf: (schema: GraphQLSchema) => AccessPolicy;

  constructor(
    private readonly inner: ApolloGateway,
    /** The access policy, or the policy of the supergraph each schema came from (see CurrentSupergraph.of). */
    policy: AccessPolicy | ((schema: GraphQLSchema) => AccessPolicy),
    cacheSize = DEFAULT_OPERATION_CACHE_SIZE,
    /** What executes the authorized operation once the gateway is loaded: our plan executor (tests give their own). */
    private readonly executorOf: (gateway: ApolloGateway) => GatewayExecutor = planExecutor,
  ) {
    this.authorized = new LruMap(cacheSize);
    this.policyOf = typeof policy === 'function' ? policy : () => policy;
  }

  /** Authorization results cached (tests check the bound). */
  get cachedOperations(): number {
    return this.authorized.size;
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.inner.onSchemaLoadOrUpdate((schemaContext) => {
      // Before Apollo Server's callback: the new schema's executor exists before any request is served on it.
      if (!this.executors.has(schemaContext.apiSchema)) {
        this.executors.set(schemaContext.apiSchema, this.executorOf(this.inner));
        // Results for an older schema can never be asked for again (the key has the schema): free them now.
        this.authorized.clear();
      }
      callback(schemaContext);
    });
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const loaded = await this.inner.load(options);
    if (!loaded.executor) return loaded;
    // Our plan executor in place of the gateway's (same planner and plans; see gateway/engine/executor.ts).
    // For a schema no listener call announced (a gateway stand-in in tests): the one loaded now.
    const loadedNow = this.executorOf(this.inner);
    return {
      executor: this.authorizingExecutor((requestContext) =>
        (this.executors.get(requestContext.schema) ?? loadedNow)(requestContext),
      ),
    };
  }

  stop() {
    return this.inner.stop();
  }

  private authorizingExecutor(execute: GatewayExecutor): GatewayExecutor {
    return async (requestContext: GatewayGraphQLRequestContext) => {
      const { identity } = requestContext.context as GatewayContext;
      const { plan, filtered } = this.authorize(requestContext, identity);
      if (!filtered) return execute(requestContext);
      const result = await execute({ ...requestContext, ...filtered } as GatewayGraphQLRequestContext);
      // With no data there is nowhere to put nulls, but the caller still learns what was refused.
      const { data, errors } = result.data
        ? applyRemovals(result.data, plan)
        : { data: result.data, errors: removalErrors(plan) };
      const allErrors = [...errors, ...(result.errors ?? [])];
      return { ...result, data, errors: allErrors.length > 0 ? allErrors : undefined };
    };
  }

  private authorize(requestContext: GatewayGraphQLRequestContext, identity: Identity): Authorized {
    const { schema, document, operation } = requestContext;
    const key = `${objectId(schema)} ${objectId(document)} ${objectId(operation)} ${accessShape(identity)}`;
    const cached = this.authorized.get(key);
    if (cached) return cached;
    const result = filterOperation(schema, this.policyOf(schema), identity, document, operation);
    const { plan } = result;
    let authorized: Authorized = { plan };
    if (plan.removals.length > 0) {
      const source = print(result.document);
      // The gateway caches query plans by queryHash: a filtered operation must get its own hash.
      const queryHash = createHash('sha256').update(source).digest('hex');
      const filteredOperation = result.document.definitions[0] as OperationDefinitionNode;
      authorized = { plan, filtered: { document: result.document, operation: filteredOperation, source, queryHash } };
    }
    this.authorized.set(key, authorized);
    return authorized;
  }
}
