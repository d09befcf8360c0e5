import type { FormattedExecutionResult } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '../../gateway/subscriptions/backbone.ts';
import { type EventPayload, Hub, type LiveSubscription } from '../../gateway/subscriptions/hub.ts';
import type { EntityQuery } from '../../gateway/subscriptions/selection.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/index.ts';

// The hub (gateway/subscriptions/hub.ts): per event and topic one execution per group of subscribers with the same
// selection and identity class, never shared between two users; a bounded queue per subscriber; events in order.

const user = (subject: string): Identity => ({ kind: 'user', subject, scopes: [], merchantIds: [] });
const STREAM_QUERY: EntityQuery[] = [
  { field: 'stream', source: 'query A { stream: liveStream { title } }', variables: {} },
];
const OTHER_QUERY: EntityQuery[] = [
  { field: 'stream', source: 'query B { stream: liveStream { status } }', variables: {} },
];
const USER_QUERY: EntityQuery[] = [
  { field: 'fromUser', source: 'query U { fromUser: user { nickname } }', variables: {} },
];

let position = 0;
const viewersChanged = (streamId: string): DeliveredEvent => ({
  publisher: 'content',
  position: ++position,
  type: 'live_stream.viewers_changed',
  entityId: streamId,
  payload: {},
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, position)).toISOString(),
});
const friendRequest = (from: string, to: string): DeliveredEvent => ({
  publisher: 'social',
  position: ++position,
  type: 'friend_request.received',
  entityId: `frq_${position}`,
  payload: { fromUserId: from, toUserId: to },
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, position)).toISOString(),
});

interface Run {
  source: string;
  variables: Record<string, unknown>;
  identity: Identity;
}

/** A hub whose queries answer with who ran them and for which entity, recording every run. */
function hubWith(maxQueued = 100, delayOf: (run: Run) => number = () => 0) {
  const runs: Run[] = [];
  const hub = new Hub({
    logger: pino({ level: 'silent' }),
    maxQueued,
    run: async (source, variables, identity): Promise<FormattedExecutionResult> => {
      const run = { source, variables, identity };
      runs.push(run);
      await new Promise((resolve) => setTimeout(resolve, delayOf(run)));
      return { data: { ranAs: identity.subject, entity: variables.lifegraphEntityId, source } };
    },
  });
  return { hub, runs };
}

