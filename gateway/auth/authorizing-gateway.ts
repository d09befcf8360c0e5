import { createHash } from 'node:crypto';
import type { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
} from '@apollo/server-gateway-interface';
import { print } from 'graphql';
import type { GatewayContext } from '../context.ts';
import { applyRemovals, removalErrors } from './apply-removals.ts';
import { filterOperation } from './filter-operation.ts';
import type { AccessPolicy } from './policy.ts';

/**
 * Wraps `@apollo/gateway` so `@authenticated` and `@requiresScopes` are enforced before any subgraph is
 * called: unauthorized fields are removed from the operation the query planner sees, and come back
 * `null` with an error at their path while the rest of the operation executes.
 */
export class AuthorizingGateway implements GatewayInterface {
  constructor(
    private readonly inner: ApolloGateway,
    private readonly policy: AccessPolicy,
  ) {}

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.inner.onSchemaLoadOrUpdate(callback);
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const loaded = await this.inner.load(options);
    const execute = loaded.executor;
    if (!execute) return loaded;
    return { executor: this.authorizingExecutor(execute) };
  }

  stop() {
    return this.inner.stop();
  }

  private authorizingExecutor(execute: GatewayExecutor): GatewayExecutor {
    return async (requestContext: GatewayGraphQLRequestContext) => {
      const { identity } = requestContext.context as GatewayContext;
      const { document, plan } = filterOperation(
        requestContext.schema,
        this.policy,
        identity,
        requestContext.document,
        requestContext.operation,
      );
      if (plan.removals.length === 0) return execute(requestContext);
      const source = print(document);
      // The gateway caches query plans by queryHash: a filtered operation must get its own hash.
      const filteredContext = {
        ...requestContext,
        document,
        operation: document.definitions[0],
        source,
        queryHash: createHash('sha256').update(source).digest('hex'),
      } as GatewayGraphQLRequestContext;
      const result = await execute(filteredContext);
      // With no data there is nowhere to put nulls, but the caller still learns what was refused.
      const { data, errors } = result.data
        ? applyRemovals(result.data, plan)
        : { data: result.data, errors: removalErrors(plan) };
      const allErrors = [...errors, ...(result.errors ?? [])];
      return { ...result, data, errors: allErrors.length > 0 ? allErrors : undefined };
    };
  }
}
