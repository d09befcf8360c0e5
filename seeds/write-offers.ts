import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { offersProjection } from '../subgraphs/offers/projections.ts';
import * as tables from '../subgraphs/offers/tables.ts';
import { insertInChunks } from './batch.ts';
import { applySeedEvents, outboxRows, seedOffersEvents } from './merchant-events.ts';
import type { World } from './world.ts';

/** Stores the offers subgraph's tables of the seed world in one transaction, in batched multi-row inserts. */
export function writeOffers(db: BetterSQLite3Database<typeof tables>, world: World): void {
  db.transaction((tx) => {
    // Merchant terms, store owners and the search index: the projection of the histories the merchants, content
    // and offers seeds record (offers' own below).
    applySeedEvents(tx, offersProjection, world);
    insertInChunks(tx, tables.couponTemplates, world.couponTemplates);
    insertInChunks(tx, tables.coupons, world.coupons);
    insertInChunks(tx, tables.groupBuyCampaigns, world.groupBuyCampaigns);
    insertInChunks(tx, tables.groupBuyGroups, world.groupBuyGroups);
    insertInChunks(tx, tables.groupBuyMembers, world.groupBuyMembers);
    // Lights: campaigns with a week of history (the clicks reference their impressions, conversions their clicks).
    insertInChunks(tx, tables.promotionCampaigns, world.promotionCampaigns);
    insertInChunks(tx, tables.promotionImpressions, world.promotionImpressions);
    insertInChunks(tx, tables.promotionClicks, world.promotionClicks);
    insertInChunks(tx, tables.promotionDailySpend, world.promotionDailySpend);
    insertInChunks(tx, tables.promotionConversions, world.promotionConversions);
    insertInChunks(tx, tables.outboxEvents, outboxRows(seedOffersEvents(world)));
  });
}
