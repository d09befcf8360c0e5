import { asc, eq, inArray } from 'drizzle-orm';
import { recordEvent } from '../../shared/events/outbox.ts';
import type { OffersTx } from '../context.ts';
import { groupBuyCampaigns, groupBuyGroups, groupBuyMembers } from '../tables.ts';

/**
 * Records `group.succeeded` or `group.failed` for each of `groupIds` (whose status the caller just changed in `tx`),
 * with the campaign's merchant and the members in join order, in the same transaction as the change.
 */
export function recordGroupOutcomes(
  tx: OffersTx,
  now: Date,
  outcome: 'group.succeeded' | 'group.failed',
  groupIds: string[],
): void {
  if (groupIds.length === 0) return;
  const members = new Map<string, string[]>();
  const memberRows = tx
    .select({ groupId: groupBuyMembers.groupId, userId: groupBuyMembers.userId })
    .from(groupBuyMembers)
    .where(inArray(groupBuyMembers.groupId, groupIds))
    .orderBy(asc(groupBuyMembers.groupId), asc(groupBuyMembers.position))
    .all();
  for (const m of memberRows) members.set(m.groupId, [...(members.get(m.groupId) ?? []), m.userId]);
  const groups = tx
    .select({ id: groupBuyGroups.id, campaignId: groupBuyGroups.campaignId, merchantId: groupBuyCampaigns.merchantId })
    .from(groupBuyGroups)
    .innerJoin(groupBuyCampaigns, eq(groupBuyCampaigns.id, groupBuyGroups.campaignId))
    .where(inArray(groupBuyGroups.id, groupIds))
    .orderBy(asc(groupBuyGroups.id))
    .all();
  for (const group of groups) {
    recordEvent(tx, {
      type: outcome,
      entityId: group.id,
      occurredAt: now,
      payload: {
        groupId: group.id,
        campaignId: group.campaignId,
        merchantId: group.merchantId,
        memberIds: members.get(group.id) ?? [],
        at: now.toISOString(),
      },
    });
  }
}
