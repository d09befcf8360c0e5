import { and, eq, lt } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import type { Identity } from '../../contract/identity.ts';
import { newId } from '../../contract/ids.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { beyondHorizonReason } from '../../shared/horizon.ts';
import type { SubgraphJob } from '../../shared/jobs.ts';
import { requirePublisher, requirePublishingAccess } from '../access.ts';
import type { ContentDb, LiveStreamRow } from '../context.ts';
import { lifeAccounts, liveStreamOffers, liveStreams } from '../tables.ts';
import { onceForKey } from './idempotency.ts';
import {
  invalid,
  linkRows,
  MAX_FEATURED_OFFERS,
  type OfferRefInput,
  refProblems,
  titleProblem,
} from './publish-input.ts';
import { accountNotFound, publishingAccount } from './publishing.ts';

/** A live stream to announce, with the offers it will feature. */
export interface ScheduleLiveStreamInput {
  accountId: string;
  title: string;
  scheduledAt: Date;
  featuredOffers?: OfferRefInput<'COUPON_TEMPLATE' | 'GROUP_BUY_CAMPAIGN'>[] | null;
  /** Optional: a retry with the same key and input returns the first stream. */
  idempotencyKey?: string | null;
}

type StreamResult = { liveStream: LiveStreamRow | null; userErrors: UserError[] };

/** How long after its time a stream that never started counts as a no-show. */
export const NO_SHOW_AFTER_MS = 24 * 3_600_000;

/**
 * Schedules a live stream in the future for a merchant's account, with its featured offers, all or
 * nothing. With an idempotency key, a retry of the same request returns the first stream.
 */
export function scheduleLiveStream(
  db: ContentDb,
  now: Date,
  caller: Identity,
  input: ScheduleLiveStreamInput,
  options: RuleOptions = {},
): StreamResult {
  requirePublisher(caller);
  const { idempotencyKey, ...request } = input;
  return db.transaction((tx) => {
    const account = publishingAccount(tx, caller, input.accountId);
    if (!account) return { liveStream: null, userErrors: [accountNotFound(input.accountId)] };
    return onceForKey(
      tx,
      { caller, now, operation: 'scheduleLiveStream', key: idempotencyKey, request },
      {
        entities: { liveStream: liveStreams },
        attempt: () => insertLiveStream(tx, now, caller, request, options),
        refuse: (error) => ({ liveStream: null, userErrors: [error] }),
      },
    );
  });
}

function insertLiveStream(
  tx: ContentDb,
  now: Date,
  caller: Identity,
  input: ScheduleLiveStreamInput,
  options: RuleOptions,
): StreamResult {
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
      publishedByUserId: caller.subject,
    })
    .returning()
    .get();
  options.afterStep?.('liveStream');
  const offers = linkRows({ liveStreamId: liveStream.id }, input.featuredOffers ?? []);
  if (offers.length) tx.insert(liveStreamOffers).values(offers).run();
  options.afterStep?.('featuredOffers');
  return { liveStream, userErrors: [] };
}

/** Moves a stream SCHEDULED → LIVE or LIVE → ENDED; any other move is INVALID_STATE and changes nothing. */
export function advanceLiveStream(
  db: ContentDb,
  now: Date,
  caller: Identity,
  input: { liveStreamId: string; to: 'LIVE' | 'ENDED' },
): StreamResult {
  requirePublisher(caller);
  const from = input.to === 'LIVE' ? 'SCHEDULED' : 'LIVE';
  return db.transaction((tx) => {
    const stream = tx.select().from(liveStreams).where(eq(liveStreams.id, input.liveStreamId)).get();
    if (!stream) {
      const message = `No live stream has id "${input.liveStreamId}": check the id.`;
      return { liveStream: null, userErrors: [userError('NOT_FOUND', message, ['liveStreamId'])] };
    }
    const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, stream.accountId)).get();
    requirePublishingAccess(caller, account ?? { id: stream.accountId, merchantId: null });
    // Conditional on the old status, so two racing requests cannot both move the stream.
    const moved = tx
      .update(liveStreams)
      .set(input.to === 'LIVE' ? { status: 'LIVE', startedAt: now } : { status: 'ENDED', endedAt: now })
      .where(and(eq(liveStreams.id, stream.id), eq(liveStreams.status, from)))
      .returning()
      .get();
    if (moved) return { liveStream: moved, userErrors: [] };
    const message = `The stream is ${stream.status}; only a ${from} stream can become ${input.to}.`;
    return { liveStream: stream, userErrors: [userError('INVALID_STATE', message, ['liveStreamId'])] };
  });
}

/**
 * Ends every SCHEDULED stream that has not started 24 hours after its time, so stream lists stop
 * announcing it; `startedAt` stays null, which tells a no-show from a stream that ran. Idempotent.
 */
export function endNoShowLiveStreams(db: ContentDb, now: Date): { processed: number } {
  const cutoff = new Date(now.getTime() - NO_SHOW_AFTER_MS);
  const ended = db
    .update(liveStreams)
    .set({ status: 'ENDED', endedAt: now })
    .where(and(eq(liveStreams.status, 'SCHEDULED'), lt(liveStreams.scheduledAt, cutoff)))
    .run();
  return { processed: ended.changes };
}

/** The content subgraph's deadline jobs. */
export const contentJobs: SubgraphJob<ContentDb>[] = [
  {
    name: 'live-stream-no-shows',
    intervalMs: 5 * 60_000,
    run: (db, now) => endNoShowLiveStreams(db, now),
  },
];
