import { eq } from 'drizzle-orm';
import { type UserError, userError } from '../../shared/errors.ts';
import { type GeoPoint, invalidPoint } from '../../shared/geo.ts';
import { newId } from '../../shared/ids.ts';
import { assertPublishesFor, type Publisher } from '../access.ts';
import { lifeAccounts, liveStreamOffers, liveStreams, type OfferKind, postAttachments, posts } from '../tables.ts';
import type { ContentDb, LiveStreamRow, PostRow } from '../types.ts';

export const MAX_ATTACHMENTS = 3;
export const MAX_MEDIA = 9;
export const MAX_TITLE = 100;
export const MAX_BODY = 5000;

/** What a merchant publishes; the store's location is copied so the nearby feed can find the post. */
export interface PublishPostInput {
  accountId: string;
  kind: PostRow['kind'];
  title: string;
  body: string;
  media: string[];
  store?: { id: string; location: GeoPoint } | null;
  attachments?: { kind: OfferKind; id: string }[] | null;
}

const invalid = (message: string, ...field: string[]) => userError('INVALID_INPUT', message, ['input', ...field]);
const accountNotFound = (id: string) =>
  userError('NOT_FOUND', `No life account has id "${id}": check the id.`, ['input', 'accountId']);
const chars = (s: string) => Array.from(s).length;

function postProblems(input: PublishPostInput): UserError[] {
  const problems: UserError[] = [];
  const title = input.title.trim();
  if (chars(title) < 1 || chars(title) > MAX_TITLE)
    problems.push(invalid(`The title must be 1 to ${MAX_TITLE} characters.`, 'title'));
  if (chars(input.body) > MAX_BODY) problems.push(invalid(`The body must be at most ${MAX_BODY} characters.`, 'body'));
  if (input.media.length > MAX_MEDIA) problems.push(invalid(`Attach at most ${MAX_MEDIA} media URLs.`, 'media'));
  if (input.media.some((url) => !/^https:\/\/\S+$/.test(url)))
    problems.push(invalid('Every media entry must be an https:// URL.', 'media'));
  if ((input.attachments?.length ?? 0) > MAX_ATTACHMENTS)
    problems.push(invalid(`A post takes at most ${MAX_ATTACHMENTS} attachments.`, 'attachments'));
  const point = input.store ? invalidPoint(input.store.location) : null;
  if (point) problems.push(invalid(`The store location is invalid: ${point}.`, 'store', 'location'));
  return problems;
}

/** Publishes a post for a merchant's account, with its attachments, in one transaction. */
export function publishPost(
  db: ContentDb,
  now: Date,
  publisher: Publisher,
  input: PublishPostInput,
): { post: PostRow | null; userErrors: UserError[] } {
  const problems = postProblems(input);
  if (problems.length) return { post: null, userErrors: problems };
  return db.transaction((tx) => {
    const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, input.accountId)).get();
    if (!account) return { post: null, userErrors: [accountNotFound(input.accountId)] };
    assertPublishesFor(publisher, account);
    const post = tx
      .insert(posts)
      .values({
        id: newId('pst'),
        accountId: account.id,
        kind: input.kind,
        title: input.title.trim(),
        body: input.body,
        mediaUrls: input.media,
        storeId: input.store?.id ?? null,
        lat: input.store?.location.lat ?? null,
        lng: input.store?.location.lng ?? null,
        publishedAt: now,
        publishedByUserId: publisher.id,
      })
      .returning()
      .get();
    const attachments = (input.attachments ?? []).map((a, position) => ({
      postId: post.id,
      position,
      kind: a.kind,
      targetId: a.id,
    }));
    if (attachments.length) tx.insert(postAttachments).values(attachments).run();
    return { post, userErrors: [] };
  });
}

/** A live stream to announce, with the offers it will feature. */
export interface ScheduleLiveStreamInput {
  accountId: string;
  title: string;
  scheduledAt: Date;
  featuredOffers?: { kind: 'COUPON_TEMPLATE' | 'GROUP_BUY_CAMPAIGN'; id: string }[] | null;
}

type StreamResult = { liveStream: LiveStreamRow | null; userErrors: UserError[] };

/** Schedules a live stream in the future for a merchant's account. */
export function scheduleLiveStream(
  db: ContentDb,
  now: Date,
  publisher: Publisher,
  input: ScheduleLiveStreamInput,
): StreamResult {
  const title = input.title.trim();
  if (chars(title) < 1 || chars(title) > MAX_TITLE)
    return { liveStream: null, userErrors: [invalid(`The title must be 1 to ${MAX_TITLE} characters.`, 'title')] };
  if (input.scheduledAt.getTime() <= now.getTime())
    return { liveStream: null, userErrors: [invalid('Schedule the stream in the future.', 'scheduledAt')] };
  return db.transaction((tx) => {
    const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, input.accountId)).get();
    if (!account) return { liveStream: null, userErrors: [accountNotFound(input.accountId)] };
    assertPublishesFor(publisher, account);
    const liveStream = tx
      .insert(liveStreams)
      .values({
        id: newId('lvs'),
        accountId: account.id,
        title,
        status: 'SCHEDULED',
        scheduledAt: input.scheduledAt,
        publishedByUserId: publisher.id,
      })
      .returning()
      .get();
    const offers = (input.featuredOffers ?? []).map((o, position) => ({
      liveStreamId: liveStream.id,
      position,
      kind: o.kind,
      targetId: o.id,
    }));
    if (offers.length) tx.insert(liveStreamOffers).values(offers).run();
    return { liveStream, userErrors: [] };
  });
}

/** Moves a stream SCHEDULED → LIVE or LIVE → ENDED; any other move is a user error that changes nothing. */
export function advanceLiveStream(
  db: ContentDb,
  now: Date,
  publisher: Publisher,
  input: { liveStreamId: string; to: 'LIVE' | 'ENDED' },
): StreamResult {
  const from = input.to === 'LIVE' ? 'SCHEDULED' : 'LIVE';
  return db.transaction((tx) => {
    const stream = tx.select().from(liveStreams).where(eq(liveStreams.id, input.liveStreamId)).get();
    if (!stream) {
      const message = `No live stream has id "${input.liveStreamId}": check the id.`;
      return { liveStream: null, userErrors: [userError('NOT_FOUND', message, ['liveStreamId'])] };
    }
    const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, stream.accountId)).get();
    if (account) assertPublishesFor(publisher, account);
    if (stream.status !== from) {
      const message = `The stream is ${stream.status}; only a ${from} stream can become ${input.to}.`;
      return { liveStream: stream, userErrors: [userError('INVALID_STATUS', message, ['liveStreamId'])] };
    }
    const liveStream = tx
      .update(liveStreams)
      .set(input.to === 'LIVE' ? { status: 'LIVE', startedAt: now } : { status: 'ENDED', endedAt: now })
      .where(eq(liveStreams.id, stream.id))
      .returning()
      .get();
    return { liveStream: liveStream ?? stream, userErrors: [] };
  });
}
