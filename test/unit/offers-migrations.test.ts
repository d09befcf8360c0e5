import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeOffers } from '../../seeds/write-offers.ts';
import { SCOPES } from '../../subgraphs/contract/scopes.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { createCouponTemplate, createGroupBuyCampaign } from '../../subgraphs/offers/rules/create-offers.ts';
import { couponTemplates, groupBuyCampaigns, idempotencyKeys } from '../../subgraphs/offers/tables.ts';
import { asMerchant } from '../../subgraphs/shared/actors.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { KFC_OFFERS_STAFF } from '../support/identities.ts';
import { testDataDir } from '../support/temp.ts';

const DAY = 86_400_000;
const NOW = new Date(SEED_EPOCH.getTime() + DAY);
const STAFF = asMerchant(KFC_OFFERS_STAFF, 'mer_kfc', SCOPES.offers);
const MIGRATION = new URL('../../subgraphs/offers/migrations/0001_create_keys_store_entity_ids.sql', import.meta.url);

let database: SubgraphDatabase<typeof offers.tables>;

beforeEach(() => {
  database = openSubgraphDatabase(offers, testDataDir('lg-offers-migration-'));
  writeOffers(database.db, buildWorld(1));
});

/** Runs the migration's statements on the open database, as drizzle's migrator does on upgrade. */
function applyMigration(): void {
  for (const statement of readFileSync(MIGRATION, 'utf8').split('--> statement-breakpoint')) {
    database.sqlite.exec(statement);
  }
}

/** Rewrites a stored key as the code before the typed rules stored a keyed create: `{"id": ...}`. */
function storeAsBefore(key: string, id: string): void {
  const db = database.db;
  db.update(idempotencyKeys)
    .set({ responseJson: JSON.stringify({ id }) })
    .where(eq(idempotencyKeys.key, key))
    .run();
}

const responseOf = (key: string) =>
  database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)).get()?.responseJson;

const templateInput = {
  merchantId: 'mer_kfc',
  title: '¥5 off',
  kind: 'FIXED_AMOUNT' as const,
  faceValueFen: 500,
  totalStock: 10,
  claimStartsAt: NOW,
  claimEndsAt: new Date(NOW.getTime() + 30 * DAY),
  validDays: 7,
  idempotencyKey: 'old-template',
};
const campaignInput = {
  merchantId: 'mer_kfc',
  title: 'Bucket for 2',
  groupSize: 2,
  groupPriceFen: 3000,
  originalPriceFen: 5000,
  fillWithinMinutes: 60,
  startsAt: NOW,
  endsAt: new Date(NOW.getTime() + 30 * DAY),
  idempotencyKey: 'old-campaign',
};

describe('offers migration 0001: keyed creates store the id under their result field', () => {
  it('is applied when a database is opened', () => {
    // Every migration of the journal (0001 among them; later ones, like the events outbox, come after it).
    const journal = new URL('../../subgraphs/offers/migrations/meta/_journal.json', import.meta.url);
    const entries = (JSON.parse(readFileSync(journal, 'utf8')) as { entries: unknown[] }).entries.length;
    const applied = database.sqlite.prepare('select count(*) from __drizzle_migrations').pluck().get();
    expect(entries).toBeGreaterThanOrEqual(2);
    expect(applied).toBe(entries);
  });

  /** Each keyed create: its key's field, a retry of its first request (the result and the id it returns), a count. */
  const creates = [
    {
      field: 'couponTemplateId',
      key: templateInput.idempotencyKey,
      create: () => {
        const result = createCouponTemplate(database.db, NOW, STAFF, templateInput);
        return { result, id: result.couponTemplate?.id ?? null };
      },
      count: () => database.db.select().from(couponTemplates).all().length,
    },
    {
      field: 'groupBuyCampaignId',
      key: campaignInput.idempotencyKey,
      create: () => {
        const result = createGroupBuyCampaign(database.db, NOW, STAFF, campaignInput);
        return { result, id: result.groupBuyCampaign?.id ?? null };
      },
      count: () => database.db.select().from(groupBuyCampaigns).all().length,
    },
  ];

  it.each(creates)('makes a key stored before the upgrade replay what it created ($field)', (c) => {
    const first = c.create();
    const id = first.id as string;
    expect(responseOf(c.key)).toBe(JSON.stringify({ [c.field]: id }));
    storeAsBefore(c.key, id);
    // Unmigrated, the old row names nothing the replay can select again.
    expect(c.create().id).toBeNull();
    applyMigration();
    expect(responseOf(c.key)).toBe(JSON.stringify({ [c.field]: id }));
    const count = c.count();
    expect(c.create()).toEqual(first);
    expect(c.count()).toBe(count);
  });

  it('leaves stored refusals as they were', () => {
    const refused = createCouponTemplate(database.db, NOW, STAFF, { ...templateInput, merchantId: 'mer_nope' });
    expect(refused.userErrors.map((e) => e.code)).toEqual(['INVALID_INPUT']);
    const keysBefore = database.db.select().from(idempotencyKeys).all();
    applyMigration();
    expect(database.db.select().from(idempotencyKeys).all()).toEqual(keysBefore);
    expect(createCouponTemplate(database.db, NOW, STAFF, { ...templateInput, merchantId: 'mer_nope' })).toEqual(
      refused,
    );
  });
});
