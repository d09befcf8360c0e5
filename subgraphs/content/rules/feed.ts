import { and, between, desc, eq, exists, inArray, not, or, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { badUserInput } from '../../contract/errors.ts';
import type { UserActor } from '../../shared/actors.ts';
import { type Page, preparedFor } from '../../shared/connection.ts';
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

/** The parts of the viewer and input that decide the feed query's shape (its values are bound, see `feedQuery`). */
interface FeedShape {
  near: boolean;
  viewer: boolean;
}

/**
 * Which posts the Life channel feed shows: posts of followed accounts, plus BRAND accounts' posts tagged
 * at a store within 5 km of `near`. Without `near`, a viewer who follows nobody (or an anonymous caller)
 * gets every post, so a fresh start never shows an empty feed. Undefined for "every post". The point, its box and
 * the viewer are placeholders (`nearLat`, `nearLng`, `minLat`, `maxLat`, `minLng`, `maxLng`, `viewerId`).
 */
function feedCondition(db: ContentDb, shape: FeedShape): SQL | undefined {
  const candidates: (SQL | undefined)[] = [];
  // With `near`, the posts are read in feed order (see `unindexed`); without it, through the followed accounts.
  const accountId = shape.near ? unindexed(posts.accountId) : sql`${posts.accountId}`;
  if (shape.near) {
    const brands = db.select({ id: lifeAccounts.id }).from(lifeAccounts).where(eq(lifeAccounts.kind, 'BRAND'));
    const at = (name: string) => sql.placeholder(name);
    candidates.push(
      and(
        between(unindexed(posts.lat), at('minLat'), at('maxLat')),
        between(posts.lng, at('minLng'), at('maxLng')),
        sql`distance_meters(${at('nearLat')}, ${at('nearLng')}, ${posts.lat}, ${posts.lng}) <= ${NEARBY_RADIUS_METERS}`,
        inArray(accountId, brands),
      ),
    );
  }
  if (!shape.viewer) return shape.near ? candidates[0] : undefined;
  const followed = db
    .select({ id: follows.accountId })
    .from(follows)
    .where(eq(follows.userId, sql.placeholder('viewerId')));
  candidates.push(inArray(accountId, followed));
  if (!shape.near) candidates.push(not(exists(followed)));
  return or(...candidates);
}

/** The feed query of one shape, built once per database and then only bound (see `preparedFor`). */
function feedQuery(db: ContentDb, shape: FeedShape) {
  return preparedFor(db, `feed|near:${shape.near}|viewer:${shape.viewer}`, () =>
    db
      .select()
      .from(posts)
      .where(feedCondition(db, shape))
      .orderBy(desc(posts.publishedAt), desc(posts.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(),
  );
}

/**
 * One page of the feed of `viewer` (null: an anonymous caller or a partner key), newest first, with one row more
 * than the page, so that `toConnection` learns whether a next page exists.
 */
export function selectFeed(db: ContentDb, viewer: UserActor | null, input: FeedInput, page: Page): PostRow[] {
  const near = input.near;
  if (near) {
    const problem = invalidPoint(near);
    if (problem) throw badUserInput(`"near" is not a valid point: ${problem}.`, 'near');
  }
  const values: Record<string, unknown> = { limit: page.limit + 1, offset: page.offset };
  if (near) Object.assign(values, boundingBox(near, NEARBY_RADIUS_METERS), { nearLat: near.lat, nearLng: near.lng });
  if (viewer) values.viewerId = viewer.userId;
  return feedQuery(db, { near: Boolean(near), viewer: viewer !== null }).all(values);
}
