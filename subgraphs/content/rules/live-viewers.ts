import { and, eq, sql } from 'drizzle-orm';
import { userError } from '../../contract/errors.ts';
import type { UserActor } from '../../shared/actors.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import type { ContentDb } from '../context.ts';
import { liveStreams, liveStreamViewers } from '../tables.ts';
import type { LiveStreamResult } from './live-streams.ts';

/**
 * A user starts (`join`) or stops watching a LIVE stream. Each user counts once however often they join, so the
 * viewer count is real; a change records `live_stream.viewers_changed` in the same transaction (live subscribers
 * see it), a join or leave that changes nothing records nothing. Once the stream has ended its count stays.
 */
export function watchLiveStream(
  db: ContentDb,
  now: Date,
  user: UserActor,
  input: { liveStreamId: string; join: boolean },
): LiveStreamResult {
  return db.transaction((tx) => {
    const stream = tx.select().from(liveStreams).where(eq(liveStreams.id, input.liveStreamId)).get();
    if (!stream) {
      const message = `No live stream has id "${input.liveStreamId}": check the id.`;
      return { liveStream: null, userErrors: [userError('NOT_FOUND', message, ['liveStreamId'])] };
    }
    if (stream.status !== 'LIVE') {
      const message = `The stream is ${stream.status}: only a LIVE stream can be joined or left.`;
      return { liveStream: stream, userErrors: [userError('INVALID_STATE', message, ['liveStreamId'])] };
    }
    const changed = input.join
      ? tx
          .insert(liveStreamViewers)
          .values({ liveStreamId: stream.id, userId: user.userId, joinedAt: now })
          .onConflictDoNothing()
          .run().changes
      : tx
          .delete(liveStreamViewers)
          .where(and(eq(liveStreamViewers.liveStreamId, stream.id), eq(liveStreamViewers.userId, user.userId)))
          .run().changes;
    if (changed === 0) return { liveStream: stream, userErrors: [] };
    const updated = tx
      .update(liveStreams)
      .set({ viewerCount: sql`max(0, ${liveStreams.viewerCount} + ${input.join ? 1 : -1})` })
      .where(eq(liveStreams.id, stream.id))
      .returning()
      .get();
    if (!updated) throw new Error(`live stream ${stream.id} vanished while being watched`);
    recordEvent(tx, {
      type: 'live_stream.viewers_changed',
      entityId: stream.id,
      occurredAt: now,
      payload: { liveStreamId: stream.id, viewerCount: updated.viewerCount },
    });
    return { liveStream: updated, userErrors: [] };
  });
}
