import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeContent } from '../../seeds/write-content.ts';
import type {
  PublishPostInput,
  ScheduleLiveStreamInput,
} from '../../subgraphs/content/__generated__/resolvers-types.ts';
import { asPublisher } from '../../subgraphs/content/access.ts';
import type { LiveStreamRow } from '../../subgraphs/content/context.ts';
import { content } from '../../subgraphs/content/index.ts';
import { selectFeed } from '../../subgraphs/content/rules/feed.ts';
import {
  advanceLiveStream,
  endNoShowLiveStreams,
  NO_SHOW_AFTER_MS,
  scheduleLiveStream,
} from '../../subgraphs/content/rules/live-streams.ts';
import { publishPost } from '../../subgraphs/content/rules/publishing.ts';
import * as tables from '../../subgraphs/content/tables.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/identity.ts';
import { SYSTEM } from '../../subgraphs/shared/actors.ts';
import type { RuleOptions } from '../../subgraphs/shared/context.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { runJobsOnce } from '../../subgraphs/shared/jobs.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { BOB_KFC_CONTENT_STAFF, partner, staff } from '../support/identities.ts';
import { WEST_LAKE } from '../support/operations.ts';
import { testDataDir } from '../support/temp.ts';

const now = new Date(SEED_EPOCH.getTime() + 3_600_000);
const HOUR = 3_600_000;
/** Bob as content staff of New Hope, who does not act for KFC. */
const newHopeStaff = staff('usr_bob', ['merchant:content'], ['mer_newhope']);
let database: SubgraphDatabase<typeof tables>;

beforeAll(() => {
  database = openSubgraphDatabase(content, testDataDir('lg-'));
  writeContent(database.db, buildWorld(1));
});
afterAll(() => database?.close());

// The rules act as the Mutation resolver does: the caller becomes the publisher of the account (or of the stream's
// account) with asPublisher, which refuses first, then the rule runs.
type Db = SubgraphDatabase<typeof tables>['db'];
const accountRow = (id: string) =>
  database.db.select().from(tables.lifeAccounts).where(eq(tables.lifeAccounts.id, id)).get();
const publishPostAs = (db: Db, at: Date, caller: Identity, input: PublishPostInput, options?: RuleOptions) =>
  publishPost(db, at, asPublisher(caller, accountRow(input.accountId)), input, options);
const scheduleLiveStreamAs = (
  db: Db,
  at: Date,
  caller: Identity,
  input: ScheduleLiveStreamInput,
  options?: RuleOptions,
) => scheduleLiveStream(db, at, asPublisher(caller, accountRow(input.accountId)), input, options);
const advanceLiveStreamAs = (db: Db, at: Date, caller: Identity, input: Parameters<typeof advanceLiveStream>[3]) => {
  const stream = db.select().from(tables.liveStreams).where(eq(tables.liveStreams.id, input.liveStreamId)).get();
  return advanceLiveStream(db, at, asPublisher(caller, stream && accountRow(stream.accountId)), input);
};

/** Row counts of every table a publishing rule writes, to prove refusals and failures leave nothing. */
type Counts = Record<'posts' | 'post_attachments' | 'live_streams' | 'live_stream_offers', number>;
const counts = (): Counts =>
  Object.fromEntries(
    ['posts', 'post_attachments', 'live_streams', 'live_stream_offers'].map((t) => [
      t,
      database.db.get<{ n: number }>(sql.raw(`select count(*) as n from ${t}`)).n,
    ]),
  ) as Counts;

const basePost = {
  accountId: 'la_kfc',
  kind: 'IMAGE_TEXT' as const,
  title: ' New bucket ',
  body: 'Try it today.',
  media: ['https://img.lifegraph.dev/new.jpg'],
};
const schedule = (hoursAhead: number, caller = BOB_KFC_CONTENT_STAFF) =>
  scheduleLiveStreamAs(database.db, now, caller, {
    accountId: 'la_kfc',
    title: 'Friday deals',
    scheduledAt: new Date(now.getTime() + hoursAhead * HOUR),
    featuredOffers: [{ kind: 'GROUP_BUY_CAMPAIGN', id: 'gbc_kfc_1' }],
  });

