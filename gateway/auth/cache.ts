import { readIntegerEnv } from '../../subgraphs/contract/index.ts';

/**
 * A Map that keeps at most `maxEntries` entries, dropping the least recently used first; `maxEntries` 0 keeps
 * nothing (the cache is off). Map iteration order is insertion order, so re-inserting on a hit is the recency.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value, marked as the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores the value, dropping the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

const ids = new WeakMap<object, number>();
let nextId = 0;

/**
 * A number for an object (a parsed document, a schema) that no other object ever gets, for string cache keys:
 * the object is not kept alive by the cache, and a new object after an old one is collected gets a new number.
 */
export function objectId(object: object): number {
  let id = ids.get(object);
  if (id === undefined) {
    id = nextId++;
    ids.set(object, id);
  }
  return id;
}

/** Entries per per-operation cache (authorization results, operation costs) when the setting is unset. */
export const DEFAULT_OPERATION_CACHE_SIZE = 1_000;

/** `LIFEGRAPH_OPERATION_CACHE_SIZE`: entries per per-operation cache; 0 turns them off. Fails fast on a typo. */
export function operationCacheSizeFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return readIntegerEnv('LIFEGRAPH_OPERATION_CACHE_SIZE', { defaultValue: DEFAULT_OPERATION_CACHE_SIZE, min: 0, env });
}
