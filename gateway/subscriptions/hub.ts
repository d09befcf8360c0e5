import type { FormattedExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import type { Identity } from '../../subgraphs/contract/index.ts';
import type { DeliveredEvent } from './backbone.ts';
import { type TopicEvent, topicEvents } from './routing.ts';
import { ENTITY_ID_VARIABLE, type EntityQuery } from './selection.ts';

/** Runs a generated query through the gateway as `identity` (see index.ts). */
export type RunQuery = (
  source: string,
  variables: Record<string, unknown>,
  identity: Identity,
) => Promise<FormattedExecutionResult>;

/** What one subscriber receives per event: the event's own fields, and each entity query's answer. */
export interface EventPayload {
  event: { kind: string; at: string };
  results: Record<string, FormattedExecutionResult>;
  /** Set on the last payload of a subscription the gateway ended: the client is told why. */
  end?: EndReason;
}

/** Why a subscription ended before its client completed it. */
export interface EndReason {
  message: string;
  code: string;
}

/**
 * One subscriber's events, as the async iterator graphql-js subscribes to. The queue is bounded: a client that
 * cannot keep up is ended (with `SLOW_CONSUMER`) instead of growing the gateway's memory.
 */
export class LiveSubscription implements AsyncIterableIterator<EventPayload> {
  private readonly queue: EventPayload[] = [];
  private waiting?: (result: IteratorResult<EventPayload>) => void;
  private ended?: EndReason | null;
  private told = false;
  /** Called once when the subscription ends, whoever ends it. */
  onEnd?: (reason: EndReason | null) => void;

  constructor(
    readonly topic: string,
    readonly group: string,
    private readonly maxQueued: number,
  ) {}

  get active(): boolean {
    return this.ended === undefined;
  }

  push(payload: EventPayload): void {
    if (!this.active) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: payload, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.end({
        code: 'SLOW_CONSUMER',
        message: `This subscription fell ${this.maxQueued} events behind and was ended: read events as they come, then subscribe again.`,
      });
      return;
    }
    this.queue.push(payload);
  }

  /** Ends the subscription: events still queued are dropped, the client gets `reason` (null: a plain complete). */
  end(reason: EndReason | null): void {
    if (!this.active) return;
    this.ended = reason;
    this.queue.length = 0;
    this.onEnd?.(reason);
    const resolve = this.waiting;
    this.waiting = undefined;
    if (resolve) resolve(this.last());
  }

  /** After the end: once the reason (when there is one), then done. */
  private last(): IteratorResult<EventPayload> {
    if (this.ended && !this.told) {
      this.told = true;
      return { value: { event: { kind: '', at: '' }, results: {}, end: this.ended }, done: false };
    }
    return { value: undefined, done: true };
  }

  /** The reason it ended, for the transport to tell the client (undefined while active). */
  get endReason(): EndReason | null | undefined {
    return this.ended;
  }

  next(): Promise<IteratorResult<EventPayload>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (!this.active) return Promise.resolve(this.last());
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<EventPayload>> {
    this.told = true;
    this.end(null);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

interface Group {
  identity: Identity;
  queries: EntityQuery[];
  members: Set<LiveSubscription>;
  /**
   * The group's events are resolved and delivered one after the other, so every member sees them in order; each
   * group has its own chain, so a costly selection does not hold back the other groups of the topic.
   */
  chain: Promise<void>;
}

interface Topic {
  groups: Map<string, Group>;
}

export interface HubOptions {
  run: RunQuery;
  logger: Logger;
  maxQueued: number;
  /** Called per delivered event and subscriber (metrics). */
  onDelivered?: (topic: string, count: number) => void;
}

/** The identity part of a group: subscribers that may see exactly the same answer share one execution. */
export function identityClass(identity: Identity): string {
  // Anonymous callers all see the public answer; anyone signed in may see their own viewer fields.
  if (identity.kind === 'anonymous') return 'anonymous';
  return JSON.stringify([identity.kind, identity.subject, identity.scopes, identity.merchantIds]);
}

/**
 * Subscribers by topic and group. Per event and topic, each group (same selection, same variables, same identity
 * class) runs its query once, and every member gets that answer: 500 anonymous viewers of a stream with the same
 * selection cost one execution per event.
 */
export class Hub {
  private readonly topics = new Map<string, Topic>();
  /** Featured coupon templates of each stream with subscribers, to route claims to them. */
  private readonly featured = new Map<string, readonly string[]>();

  constructor(private readonly options: HubOptions) {}

  /** Active subscriptions. */
  get size(): number {
    let n = 0;
    for (const topic of this.topics.values()) for (const group of topic.groups.values()) n += group.members.size;
    return n;
  }

  /** Remembers which templates a stream features (read once per stream by the caller). */
  setFeatured(streamId: string, templateIds: readonly string[]): void {
    this.featured.set(streamId, templateIds);
  }

  hasFeatured(streamId: string): boolean {
    return this.featured.has(streamId);
  }

  subscribe(topicName: string, identity: Identity, queries: EntityQuery[]): LiveSubscription {
    const key = JSON.stringify([identityClass(identity), queries.map((q) => [q.source, q.variables])]);
    let topic = this.topics.get(topicName);
    if (!topic) {
      topic = { groups: new Map() };
      this.topics.set(topicName, topic);
    }
    let group = topic.groups.get(key);
    if (!group) {
      group = { identity, queries, members: new Set(), chain: Promise.resolve() };
      topic.groups.set(key, group);
    }
    const subscription = new LiveSubscription(topicName, key, this.options.maxQueued);
    group.members.add(subscription);
    subscription.onEnd = () => this.remove(subscription);
    return subscription;
  }

  /** Routes a backbone event to the topics it concerns. */
  publish(event: DeliveredEvent): void {
    const featuredIn = (templateId: string) =>
      [...this.featured]
        .filter(([id, ids]) => this.topics.has(`liveStream:${id}`) && ids.includes(templateId))
        .map(([id]) => id);
    for (const topicEvent of topicEvents(event, featuredIn)) {
      const topic = this.topics.get(topicEvent.topic);
      if (!topic) continue;
      for (const group of topic.groups.values()) group.chain = group.chain.then(() => this.deliver(group, topicEvent));
    }
  }

  /** Ends every subscription with `reason` (shutdown). */
  endAll(reason: EndReason): void {
    for (const topic of [...this.topics.values()])
      for (const group of [...topic.groups.values()]) for (const member of [...group.members]) member.end(reason);
  }

  private async deliver(group: Group, topicEvent: TopicEvent): Promise<void> {
    // Every member may have left (or been ended) while earlier events of the group were resolved.
    if (group.members.size === 0) return;
    const results: Record<string, FormattedExecutionResult> = {};
    for (const query of group.queries) {
      const id = topicEvent.entities[query.field];
      if (id === undefined) continue;
      try {
        results[query.field] = await this.options.run(
          query.source,
          { ...query.variables, [ENTITY_ID_VARIABLE]: id },
          group.identity,
        );
      } catch (error) {
        this.options.logger.error({ err: error }, 'live subscriptions: resolving an event failed');
        results[query.field] = { errors: [{ message: 'This event could not be resolved.' }] };
      }
    }
    const payload: EventPayload = { event: { kind: topicEvent.kind, at: topicEvent.at }, results };
    for (const member of group.members) member.push(payload);
    this.options.onDelivered?.(topicEvent.topic, group.members.size);
  }

  private remove(subscription: LiveSubscription): void {
    const topic = this.topics.get(subscription.topic);
    const group = topic?.groups.get(subscription.group);
    if (!topic || !group) return;
    group.members.delete(subscription);
    if (group.members.size === 0) topic.groups.delete(subscription.group);
    if (topic.groups.size === 0) {
      this.topics.delete(subscription.topic);
      if (subscription.topic.startsWith('liveStream:')) this.featured.delete(subscription.topic.slice(11));
    }
  }
}
