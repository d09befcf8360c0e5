import { and, between, desc, eq, exists, inArray, not, or, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { badUserInput } from '../../contract/errors.ts';
import type { UserActor } from '../../shared/actors.ts';
import { type Page, selectPage } from '../../shared/connection.ts';
import { boundingBox, invalidPoint } from '../../shared/geo.ts';
import type { QueryLifeChannelFeedArgs } from '../__generated__/resolvers-types.ts';
import type { ContentDb, PostRow } from '../context.ts';
import { follows, lifeAccounts, posts } from '../tables.ts';

/** How far a merchant's store may be from the viewer for its posts to count as nearby. */
export const NEARBY_RADIUS_METERS = 5_000;

/** Where the viewer is, if they say. */
export type FeedInput = Pick<QueryLifeChannelFeedArgs, 'near'>;

/**
 * `column`, in a condition SQLite must not look up through an index (`+column`): the nearby feed reads posts newest
 * first from the publication index and stops after the page, instead of collecting every brand post (with a
 * distance computed for each in the box) and sorting them all. A followed or nearby post is most of the posts, so
 * the page is found within its first rows.
 */
function unindexed(column: SQLiteColumn): SQL {
  return sql`+${column}`;
}

/**
 * Which posts the Life channel feed shows: posts of followed accounts, plus BRAND accounts' posts tagged
 * at a store within 5 km of `near`. Without `near`, a viewer who follows nobody (or an anonymous caller)
 * gets every post, so a fresh start never shows an empty feed. Returns undefined for "every post".
 */
function feedCondition(db: ContentDb, viewer: UserActor | null, { near }: FeedInput): SQL | undefined {
  const candidates: (SQL | undefined)[] = [];
  // With `near`, the posts are read in feed order (see `unindexed`); without it, through the followed accounts.
  const accountId = near ? unindexed(posts.accountId) : sql`${posts.accountId}`;
  if (near) {
    const box = boundingBox(near, NEARBY_RADIUS_METERS);
    const brands = db.select({ id: lifeAccounts.id }).from(lifeAccounts).where(eq(lifeAccounts.kind, 'BRAND'));
    candidates.push(
      and(
        between(unindexed(posts.lat), box.minLat, box.maxLat),
        between(posts.lng, box.minLng, box.maxLng),
        sql`distance_meters(${near.lat}, ${near.lng}, ${posts.lat}, ${posts.lng}) <= ${NEARBY_RADIUS_METERS}`,
        inArray(accountId, brands),
      ),
    );
  }
  if (!viewer) return near ? candidates[0] : undefined;
  const followed = db.select({ id: follows.accountId }).from(follows).where(eq(follows.userId, viewer.userId));
  candidates.push(inArray(accountId, followed));
  if (!near) candidates.push(not(exists(followed)));
  return or(...candidates);
}

/**
 * One page of the feed of `viewer` (null: an anonymous caller or a partner key), newest first; fetch `limit + 1` to
 * learn whether a next page exists.
 */
export function selectFeed(db: ContentDb, viewer: UserActor | null, input: FeedInput, page: Page): PostRow[] {
  if (input.near) {
    const problem = invalidPoint(input.near);
    if (problem) throw badUserInput(`"near" is not a valid point: ${problem}.`, 'near');
  }
  const where = feedCondition(db, viewer, input);
  return selectPage(db, posts, { where, orderBy: [desc(posts.publishedAt), desc(posts.id)] }, page);
}
