/** What the gateway says an answer cost (`extensions.cost`, see gateway/plugins/demand-control.ts). */
export interface ResponseCost {
  requestedQueryCost: number;
  actualQueryCost: number;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } | null;
}

/**
 * An answer with its `extensions.cost` taken out (and `extensions` dropped when nothing else is in it): the rest is
 * what tests compare, and it is the same for the same request, while the bucket's state in the cost changes with
 * every request. The cost itself is asserted in test/integration/rate-limits.test.ts.
 */
export function splitCost<T extends object>(body: T, status: number): { status: number; body: T; cost?: ResponseCost } {
  const { cost, ...rest } = ((body as { extensions?: object }).extensions ?? {}) as { cost?: ResponseCost };
  const stripped: T & { extensions?: object } = { ...body };
  if (Object.keys(rest).length > 0) stripped.extensions = rest;
  else delete stripped.extensions;
  return { status, body: stripped, cost };
}
