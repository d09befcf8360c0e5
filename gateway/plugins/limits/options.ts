import { readIntegerEnv } from '../../../subgraphs/contract/index.ts';
import { MAX_WALK_NESTING } from './analyze.ts';

/**
 * How big one operation may be. Tokens are counted while parsing, cost once the operation and its variables
 * are known, the rest before validation; all before planning and any subgraph call.
 */
export interface OperationLimits {
  /** Deepest field nesting, through fragments. */
  maxDepth: number;
  /** Estimated number of fields resolved: each list multiplies what it contains by its page size. */
  maxCost: number;
  /** Aliased fields, fragments expanded. */
  maxAliases: number;
  /** Fields at the operation's root, fragments expanded. */
  maxRootFields: number;
  /** Fields once every fragment is expanded: the size of what the query planner and validation work on. */
  maxSelections: number;
  /** Lexical tokens of the document (graphql-js `maxTokens`): bounds parsing itself. */
  maxTokens: number;
}

/** Which limit a refusal names, as `extensions.limit`. */
export type LimitName = 'depth' | 'cost' | 'aliases' | 'rootFields' | 'selections' | 'tokens';

/**
 * Defaults, measured against what our clients send (test/support/operations.ts, the bench and the README
 * examples: depth ≤ 10, ≤ 54 fields, no aliases, one root field, ≤ 155 tokens), the introspection query Sandbox
 * sends (depth 15, 229 fields, 183 tokens), and what hurts on one core, measured on our supergraph:
 * - depth 20: deeper operations are harmless in themselves (lists are bounded by cost), but nothing needs them.
 * - cost 200 000: LifeFeed at page size 100 costs about 6 000.
 * - aliases 30: planning grows faster than the number of aliases: 50 aliased cross-subgraph fields take
 *   0.15 s to plan, 100 take 1 s, 10 000 took 10-30 s.
 * - root fields 20: each is a separate entry point for the planner.
 * - selections 1 000: the expanded size is what validation (OverlappingFieldsCanBeMerged compares same-named
 *   fields pairwise) and the planner work on; at 1 000 the worst shape we found validates in about 0.25 s.
 * - tokens 10 000: bounds the parser's work and memory (about 5 ms) and the number of definitions.
 */
export const DEFAULT_LIMITS: OperationLimits = {
  maxDepth: 20,
  maxCost: 200_000,
  maxAliases: 30,
  maxRootFields: 20,
  maxSelections: 1_000,
  maxTokens: 10_000,
};

/** The environment setting of each limit, named in refusals so operators know what to change. */
export const LIMIT_SETTINGS: Record<LimitName, { option: keyof OperationLimits; env: string }> = {
  depth: { option: 'maxDepth', env: 'LIFEGRAPH_MAX_QUERY_DEPTH' },
  cost: { option: 'maxCost', env: 'LIFEGRAPH_MAX_QUERY_COST' },
  aliases: { option: 'maxAliases', env: 'LIFEGRAPH_MAX_QUERY_ALIASES' },
  rootFields: { option: 'maxRootFields', env: 'LIFEGRAPH_MAX_ROOT_FIELDS' },
  selections: { option: 'maxSelections', env: 'LIFEGRAPH_MAX_QUERY_SELECTIONS' },
  tokens: { option: 'maxTokens', env: 'LIFEGRAPH_MAX_QUERY_TOKENS' },
};

/**
 * Reads every limit from its environment variable (unset or empty = the default). Throws, naming the variable,
 * when a value is not a positive integer, so a typo fails at start instead of silently becoming the default.
 */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): OperationLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const { option, env: key } of Object.values(LIMIT_SETTINGS)) {
    limits[option] = readIntegerEnv(key, { defaultValue: DEFAULT_LIMITS[option], min: 1, env });
  }
  // The analysis stops descending below MAX_WALK_NESTING levels, so deeper limits could not be measured.
  if (limits.maxDepth >= MAX_WALK_NESTING) {
    throw new Error(`LIFEGRAPH_MAX_QUERY_DEPTH must be below ${MAX_WALK_NESTING} (got ${limits.maxDepth}).`);
  }
  return limits;
}
