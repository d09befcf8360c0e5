import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeContent } from '../../seeds/write-content.ts';
import { requirePublisher } from '../../subgraphs/content/access.ts';
import { content } from '../../subgraphs/content/index.ts';
import { selectFeed } from '../../subgraphs/content/rules/feed.ts';
import { advanceLiveStream, publishPost, scheduleLiveStream } from '../../subgraphs/content/rules/publishing.ts';
import * as tables from '../../subgraphs/content/tables.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';

const now = new Date(SEED_EPOCH.getTime() + 3_600_000);
const kfcStaff = { id: 'usr_bob', merchantIds: ['mer_kfc'] };
const WEST_LAKE = { lat: 30.2591, lng: 120.1488 };
let database: SubgraphDatabase<typeof tables>;

beforeAll(() => {
  database = openSubgraphDatabase(content, mkdtempSync(join(tmpdir(), 'lg-')));
  writeContent(database.db, buildWorld(1));
});
afterAll(() => database?.close());

const basePost = {
  accountId: 'la_kfc',
  kind: 'IMAGE_TEXT' as const,
  title: ' New bucket ',
  body: 'Try it today.',
  media: ['https://img.lifegraph.dev/new.jpg'],
};

describe('requirePublisher', () => {
  it('needs an identity with the merchant:content scope', () => {
    expect(() => requirePublisher({ kind: 'anonymous', subject: null, scopes: [], merchantIds: [] })).toThrow(
      /Sign in/,
    );
    expect(() => requirePublisher({ kind: 'user', subject: 'usr_bob', scopes: [], merchantIds: ['mer_kfc'] })).toThrow(
      /merchant:content/,
    );
    const publisher = requirePublisher({
      kind: 'partner',
      subject: 'key_1',
      scopes: ['merchant:content'],
      merchantIds: ['mer_kfc'],
    });
    expect(publisher).toEqual({ id: 'key_1', merchantIds: ['mer_kfc'] });
  });
});

describe('publishPost', () => {
  it('publishes with attachments and a store location that the nearby feed finds', () => {
    const result = publishPost(database.db, now, kfcStaff, {
      ...basePost,
      store: { id: 'sto_kfc_hz_1', location: { lat: 30.2592, lng: 120.1484 } },
      attachments: [{ kind: 'COUPON_TEMPLATE', id: 'cpt_kfc_2' }],
    });
    expect(result.userErrors).toEqual([]);
    expect(result.post).toMatchObject({ title: 'New bucket', publishedByUserId: 'usr_bob', storeId: 'sto_kfc_hz_1' });
    const id = result.post?.id as string;
    const attachments = database.db
      .select()
      .from(tables.postAttachments)
      .where(eq(tables.postAttachments.postId, id))
      .all();
    expect(attachments).toEqual([{ postId: id, position: 0, kind: 'COUPON_TEMPLATE', targetId: 'cpt_kfc_2' }]);
    expect(selectFeed(database.db, { viewerId: null, near: WEST_LAKE }, { offset: 0, limit: 1 })[0]?.id).toBe(id);
  });

  it('refuses staff of another merchant', () => {
    expect(() => publishPost(database.db, now, { id: 'usr_x', merchantIds: ['mer_newhope'] }, basePost)).toThrow(
      /not on your merchant list/,
    );
    expect(() => publishPost(database.db, now, kfcStaff, { ...basePost, accountId: 'la_creator_1' })).toThrow();
  });

  it('reports invalid input and unknown accounts as user errors', () => {
    const bad = publishPost(database.db, now, kfcStaff, {
      ...basePost,
      title: '',
      media: ['http://insecure'],
      attachments: Array(4).fill({ kind: 'MINI_PROGRAM', id: 'mp_kfc' }),
    });
    expect(bad.userErrors.map((e) => e.field?.join('.'))).toEqual(['input.title', 'input.media', 'input.attachments']);
    const missing = publishPost(database.db, now, kfcStaff, { ...basePost, accountId: 'la_missing' });
    expect(missing.userErrors[0]?.code).toBe('NOT_FOUND');
  });
});

describe('live streams', () => {
  it('go SCHEDULED → LIVE → ENDED and no other way', () => {
    const scheduled = scheduleLiveStream(database.db, now, kfcStaff, {
      accountId: 'la_kfc',
      title: 'Friday deals',
      scheduledAt: new Date(now.getTime() + 86_400_000),
      featuredOffers: [{ kind: 'GROUP_BUY_CAMPAIGN', id: 'gbc_kfc_1' }],
    });
    expect(scheduled.liveStream).toMatchObject({ status: 'SCHEDULED', viewerCount: 0, startedAt: null });
    const liveStreamId = scheduled.liveStream?.id as string;
    const end = () => advanceLiveStream(database.db, now, kfcStaff, { liveStreamId, to: 'ENDED' });
    expect(end().userErrors[0]?.code).toBe('INVALID_STATUS');
    const live = advanceLiveStream(database.db, now, kfcStaff, { liveStreamId, to: 'LIVE' });
    expect(live.liveStream).toMatchObject({ status: 'LIVE', startedAt: now });
    expect(end().liveStream).toMatchObject({ status: 'ENDED', endedAt: now });
    expect(end().userErrors[0]?.code).toBe('INVALID_STATUS');
  });

  it('must be scheduled in the future and exist', () => {
    const past = scheduleLiveStream(database.db, now, kfcStaff, { accountId: 'la_kfc', title: 'x', scheduledAt: now });
    expect(past.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'scheduledAt'] });
    const missing = advanceLiveStream(database.db, now, kfcStaff, { liveStreamId: 'lvs_missing', to: 'LIVE' });
    expect(missing.userErrors[0]?.code).toBe('NOT_FOUND');
  });
});