describe('publishPost', () => {
  it("publishes with attachments and the store directory's location, which the nearby feed finds", () => {
    const result = publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, {
      ...basePost,
      storeId: 'sto_kfc_hz_1',
      attachments: [
        { kind: 'COUPON_TEMPLATE', id: 'cpt_kfc_2' },
        { kind: 'MINI_PROGRAM', id: 'mp_kfc' },
      ],
    });
    expect(result.userErrors).toEqual([]);
    expect(result.post).toMatchObject({
      title: 'New bucket',
      publishedByUserId: 'usr_bob',
      storeId: 'sto_kfc_hz_1',
      lat: 30.2592,
      lng: 120.1484,
    });
    const id = result.post?.id as string;
    const attachments = database.db
      .select()
      .from(tables.postAttachments)
      .where(eq(tables.postAttachments.postId, id))
      .all();
    expect(attachments).toEqual([
      { postId: id, position: 0, kind: 'COUPON_TEMPLATE', targetId: 'cpt_kfc_2' },
      { postId: id, position: 1, kind: 'MINI_PROGRAM', targetId: 'mp_kfc' },
    ]);
    expect(selectFeed(database.db, null, { near: WEST_LAKE }, { offset: 0, limit: 1 })[0]?.id).toBe(id);
  });

  it('lets a partner key with the merchant on its allow-list publish', () => {
    const kfcPartner = partner('key_1', ['merchant:content'], ['mer_kfc']);
    expect(publishPostAs(database.db, now, kfcPartner, basePost).post?.publishedByUserId).toBe('key_1');
  });

  it.each([
    ['anonymous', ANONYMOUS, 'UNAUTHENTICATED'],
    ['a partner identity without a subject', partner(null, ['merchant:content'], ['mer_kfc']), 'UNAUTHENTICATED'],
    ['staff without the scope', staff('usr_bob', [], ['mer_kfc']), 'FORBIDDEN'],
    ['staff of another merchant', newHopeStaff, 'FORBIDDEN'],
  ])('refuses %s with an error and writes nothing', (_, caller, code) => {
    const before = counts();
    expect(() => publishPostAs(database.db, now, caller, basePost)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code }) }),
    );
    expect(counts()).toEqual(before);
  });

  it('refuses to publish to CREATOR and GOVERNMENT accounts, which have no merchant', () => {
    for (const accountId of ['la_creator_1', 'la_gov_hz_culture']) {
      expect(() => publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, { ...basePost, accountId })).toThrow(
        /belongs to no merchant/,
      );
    }
  });

  it('checks access before input, so a refused caller learns nothing from INVALID_INPUT', () => {
    expect(() => publishPostAs(database.db, now, newHopeStaff, { ...basePost, title: '' })).toThrow(
      /do not act for merchant mer_kfc/,
    );
  });

  it('reports every invalid field and unknown accounts as user errors that change nothing', () => {
    const before = counts();
    const bad = publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, {
      ...basePost,
      title: '',
      body: 'x'.repeat(5001),
      media: ['http://insecure'],
      attachments: Array(4).fill({ kind: 'MINI_PROGRAM', id: 'mp_kfc' }),
    });
    expect(bad.post).toBeNull();
    expect(bad.userErrors.map((e) => [e.code, e.field?.join('.')])).toEqual([
      ['INVALID_INPUT', 'input.title'],
      ['INVALID_INPUT', 'input.body'],
      ['INVALID_INPUT', 'input.media'],
      ['INVALID_INPUT', 'input.attachments'],
    ]);
    const missing = publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, { ...basePost, accountId: 'la_missing' });
    expect(missing.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'accountId'] })]);
    expect(counts()).toEqual(before);
  });

  it("tags only a known store of the account's merchant, with the location the directory holds", () => {
    const before = counts();
    const tag = (storeId: string) => publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, { ...basePost, storeId });
    expect(tag('sto_missing')).toEqual({
      post: null,
      userErrors: [expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'storeId'] })],
    });
    expect(tag('sto_newhope_hz_1')).toEqual({
      post: null,
      userErrors: [expect.objectContaining({ code: 'STORE_NOT_OWNED', field: ['input', 'storeId'] })],
    });
    expect(counts()).toEqual(before);
    // Reported together with the other problems of the input, so the client fixes them all at once.
    const both = publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, {
      ...basePost,
      title: '',
      storeId: 'sto_missing',
    });
    expect(both.userErrors.map((e) => e.code)).toEqual(['INVALID_INPUT', 'NOT_FOUND']);
    // A client cannot move the post: coordinates it sends are not part of the input and are ignored.
    const moved = { ...basePost, storeId: 'sto_kfc_hz_2', store: { id: 'sto_kfc_hz_2', location: { lat: 0, lng: 0 } } };
    expect(publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, moved).post).toMatchObject({
      storeId: 'sto_kfc_hz_2',
      lat: 30.298548,
      lng: 120.202372,
    });
  });

  it('takes up to three attachments, each with the prefix of its kind, each once', () => {
    const attach = (attachments: { kind: 'COUPON_TEMPLATE' | 'GROUP_BUY_CAMPAIGN' | 'MINI_PROGRAM'; id: string }[]) =>
      publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, { ...basePost, attachments }).userErrors.map((e) =>
        e.field?.join('.'),
      );
    expect(
      attach([
        { kind: 'COUPON_TEMPLATE', id: 'cpt_kfc_1' },
        { kind: 'GROUP_BUY_CAMPAIGN', id: 'gbc_kfc_1' },
        { kind: 'MINI_PROGRAM', id: 'mp_kfc' },
      ]),
    ).toEqual([]);
    expect(
      attach([
        { kind: 'COUPON_TEMPLATE', id: 'gbc_kfc_1' },
        { kind: 'GROUP_BUY_CAMPAIGN', id: 'gbc_' },
        { kind: 'MINI_PROGRAM', id: 'cpt_kfc_1' },
      ]),
    ).toEqual(['input.attachments.0.id', 'input.attachments.1.id', 'input.attachments.2.id']);
    expect(
      attach([
        { kind: 'MINI_PROGRAM', id: 'mp_kfc' },
        { kind: 'MINI_PROGRAM', id: 'mp_kfc' },
      ]),
    ).toEqual(['input.attachments.1.id']);
  });

  it('leaves no post behind when it fails between the post and its attachments', () => {
    const before = counts();
    const input = { ...basePost, title: 'Half-way', attachments: [{ kind: 'MINI_PROGRAM' as const, id: 'mp_kfc' }] };
    const fail = (step: string) => {
      if (step === 'post') throw new Error('crash after the post row');
    };
    expect(() => publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, input, { afterStep: fail })).toThrow(/crash/);
    expect(counts()).toEqual(before);
    expect(database.db.select().from(tables.posts).where(eq(tables.posts.title, 'Half-way')).all()).toEqual([]);
  });
});

