import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestampMs } from '../shared/columns.ts';
import { eventCursorsTable } from '../shared/events/cursors.ts';
import { outboxEventsTable } from '../shared/events/outbox.ts';
import { idempotencyKeysTable } from '../shared/idempotency.ts';
import type {
  FeaturedOfferKind,
  LifeAccountKind,
  LiveStreamStatus,
  PostAttachmentKind,
  PostKind,
} from './__generated__/resolvers-types.ts';

export const lifeAccounts = sqliteTable(
  'life_accounts',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<LifeAccountKind>().notNull(),
    name: text('name').notNull(),
    bio: text('bio').notNull(),
    merchantId: text('merchant_id'),
    // Denormalized so lists need no count query; kept exact by the follow rules.
    followerCount: integer('follower_count').notNull().default(0),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('life_accounts_merchant_id_unique').on(t.merchantId),
    index('life_accounts_kind_idx').on(t.kind),
    index('life_accounts_name_idx').on(t.name, t.id),
  ],
);

export const follows = sqliteTable(
  'follows',
  {
    userId: text('user_id').notNull(),
    accountId: text('account_id')
      .notNull()
      .references(() => lifeAccounts.id),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.accountId] }),
    index('follows_account_id_idx').on(t.accountId),
    index('follows_user_created_idx').on(t.userId, t.createdAt),
  ],
);

export const posts = sqliteTable(
  'posts',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => lifeAccounts.id),
    kind: text('kind').$type<PostKind>().notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    mediaUrls: text('media_urls', { mode: 'json' }).$type<string[]>().notNull(),
    // The tagged store's location is copied here so the nearby feed needs no call to merchants.
    storeId: text('store_id'),
    lat: real('lat'),
    lng: real('lng'),
    publishedAt: timestampMs('published_at').notNull(),
    /** Staff user (`usr_`) or partner key (`key_`) who published it through the API; null for seeded posts. */
    publishedByUserId: text('published_by_user_id'),
    likeCount: integer('like_count').notNull().default(0),
    favoriteCount: integer('favorite_count').notNull().default(0),
    commentCount: integer('comment_count').notNull().default(0),
    shareCount: integer('share_count').notNull().default(0),
  },
  (t) => [
    index('posts_account_published_idx').on(t.accountId, t.publishedAt, t.id),
    index('posts_published_idx').on(t.publishedAt, t.id),
    index('posts_store_id_idx').on(t.storeId),
    index('posts_lat_lng_idx').on(t.lat, t.lng),
  ],
);

export const postAttachments = sqliteTable(
  'post_attachments',
  {
    postId: text('post_id')
      .notNull()
      .references(() => posts.id),
    position: integer('position').notNull(),
    // What the attachment points at; the owning subgraph resolves it.
    kind: text('kind').$type<PostAttachmentKind>().notNull(),
    targetId: text('target_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.position] }), index('post_attachments_target_idx').on(t.targetId)],
);

export const postLikes = sqliteTable(
  'post_likes',
  {
    userId: text('user_id').notNull(),
    postId: text('post_id')
      .notNull()
      .references(() => posts.id),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.postId] }), index('post_likes_post_id_idx').on(t.postId)],
);

export const postFavorites = sqliteTable(
  'post_favorites',
  {
    userId: text('user_id').notNull(),
    postId: text('post_id')
      .notNull()
      .references(() => posts.id),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.postId] }),
    index('post_favorites_post_id_idx').on(t.postId),
    index('post_favorites_user_created_idx').on(t.userId, t.createdAt),
  ],
);

export const comments = sqliteTable(
  'comments',
  {
    id: text('id').primaryKey(),
    postId: text('post_id')
      .notNull()
      .references(() => posts.id),
    userId: text('user_id').notNull(),
    body: text('body').notNull(),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    index('comments_post_created_idx').on(t.postId, t.createdAt, t.id),
    index('comments_user_id_idx').on(t.userId),
  ],
);

/**
 * Every share is an event, so a user may share the same post many times; the post's `shareCount` counts
 * distinct sharers (it moves only on a user's first share of the post).
 */
export const postShares = sqliteTable(
  'post_shares',
  {
    id: text('id').primaryKey(),
    postId: text('post_id')
      .notNull()
      .references(() => posts.id),
    userId: text('user_id').notNull(),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [index('post_shares_post_user_idx').on(t.postId, t.userId), index('post_shares_user_id_idx').on(t.userId)],
);

export const liveStreams = sqliteTable(
  'live_streams',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => lifeAccounts.id),
    title: text('title').notNull(),
    status: text('status').$type<LiveStreamStatus>().notNull(),
    scheduledAt: timestampMs('scheduled_at').notNull(),
    startedAt: timestampMs('started_at'),
    endedAt: timestampMs('ended_at'),
    viewerCount: integer('viewer_count').notNull().default(0),
    /** Staff user (`usr_`) or partner key (`key_`) who scheduled it through the API; null for seeded streams. */
    publishedByUserId: text('published_by_user_id'),
  },
  (t) => [
    index('live_streams_account_scheduled_idx').on(t.accountId, t.scheduledAt, t.id),
    index('live_streams_status_scheduled_idx').on(t.status, t.scheduledAt, t.id),
    index('live_streams_scheduled_idx').on(t.scheduledAt, t.id),
  ],
);

export const liveStreamOffers = sqliteTable(
  'live_stream_offers',
  {
    liveStreamId: text('live_stream_id')
      .notNull()
      .references(() => liveStreams.id),
    position: integer('position').notNull(),
    kind: text('kind').$type<FeaturedOfferKind>().notNull(),
    targetId: text('target_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.liveStreamId, t.position] }), index('live_stream_offers_target_idx').on(t.targetId)],
);

/** Who is watching a live stream now (joinLiveStream / leaveLiveStream): each user counts once. */
export const liveStreamViewers = sqliteTable(
  'live_stream_viewers',
  {
    liveStreamId: text('live_stream_id')
      .notNull()
      .references(() => liveStreams.id),
    userId: text('user_id').notNull(),
    joinedAt: timestampMs('joined_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.liveStreamId, t.userId] })],
);

/**
 * Replica of the merchants subgraph's stores (seeded from the same world): which merchant a store belongs to
 * and where it is, so publishPost checks the store and copies its location without trusting the client.
 */
export const storeDirectory = sqliteTable(
  'store_directory',
  {
    storeId: text('store_id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    lat: real('lat').notNull(),
    lng: real('lng').notNull(),
  },
  (t) => [index('store_directory_merchant_id_idx').on(t.merchantId)],
);

/**
 * Optional idempotency keys of publishPost and scheduleLiveStream, so a partner retrying after a timeout
 * does not publish twice; the layout the shared helper (shared/idempotency.ts) expects.
 */
export const idempotencyKeys = idempotencyKeysTable();

/** Events this subgraph publishes, written in the transaction of the change (shared/events/outbox.ts). */
export const outboxEvents = outboxEventsTable();

/** Per publisher, the last event applied to this subgraph's projections (shared/events/cursors.ts). */
export const eventCursors = eventCursorsTable();
