/*
 * What the executor takes from inside @apollo/gateway (its result shaping, data rewrites and merge), beside the
 * packages' public exports. Internal paths are stable only within a version: @apollo/gateway and
 * @apollo/query-planner are pinned to the exact same version in package.json, and every gateway suite runs on them.
 */
export { buildOperationContext } from '@apollo/gateway';
export { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
export { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
export type { OperationContext } from '@apollo/gateway/dist/operationContext.js';
export { computeResponse } from '@apollo/gateway/dist/resultShaping.js';
export { deepMerge } from '@apollo/gateway/dist/utilities/deepMerge.js';