describe('idempotency keys', () => {
  const keyed = (idempotencyKey: string, extra: Partial<typeof basePost> = {}, caller = BOB_KFC_CONTENT_STAFF) =>
    publishPostAs(database.db, now, caller, { ...basePost, ...extra, idempotencyKey });
  const keyRows = () => database.db.get<{ n: number }>(sql`select count(*) as n from idempotency_keys`).n;

  it('the same caller, key and input returns the first post and writes nothing more', () => {
    const first = keyed('retry-1');
    expect(first).toMatchObject({ post: { id: expect.stringMatching(/^pst_/), title: 'New bucket' }, userErrors: [] });
    const before = counts();
    const again = keyed('retry-1');
    expect(again).toEqual(first);
    expect(counts()).toEqual(before);
  });

  it('the same key with a different input is IDEMPOTENCY_KEY_REUSED; another caller has its own keys', () => {
    const first = keyed('retry-2');
    const before = counts();
    expect(keyed('retry-2', { title: 'Other' })).toEqual({
      post: null,
      userErrors: [expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] })],
    });
    expect(counts()).toEqual(before);
    // A partner key is another caller, with its own keys (its id is `key_...`, never a user's `usr_...`).
    const partners = keyed('retry-2', {}, partner('key_kfc_partner', ['merchant:content'], ['mer_kfc']));
    expect(partners).toMatchObject({ post: { id: expect.stringMatching(/^pst_/) }, userErrors: [] });
    expect(partners.post?.id).not.toBe(first.post?.id);
    expect(counts().posts).toBe(before.posts + 1);
  });

  it('an empty key is INVALID_IDEMPOTENCY_KEY; a refused request stores no key, so it can be retried', () => {
    expect(keyed('  ').userErrors[0]?.code).toBe('INVALID_IDEMPOTENCY_KEY');
    const keys = keyRows();
    expect(keyed('retry-3', { title: '' }).userErrors[0]?.code).toBe('INVALID_INPUT');
    expect(keyRows()).toBe(keys);
    expect(keyed('retry-3').userErrors).toEqual([]);
  });

  it('a failure between the post and its attachments stores neither the post nor the key', () => {
    const before = { ...counts(), keys: keyRows() };
    const input = {
      ...basePost,
      idempotencyKey: 'retry-4',
      attachments: [{ kind: 'MINI_PROGRAM' as const, id: 'mp_kfc' }],
    };
    const fail = (step: string) => {
      if (step === 'attachments') throw new Error('crash');
    };
    expect(() => publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, input, { afterStep: fail })).toThrow(/crash/);
    expect({ ...counts(), keys: keyRows() }).toEqual(before);
    const retried = publishPostAs(database.db, now, BOB_KFC_CONTENT_STAFF, input);
    expect(retried.userErrors).toEqual([]);
    expect(counts().post_attachments).toBe(before.post_attachments + 1);
  });

  it('scheduleLiveStream replays the first stream for a repeated key', () => {
    const input = {
      accountId: 'la_kfc',
      title: 'Once',
      scheduledAt: new Date(now.getTime() + HOUR),
      idempotencyKey: 'ls-1',
    };
    const first = scheduleLiveStreamAs(database.db, now, BOB_KFC_CONTENT_STAFF, input);
    expect(first).toMatchObject({ liveStream: { id: expect.stringMatching(/^lvs_/), title: 'Once' }, userErrors: [] });
    const before = counts();
    expect(scheduleLiveStreamAs(database.db, now, BOB_KFC_CONTENT_STAFF, input)).toEqual(first);
    expect(
      scheduleLiveStreamAs(database.db, now, BOB_KFC_CONTENT_STAFF, { ...input, title: 'Twice' }).userErrors[0]?.code,
    ).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(counts()).toEqual(before);
  });
});

