import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { type BucketStore, MemoryBuckets } from './bucket.ts';
import { ClusterBuckets } from './cluster-store.ts';
import { RedisBuckets } from './redis-store.ts';
import type { RateLimitOptions } from './settings.ts';

/**
 * Where this gateway process keeps its buckets: Redis when `redisUrl` is set (shared by every gateway); the cluster
 * primary in a worker of `--workers N` (shared by the workers, see serveBucketsToWorkers); else this process.
 * `onStoreFailure` counts takes that Redis did not answer.
 */
export async function openBucketStore(
  options: RateLimitOptions,
  logger: Logger,
  onStoreFailure: () => void,
): Promise<BucketStore> {
  const local = new MemoryBuckets();
  if (options.redisUrl) {
    const redis = new RedisBuckets(options.redisUrl, local, logger, onStoreFailure);
    if (!(await redis.ready())) {
      logger.warn('rate limits: Redis is not reachable yet; each gateway process limits callers alone until it is');
    }
    return redis;
  }
  if (cluster.isWorker) return new ClusterBuckets(local);
  return local;
}
