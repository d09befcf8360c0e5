import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeContent } from '../../seeds/write-content.ts';
import { asPublisher } from '../../subgraphs/content/access.ts';
import { content } from '../../subgraphs/content/index.ts';
import { scheduleLiveStream } from '../../subgraphs/content/rules/live-streams.ts';
import { publishPost } from '../../subgraphs/content/rules/publishing.ts';
import * as tables from '../../subgraphs/content/tables.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { BOB_KFC_CONTENT_STAFF, partner } from '../support/identities.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Keys stored before the upgrade (caller `<kind>:<subject>`, `{ "id": ... }` for what was created) still replay after
 * migration 0004 rewrote them to what the shared idempotent step reads (caller = subject, `{ "postId": ... }`).
 */
const MIGRATION = new URL('../../subgraphs/content/migrations/0004_idempotency_caller_subject.sql', import.meta.url);
const now = new Date(SEED_EPOCH.getTime() + 3_600_000);
const KFC_PARTNER = partner('key_kfc_content', ['merchant:content'], ['mer_kfc']);
let database: SubgraphDatabase<typeof tables>;

const post = {
  accountId: 'la_kfc',
  kind: 'IMAGE_TEXT' as const,
  title: 'Before the upgrade',
  body: 'Published by an earlier version.',
  media: [],
};
const stream = { accountId: 'la_kfc', title: 'Announced earlier', scheduledAt: new Date(now.getTime() + 3_600_000) };

/** A key as the version before stored it: that version's caller and response, the same fingerprint of the input. */
function insertOldKey(caller: string, key: string, operation: string, request: unknown, createdId: string) {
  const hash = createHash('sha256')
    .update(JSON.stringify([operation, request]))
    .digest('hex');
  database.db.run(
    sql`insert into idempotency_keys (caller, key, operation, request_hash, response_json, created_at)
        values (${caller}, ${key}, ${operation}, ${hash}, ${JSON.stringify({ id: createdId })}, ${now.getTime()})`,
  );
}

const count = (table: 'posts' | 'live_streams') =>
  database.db.get<{ n: number }>(sql.raw(`select count(*) as n from ${table}`)).n;
const kfc = () => database.db.select().from(tables.lifeAccounts).where(eq(tables.lifeAccounts.id, 'la_kfc')).get();

beforeAll(() => {
  database = openSubgraphDatabase(content, testDataDir('lg-content-keys-'));
  writeContent(database.db, buildWorld(1));
  // pst_kfc_1 and lvs_kfc_2 stand for what the first requests created.
  insertOldKey('user:usr_bob', 'old-post', 'publishPost', post, 'pst_kfc_1');
  insertOldKey('partner:key_kfc_content', 'old-stream', 'scheduleLiveStream', stream, 'lvs_kfc_2');
  for (const statement of readFileSync(MIGRATION, 'utf8').split('--> statement-breakpoint')) {
    database.sqlite.exec(statement);
  }
});

describe('migration 0004: idempotency keys stored before the caller became the subject id', () => {
  it('rewrites the caller and the stored id', () => {
    const rows = database.db
      .select({ caller: tables.idempotencyKeys.caller, response: tables.idempotencyKeys.responseJson })
      .from(tables.idempotencyKeys)
      .orderBy(tables.idempotencyKeys.key)
      .all();
    expect(rows).toEqual([
      { caller: 'usr_bob', response: '{"postId":"pst_kfc_1"}' },
      { caller: 'key_kfc_content', response: '{"liveStreamId":"lvs_kfc_2"}' },
    ]);
  });

  it('a staff user repeating publishPost gets the first post back, and nothing is published', () => {
    const before = count('posts');
    const actor = asPublisher(BOB_KFC_CONTENT_STAFF, kfc());
    const again = publishPost(database.db, now, actor, { ...post, idempotencyKey: 'old-post' });
    expect(again).toMatchObject({ post: { id: 'pst_kfc_1' }, userErrors: [] });
    expect(count('posts')).toBe(before);
  });

  it('a partner key repeating scheduleLiveStream gets the first stream back, and nothing is scheduled', () => {
    const before = count('live_streams');
    const actor = asPublisher(KFC_PARTNER, kfc());
    const again = scheduleLiveStream(database.db, now, actor, { ...stream, idempotencyKey: 'old-stream' });
    expect(again).toMatchObject({ liveStream: { id: 'lvs_kfc_2' }, userErrors: [] });
    expect(count('live_streams')).toBe(before);
  });
});