describe('live streams', () => {
  it('go SCHEDULED → LIVE → ENDED and no other way', () => {
    const scheduled = schedule(24);
    expect(scheduled.liveStream).toMatchObject({ status: 'SCHEDULED', viewerCount: 0, startedAt: null });
    const liveStreamId = scheduled.liveStream?.id as string;
    const move = (to: 'LIVE' | 'ENDED') =>
      advanceLiveStreamAs(database.db, now, BOB_KFC_CONTENT_STAFF, { liveStreamId, to });
    expect(move('ENDED').userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_STATE', field: ['liveStreamId'] }),
    ]);
    expect(move('LIVE').liveStream).toMatchObject({ status: 'LIVE', startedAt: now });
    expect(move('LIVE').userErrors[0]?.code).toBe('INVALID_STATE');
    expect(move('ENDED').liveStream).toMatchObject({ status: 'ENDED', endedAt: now });
    expect(move('ENDED').userErrors[0]?.code).toBe('INVALID_STATE');
    expect(move('LIVE').liveStream).toMatchObject({ status: 'ENDED' });
  });

  it('must be scheduled later than now, with valid offers', () => {
    const past = scheduleLiveStreamAs(database.db, now, BOB_KFC_CONTENT_STAFF, {
      accountId: 'la_kfc',
      title: 'x',
      scheduledAt: now,
    });
    expect(past.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'scheduledAt'] }),
    ]);
    const offers = scheduleLiveStreamAs(database.db, now, BOB_KFC_CONTENT_STAFF, {
      accountId: 'la_kfc',
      title: ' ',
      scheduledAt: new Date(now.getTime() + HOUR),
      featuredOffers: [{ kind: 'COUPON_TEMPLATE', id: 'mp_kfc' }],
    });
    expect(offers.userErrors.map((e) => e.field?.join('.'))).toEqual(['input.title', 'input.featuredOffers.0.id']);
    const missing = advanceLiveStreamAs(database.db, now, BOB_KFC_CONTENT_STAFF, {
      liveStreamId: 'lvs_missing',
      to: 'LIVE',
    });
    expect(missing.userErrors[0]?.code).toBe('NOT_FOUND');
  });

  it('are moved only by staff of the stream’s merchant', () => {
    const before = database.db.select().from(tables.liveStreams).where(eq(tables.liveStreams.id, 'lvs_kfc_2')).get();
    expect(() =>
      advanceLiveStreamAs(database.db, now, newHopeStaff, { liveStreamId: 'lvs_kfc_2', to: 'LIVE' }),
    ).toThrow(/do not act for merchant mer_kfc/);
    expect(() => schedule(24, newHopeStaff)).toThrow(/do not act for merchant mer_kfc/);
    const after = database.db.select().from(tables.liveStreams).where(eq(tables.liveStreams.id, 'lvs_kfc_2')).get();
    expect(after).toEqual(before);
  });

  it('leave no stream behind when scheduling fails before the featured offers are written', () => {
    const before = counts();
    const fail = (step: string) => {
      if (step === 'liveStream') throw new Error('crash');
    };
    expect(() =>
      scheduleLiveStreamAs(
        database.db,
        now,
        BOB_KFC_CONTENT_STAFF,
        { accountId: 'la_kfc', title: 'Never', scheduledAt: new Date(now.getTime() + HOUR) },
        { afterStep: fail },
      ),
    ).toThrow(/crash/);
    expect(counts()).toEqual(before);
  });
});

