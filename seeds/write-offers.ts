import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as tables from '../subgraphs/offers/tables.ts';
import { insertInChunks } from './batch.ts';
import type { World } from './world.ts';

/** Stores the offers subgraph's tables of the seed world in one transaction, in batched multi-row inserts. */
export function writeOffers(db: BetterSQLite3Database<typeof tables>, world: World): void {
  db.transaction((tx) => {
    insertInChunks(tx, tables.merchantTerms, world.merchantTerms);
    insertInChunks(tx, tables.storeMerchants, world.storeMerchants);
    insertInChunks(tx, tables.couponTemplates, world.couponTemplates);
    insertInChunks(tx, tables.coupons, world.coupons);
    insertInChunks(tx, tables.groupBuyCampaigns, world.groupBuyCampaigns);
    insertInChunks(tx, tables.groupBuyGroups, world.groupBuyGroups);
    insertInChunks(tx, tables.groupBuyMembers, world.groupBuyMembers);
  });
}