/** The next payload of a subscription, failing instead of waiting forever. */
async function next(subscription: LiveSubscription): Promise<EventPayload> {
  const result = await Promise.race([
    subscription.next(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no payload within 2 s')), 2000)),
  ]);
  if (result.done) throw new Error('the subscription ended');
  return result.value;
}
const answer = (payload: EventPayload, field: string) => payload.results[field]?.data as Record<string, unknown>;
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('Hub grouping', () => {
  it('subscribers of a topic with the same selection and identity class share one execution per event', async () => {
    const { hub, runs } = hubWith();
    const anonymous = [1, 2, 3].map(() => hub.subscribe('liveStream:lvs_1', ANONYMOUS, STREAM_QUERY));
    hub.publish(viewersChanged('lvs_1'));
    const payloads = await Promise.all(anonymous.map(next));
    expect(runs).toHaveLength(1);
    expect(runs[0]?.variables).toEqual({ lifegraphEntityId: 'lvs_1' });
    for (const payload of payloads) {
      expect(payload.event.kind).toBe('VIEWERS');
      expect(answer(payload, 'stream')).toMatchObject({ ranAs: null, entity: 'lvs_1' });
    }
  });

  it('another selection, another topic or another identity class is its own group', async () => {
    const { hub, runs } = hubWith();
    const a = hub.subscribe('liveStream:lvs_1', ANONYMOUS, STREAM_QUERY);
    const b = hub.subscribe('liveStream:lvs_1', ANONYMOUS, OTHER_QUERY);
    const signedIn = hub.subscribe('liveStream:lvs_1', user('usr_alice'), STREAM_QUERY);
    const elsewhere = hub.subscribe('liveStream:lvs_2', ANONYMOUS, STREAM_QUERY);
    hub.publish(viewersChanged('lvs_1'));
    const [forA, forB, forSignedIn] = await Promise.all([next(a), next(b), next(signedIn)]);
    expect(runs).toHaveLength(3);
    expect(answer(forA, 'stream').source).toBe(STREAM_QUERY[0]?.source);
    expect(answer(forB, 'stream').source).toBe(OTHER_QUERY[0]?.source);
    expect(answer(forSignedIn, 'stream').ranAs).toBe('usr_alice');
    // The other stream's subscriber got nothing and nothing ran for it.
    await settle();
    expect(runs.every((run) => run.variables.lifegraphEntityId === 'lvs_1')).toBe(true);
    expect(hub.size).toBe(4);
    elsewhere.end(null);
    expect(hub.size).toBe(3);
  });

  it('never merges two users, even with the same selection on the same topic: each answer is run as its user', async () => {
    const { hub, runs } = hubWith();
    // Same topic and selection (a stream both watch) for two users with identical scopes.
    const alice = hub.subscribe('liveStream:lvs_1', user('usr_alice'), STREAM_QUERY);
    const bob = hub.subscribe('liveStream:lvs_1', user('usr_bob'), STREAM_QUERY);
    hub.publish(viewersChanged('lvs_1'));
    const [forAlice, forBob] = await Promise.all([next(alice), next(bob)]);
    expect(runs.map((run) => run.identity.subject).sort()).toEqual(['usr_alice', 'usr_bob']);
    expect(answer(forAlice, 'stream').ranAs).toBe('usr_alice');
    expect(answer(forBob, 'stream').ranAs).toBe('usr_bob');
    // A wallet event reaches only its own user's topic.
    const aliceWallet = hub.subscribe('wallet:usr_alice', user('usr_alice'), USER_QUERY);
    const bobWallet = hub.subscribe('wallet:usr_bob', user('usr_bob'), USER_QUERY);
    hub.publish(friendRequest('usr_carol', 'usr_alice'));
    const forAliceWallet = await next(aliceWallet);
    expect(forAliceWallet.event.kind).toBe('FRIEND_REQUEST_RECEIVED');
    expect(answer(forAliceWallet, 'fromUser')).toMatchObject({ ranAs: 'usr_alice', entity: 'usr_carol' });
    await settle();
    const pending = bobWallet.next();
    const nothing = await Promise.race([pending.then(() => 'payload'), settle().then(() => 'nothing')]);
    expect(nothing).toBe('nothing');
  });
});

describe('LiveSubscription queue', () => {
  it('a subscriber that does not read is ended with SLOW_CONSUMER once its queue is full; others go on', async () => {
    const { hub } = hubWith(3);
    const slow = hub.subscribe('liveStream:lvs_1', ANONYMOUS, STREAM_QUERY);
    const reasons: unknown[] = [];
    const hubEnd = slow.onEnd;
    slow.onEnd = (reason) => {
      hubEnd?.(reason);
      reasons.push(reason);
    };
    for (let i = 0; i < 3; i += 1) hub.publish(viewersChanged('lvs_1'));
    await settle();
    // Three queued: still active.
    expect(slow.active).toBe(true);
    hub.publish(viewersChanged('lvs_1'));
    await settle();
    expect(slow.active).toBe(false);
    expect(reasons).toEqual([{ code: 'SLOW_CONSUMER', message: expect.stringContaining('fell 3 events behind') }]);
    // The queued events are dropped; the client reads the reason once, then the end.
    const last = await next(slow);
    expect(last.end?.code).toBe('SLOW_CONSUMER');
    expect((await slow.next()).done).toBe(true);
    expect(hub.size).toBe(0);
    // A reader that keeps up on the same topic is not affected.
    const reader = hub.subscribe('liveStream:lvs_1', ANONYMOUS, STREAM_QUERY);
    for (let i = 0; i < 5; i += 1) {
      hub.publish(viewersChanged('lvs_1'));
      expect((await next(reader)).event.kind).toBe('VIEWERS');
    }
    expect(reader.active).toBe(true);
  });
});

describe('Hub order', () => {
  it('delivers a topic’s events in the order published, even when an earlier one takes longer to resolve', async () => {
    // The first event's query is slow, the later ones fast: without the per-group chain they would overtake it.
    let first = true;
    const { hub } = hubWith(100, () => {
      const delay = first ? 200 : 0;
      first = false;
      return delay;
    });
    const subscriber = hub.subscribe('liveStream:lvs_1', ANONYMOUS, STREAM_QUERY);
    const published = [viewersChanged('lvs_1'), viewersChanged('lvs_1'), viewersChanged('lvs_1')];
    for (const event of published) hub.publish(event);
    expect(await times(subscriber, published.length)).toEqual(published.map((event) => event.occurredAt));
  });

  it('does not hold back one group of a topic behind another group’s slow selection', async () => {
    // Each group keeps its own order; a costly selection (or a slow client's group) must not delay the others.
    const { hub } = hubWith(100, (run) => (run.source.startsWith('query A') ? 1000 : 0));
    const slow = hub.subscribe('liveStream:lvs_1', ANONYMOUS, STREAM_QUERY);
    const fast = hub.subscribe('liveStream:lvs_1', ANONYMOUS, OTHER_QUERY);
    const published = [viewersChanged('lvs_1'), viewersChanged('lvs_1'), viewersChanged('lvs_1')];
    for (const event of published) hub.publish(event);
    expect(await times(fast, published.length)).toEqual(published.map((event) => event.occurredAt));
    // The fast group has all three before the slow group's first (1 s) resolution finished.
    const slowAll = times(slow, published.length);
    const raced = await Promise.race([slowAll.then(() => 'slow'), Promise.resolve('pending')]);
    expect(raced).toBe('pending');
    expect(await slowAll).toEqual(published.map((event) => event.occurredAt));
  });
});

/** The times (`event.at`) of a subscriber's next `count` events. */
async function times(subscription: LiveSubscription, count: number): Promise<string[]> {
  const received: string[] = [];
  for (let i = 0; i < count; i += 1) received.push((await next(subscription)).event.at);
  return received;
}
