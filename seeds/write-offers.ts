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
    insertInChunks(tx, tables.outboxEvents, outboxRows(seedOffersEvents(world)));
  });
}