describe('no-show job', () => {
  it('ends a SCHEDULED stream 24 hours after its time, once, and leaves everything else', () => {
    const stream = schedule(2).liveStream as LiveStreamRow;
    const started = schedule(3).liveStream as LiveStreamRow;
    advanceLiveStreamAs(database.db, now, BOB_KFC_CONTENT_STAFF, { liveStreamId: started.id, to: 'LIVE' });
    const statusOf = (id: string) =>
      database.db.select().from(tables.liveStreams).where(eq(tables.liveStreams.id, id)).get();
    const due = new Date(stream.scheduledAt.getTime() + NO_SHOW_AFTER_MS);
    // Streams of earlier tests scheduled before this one may end here; this one is exactly at its limit.
    endNoShowLiveStreams(database.db, due, SYSTEM);
    expect(statusOf(stream.id)?.status).toBe('SCHEDULED');
    const later = new Date(due.getTime() + 1);
    expect(runJobsOnce(content.jobs, database.db, later)).toEqual([{ job: 'live-stream-no-shows', processed: 1 }]);
    expect(statusOf(stream.id)).toMatchObject({ status: 'ENDED', startedAt: null, endedAt: later });
    expect(statusOf(started.id)?.status).toBe('LIVE');
    expect(statusOf('lvs_kfc_2')?.status).toBe('SCHEDULED');
    expect(endNoShowLiveStreams(database.db, later, SYSTEM).processed).toBe(0);
  });
});
