import cluster from 'node:cluster';
import type { BucketLimits, BucketStore, MemoryBuckets, Take } from './bucket.ts';

/** The message a worker sends its primary, and the answer it gets back (matched by `id`). */
interface BucketRequest {
  lifegraphBucket: { id: number; key: string; limits: BucketLimits; points: number };
}
interface BucketAnswer {
  lifegraphBucketAnswer: { id: number; take: Take };
}

/**
 * Several workers of one gateway (`--workers N`) without Redis: the primary holds every bucket and each worker asks
 * it over the cluster IPC channel, so a caller has one bucket, never one per worker (N × its limit). Call in the
 * primary before forking. The primary does no request work, so a take costs one IPC round trip (tens of µs).
 */
export function serveBucketsToWorkers(buckets: MemoryBuckets): void {
  cluster.on('message', (worker, message: BucketRequest) => {
    const request = message?.lifegraphBucket;
    if (!request) return;
    const answer: BucketAnswer = {
      lifegraphBucketAnswer: { id: request.id, take: buckets.takeNow(request.key, request.limits, request.points) },
    };
    if (worker.isConnected()) worker.send(answer);
  });
}

/** How long a worker waits for the primary before it decides alone (the primary is gone or stuck). */
const PRIMARY_TIMEOUT_MS = 1000;

/**
 * A worker's view of the primary's buckets. Should the primary not answer in time, the worker takes from its own
 * `fallback` buckets: a request is never stuck, and the caller stays limited (by this worker alone).
 */
export class ClusterBuckets implements BucketStore {
  private nextId = 1;
  private readonly waiting = new Map<number, (take: Take) => void>();
  private readonly onMessage = (message: BucketAnswer) => {
    const answer = message?.lifegraphBucketAnswer;
    if (!answer) return;
    this.waiting.get(answer.id)?.(answer.take);
  };

  constructor(private readonly fallback: MemoryBuckets) {
    if (!process.send) throw new Error('ClusterBuckets runs in a cluster worker (process.send is missing)');
    process.on('message', this.onMessage);
  }

  take(key: string, limits: BucketLimits, points: number): Promise<Take> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(this.fallback.takeNow(key, limits, points)), PRIMARY_TIMEOUT_MS);
      const settle = (take: Take) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(take);
      };
      this.waiting.set(id, settle);
      const request: BucketRequest = { lifegraphBucket: { id, key, limits, points } };
      if (process.connected) process.send?.(request);
      else settle(this.fallback.takeNow(key, limits, points));
    });
  }

  async close(): Promise<void> {
    process.off('message', this.onMessage);
  }
}
