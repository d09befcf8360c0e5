import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as tables from '../subgraphs/offers/tables.ts';
import { insertInChunks } from './batch.ts';
import type { World } from './world.ts';

const SECOND = 1000;

/**
 * Stores the offers subgraph's part of the seed world in one transaction, in batched multi-row inserts.
 * Remaining stock and member counts are derived from the world's claimed coupons and group members.
 */
export function writeOffers(db: BetterSQLite3Database<typeof tables>, world: World): void {
  const claimedByTemplate = new Map<string, number>();
  for (const c of world.coupons) claimedByTemplate.set(c.templateId, (claimedByTemplate.get(c.templateId) ?? 0) + 1);
  const campaigns = new Map(world.groupBuyCampaigns.map((c) => [c.id, c]));
  const campaignOf = (id: string) => {
    const campaign = campaigns.get(id);
    if (!campaign) throw new Error(`seed world: group references unknown campaign ${id}`);
    return campaign;
  };

  db.transaction((tx) => {
    insertInChunks(
      tx,
      tables.merchantTerms,
      world.merchants.map((m) => ({ merchantId: m.id, settlementRateBps: m.settlementRateBps })),
    );
    insertInChunks(
      tx,
      tables.storeMerchants,
      world.stores.map((s) => ({ storeId: s.id, merchantId: s.merchantId })),
    );
    insertInChunks(
      tx,
      tables.couponTemplates,
      world.couponTemplates.map((t) => ({ ...t, remainingStock: t.totalStock - (claimedByTemplate.get(t.id) ?? 0) })),
    );
    insertInChunks(
      tx,
      tables.coupons,
      world.coupons.map((c) => ({ ...c, status: 'AVAILABLE' as const })),
    );
    insertInChunks(tx, tables.groupBuyCampaigns, world.groupBuyCampaigns);
    insertInChunks(
      tx,
      tables.groupBuyGroups,
      world.groupBuyGroups.map((g) => ({
        id: g.id,
        campaignId: g.campaignId,
        leaderId: g.memberIds[0] as string,
        status: 'FORMING' as const,
        groupSize: campaignOf(g.campaignId).groupSize,
        memberCount: g.memberIds.length,
        createdAt: g.createdAt,
        expiresAt: g.expiresAt,
      })),
    );
    insertInChunks(
      tx,
      tables.groupBuyMembers,
      world.groupBuyGroups.flatMap((g) =>
        g.memberIds.map((userId, i) => ({
          groupId: g.id,
          userId,
          position: i + 1,
          paidFen: campaignOf(g.campaignId).groupPriceFen,
          // Members joined one after another, the leader when the group was created.
          joinedAt: new Date(g.createdAt.getTime() + i * SECOND),
        })),
      ),
    );
  });
}
