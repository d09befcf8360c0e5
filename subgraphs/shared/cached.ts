/**
 * `fn`, called at most once every `ms`: a call within `ms` of the last real one gets that call's result (a
 * promise is shared, pending or settled). For checks that a flood of probes must not repeat.
 */
export function cachedFor<T>(ms: number, fn: () => T): () => T {
  let last: { at: number; value: T } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= ms) last = { at: Date.now(), value: fn() };
    return last.value;
  };
}
