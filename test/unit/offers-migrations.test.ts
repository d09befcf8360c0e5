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
    const applied = database.sqlite.prepare('select count(*) from __drizzle_migrations').pluck().get();
    expect(applied).toBe(2);
  });

  it('makes a template key stored before the upgrade replay its template', () => {
    const first = createCouponTemplate(database.db, NOW, STAFF, templateInput);
    const id = first.couponTemplate?.id as string;
    expect(responseOf('old-template')).toBe(JSON.stringify({ couponTemplateId: id }));
    storeAsBefore('old-template', id);
    // Unmigrated, the old row names no template the replay can select again.
    expect(createCouponTemplate(database.db, NOW, STAFF, templateInput).couponTemplate).toBeNull();
    applyMigration();
    expect(responseOf('old-template')).toBe(JSON.stringify({ couponTemplateId: id }));
    const count = database.db.select().from(couponTemplates).all().length;
    expect(createCouponTemplate(database.db, NOW, STAFF, templateInput)).toEqual(first);
    expect(database.db.select().from(couponTemplates).all()).toHaveLength(count);
  });

  it('makes a campaign key stored before the upgrade replay its campaign', () => {
    const first = createGroupBuyCampaign(database.db, NOW, STAFF, campaignInput);
    const id = first.groupBuyCampaign?.id as string;
    storeAsBefore('old-campaign', id);
    applyMigration();
    expect(responseOf('old-campaign')).toBe(JSON.stringify({ groupBuyCampaignId: id }));
    const count = database.db.select().from(groupBuyCampaigns).all().length;
    expect(createGroupBuyCampaign(database.db, NOW, STAFF, campaignInput)).toEqual(first);
    expect(database.db.select().from(groupBuyCampaigns).all()).toHaveLength(count);
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
