import { and, eq, lt } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { MerchantActor, SystemActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import { beyondHorizonReason } from '../../shared/horizon.ts';
import type {
  LiveStreamStatus,
  MutationStartLiveStreamArgs,
  ScheduleLiveStreamInput,
} from '../__generated__/resolvers-types.ts';
import type { ContentDb, ContentTx, LiveStreamRow } from '../context.ts';
import { liveStreamOffers, liveStreams } from '../tables.ts';
import { invalid, linkRows, MAX_FEATURED_OFFERS, refProblems, titleProblem } from './publish-input.ts';
import { notTheActorsAccount, publishingAccount, publishOnce } from './publishing.ts';

export interface LiveStreamResult {
  liveStream: LiveStreamRow | null;
  userErrors: UserError[];
}

/** How long after its time a stream that never started counts as a no-show. */
export const NO_SHOW_AFTER_MS = 24 * 3_600_000;

/**
 * Schedules a live stream in the future for the actor's merchant's account (the resolver made the actor with
 * `asPublisher`), with its featured offers, all or nothing. With an idempotency key, a retry of the same request
 * returns the first stream.
 */
export function scheduleLiveStream(
  db: ContentDb,
  now: Date,
  actor: MerchantActor,
  input: ScheduleLiveStreamInput,
  options: RuleOptions = {},
): LiveStreamResult {
  return publishOnce(
    db,
    { now, actor, operation: 'scheduleLiveStream', input },
    {
      entities: { liveStream: liveStreams },
      refuse: (error) => ({ liveStream: null, userErrors: [error] }),
      create: (tx, _account, request) => insertLiveStream(tx, now, actor, request, options),
    },
  );
}

function insertLiveStream(
  tx: ContentTx,
  now: Date,
  actor: MerchantActor,
  input: Omit<ScheduleLiveStreamInput, 'idempotencyKey'>,
  options: RuleOptions,
): LiveStreamResult {
  const problems = refProblems(input.featuredOffers ?? [], MAX_FEATURED_OFFERS, 'featuredOffers');
  const title = titleProblem(input.title);
  if (title) problems.unshift(title);
  if (input.scheduledAt.getTime() <= now.getTime())
    problems.push(invalid('Schedule the stream later than now.', 'scheduledAt'));
  const tooFar = beyondHorizonReason('scheduledAt', input.scheduledAt, now);
  if (tooFar) problems.push(invalid(tooFar, 'scheduledAt'));
  if (problems.length) return { liveStream: null, userErrors: problems };
  const liveStream = tx
    .insert(liveStreams)
    .values({
      id: newId('lvs'),
      accountId: input.accountId,
      title: input.title.trim(),
      status: 'SCHEDULED',
      scheduledAt: input.scheduledAt,
      publishedByUserId: actor.callerId,
    })
    .returning()
    .get();
  options.afterStep?.('liveStream');
  const offers = linkRows({ liveStreamId: liveStream.id }, input.featuredOffers ?? []);
  if (offers.length) tx.insert(liveStreamOffers).values(offers).run();
  options.afterStep?.('featuredOffers');
  recordEvent(tx, {
    type: 'live_stream.scheduled',
    entityId: liveStream.id,
    occurredAt: now,
    payload: {
      liveStreamId: liveStream.id,
      accountId: liveStream.accountId,
      title: liveStream.title,
      scheduledAt: liveStream.scheduledAt.toISOString(),
    },
  });
  return { liveStream, userErrors: [] };
}

/** Where `startLiveStream` and `endLiveStream` move a stream. */
export type LiveStreamMove = MutationStartLiveStreamArgs & { to: Exclude<LiveStreamStatus, 'SCHEDULED'> };

/**
 * Moves a stream of the actor's merchant (the resolver made the actor for the stream's account) SCHEDULED → LIVE or
 * LIVE → ENDED; any other move is INVALID_STATE and changes nothing.
 */
export function advanceLiveStream(
  db: ContentDb,
  now: Date,
  actor: MerchantActor,
  input: LiveStreamMove,
): LiveStreamResult {
  const from = input.to === 'LIVE' ? 'SCHEDULED' : 'LIVE';
  return db.transaction((tx) => {
    const stream = tx.select().from(liveStreams).where(eq(liveStreams.id, input.liveStreamId)).get();
    if (!stream) {
      const message = `No live stream has id "${input.liveStreamId}": check the id.`;
      return { liveStream: null, userErrors: [userError('NOT_FOUND', message, ['liveStreamId'])] };
    }
    if (!publishingAccount(tx, actor, stream.accountId)) throw notTheActorsAccount(stream.accountId, actor);
    // Conditional on the old status, so two racing requests cannot both move the stream.
    const moved = tx
      .update(liveStreams)
      .set(input.to === 'LIVE' ? { status: 'LIVE', startedAt: now } : { status: 'ENDED', endedAt: now })
      .where(and(eq(liveStreams.id, stream.id), eq(liveStreams.status, from)))
      .returning()
      .get();
    if (moved) {
      recordStreamMove(tx, moved, now);
      return { liveStream: moved, userErrors: [] };
    }
    const message = `The stream is ${stream.status}; only a ${from} stream can become ${input.to}.`;
    return { liveStream: stream, userErrors: [userError('INVALID_STATE', message, ['liveStreamId'])] };
  });
}

/**
 * Ends every SCHEDULED stream that has not started 24 hours after its time, so stream lists stop
 * announcing it; `startedAt` stays null, which tells a no-show from a stream that ran. Idempotent.
 */
export function endNoShowLiveStreams(db: ContentDb, now: Date, _actor: SystemActor): { processed: number } {
  const cutoff = new Date(now.getTime() - NO_SHOW_AFTER_MS);
  return db.transaction((tx) => {
    const ended = tx
      .update(liveStreams)
      .set({ status: 'ENDED', endedAt: now })
      .where(and(eq(liveStreams.status, 'SCHEDULED'), lt(liveStreams.scheduledAt, cutoff)))
      .returning()
      .all();
    for (const stream of ended) recordStreamMove(tx, stream, now);
    return { processed: ended.length };
  });
}

/** `live_stream.started` or `.ended` for a stream just moved, in the transaction that moved it. */
function recordStreamMove(tx: ContentTx, stream: LiveStreamRow, now: Date): void {
  if (stream.status === 'LIVE') {
    const payload = { liveStreamId: stream.id, accountId: stream.accountId, startedAt: now.toISOString() };
    recordEvent(tx, { type: 'live_stream.started', entityId: stream.id, occurredAt: now, payload });
  } else if (stream.status === 'ENDED') {
    const payload = {
      liveStreamId: stream.id,
      accountId: stream.accountId,
      endedAt: now.toISOString(),
      viewerCount: stream.viewerCount,
    };
    recordEvent(tx, { type: 'live_stream.ended', entityId: stream.id, occurredAt: now, payload });
  }
}
