import { and, eq, lt, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { UserActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import type { JoinGroupBuyInput, StartGroupBuyInput } from '../__generated__/resolvers-types.ts';
import type { GroupBuyCampaignRow, GroupBuyGroupRow, OffersDb, OffersTx } from '../context.ts';
import { recordConversion } from '../lights/charge.ts';
import { groupBuyCampaigns, groupBuyGroups, groupBuyMembers } from '../tables.ts';
import { recordGroupOutcomes } from './events.ts';
import { settle } from './settle.ts';

const MINUTE_MS = 60_000;

export interface GroupBuyResult {
  group: GroupBuyGroupRow | null;
  userErrors: UserError[];
}

const failed = (error: UserError): GroupBuyResult => ({ group: null, userErrors: [error] });

/** NOT_STARTED / ENDED when the campaign does not take members at `now`. */
function windowError(campaign: GroupBuyCampaignRow, now: Date, field: string[]): UserError | null {
  if (now < campaign.startsAt) {
    return userError('NOT_STARTED', `This group buy opens at ${campaign.startsAt.toISOString()}.`, field);
  }
  if (now >= campaign.endsAt) return userError('ENDED', 'This group-buy campaign has ended.', field);
  return null;
}

/**
 * The signed-in user starts a new group of a campaign and pays the group price as its leader. The group
 * must fill within the campaign's `fillWithinMinutes`, and never outlives the campaign.
 */
export function startGroupBuy(
  db: OffersDb,
  now: Date,
  actor: UserActor,
  input: StartGroupBuyInput,
  options: RuleOptions = {},
): GroupBuyResult {
  const request = { campaignId: input.campaignId };
  const call = { actor, key: input.idempotencyKey, operation: 'startGroupBuy', request, now };
  return idempotentTransaction(db, call, (tx) => ({
    entities: { group: groupBuyGroups },
    attempt: () => attemptStart(tx, now, actor.userId, input.campaignId, options),
    refuse: failed,
  }));
}

function attemptStart(
  tx: OffersTx,
  now: Date,
  userId: string,
  campaignId: string,
  options: RuleOptions,
): GroupBuyResult {
  const field = ['input', 'campaignId'];
  const campaign = tx.select().from(groupBuyCampaigns).where(eq(groupBuyCampaigns.id, campaignId)).get();
  if (!campaign) return failed(userError('NOT_FOUND', `No group-buy campaign ${campaignId}.`, field));
  const closed = windowError(campaign, now, field);
  if (closed) return failed(closed);
  const expiresAt = Math.min(now.getTime() + campaign.fillWithinMinutes * MINUTE_MS, campaign.endsAt.getTime());
  const group = tx
    .insert(groupBuyGroups)
    .values({
      id: newId('gbg'),
      campaignId: campaign.id,
      leaderId: userId,
      status: 'FORMING',
      groupSize: campaign.groupSize,
      memberCount: 1,
      createdAt: now,
      expiresAt: new Date(expiresAt),
    })
    .returning()
    .get();
  options.afterStep?.('group-created');
  tx.insert(groupBuyMembers)
    .values({ groupId: group.id, userId, position: 1, paidFen: campaign.groupPriceFen, joinedAt: now })
    .run();
  // Lights: a leader who clicked a campaign promoting this group buy in the last 24 h is its conversion.
  recordConversion(tx, now, {
    userId,
    targetId: campaign.id,
    sourceKind: 'group_member',
    sourceId: `${group.id}:${userId}`,
  });
  return { group, userErrors: [] };
}

/**
 * The signed-in user joins a forming group and pays the group price. The slot is taken by a conditional
 * update (`member_count < group_size`), so two users racing for the last slot give one member more, not
 * two. The member who fills the group makes it SUCCEEDED and settles group price × size, in the same
 * transaction.
 */
export function joinGroupBuy(
  db: OffersDb,
  now: Date,
  actor: UserActor,
  input: JoinGroupBuyInput,
  options: RuleOptions = {},
): GroupBuyResult {
  const request = { groupId: input.groupId };
  const call = { actor, key: input.idempotencyKey, operation: 'joinGroupBuy', request, now };
  return idempotentTransaction(db, call, (tx) => ({
    entities: { group: groupBuyGroups },
    attempt: () => attemptJoin(tx, now, actor.userId, input.groupId, options),
    refuse: failed,
  }));
}

function attemptJoin(tx: OffersTx, now: Date, userId: string, groupId: string, options: RuleOptions): GroupBuyResult {
  const field = ['input', 'groupId'];
  const group = tx.select().from(groupBuyGroups).where(eq(groupBuyGroups.id, groupId)).get();
  const campaign = group && tx.select().from(groupBuyCampaigns).where(eq(groupBuyCampaigns.id, group.campaignId)).get();
  if (!group || !campaign) return failed(userError('NOT_FOUND', `No group-buy group ${groupId}.`, field));
  const member = tx
    .select()
    .from(groupBuyMembers)
    .where(and(eq(groupBuyMembers.groupId, groupId), eq(groupBuyMembers.userId, userId)))
    .get();
  if (member) return failed(userError('ALREADY_JOINED', 'You are already a member of this group.', field));
  if (group.status === 'SUCCEEDED') return failed(userError('GROUP_FULL', 'This group is already full.', field));
  if (group.status !== 'FORMING') return failed(userError('NOT_FORMING', 'This group is no longer forming.', field));
  if (now >= group.expiresAt) {
    return failed(userError('GROUP_EXPIRED', 'This group did not fill in time: start a new one.', field));
  }
  const closed = windowError(campaign, now, field);
  if (closed) return failed(closed);
  const slot = tx
    .update(groupBuyGroups)
    .set({ memberCount: sql`${groupBuyGroups.memberCount} + 1` })
    .where(
      and(
        eq(groupBuyGroups.id, groupId),
        eq(groupBuyGroups.status, 'FORMING'),
        lt(groupBuyGroups.memberCount, groupBuyGroups.groupSize),
      ),
    )
    .returning()
    .get();
  if (!slot) return failed(userError('GROUP_FULL', 'This group is already full.', field));
  options.afterStep?.('slot-taken');
  tx.insert(groupBuyMembers)
    .values({ groupId, userId, position: slot.memberCount, paidFen: campaign.groupPriceFen, joinedAt: now })
    .run();
  // Lights: a member who clicked a campaign promoting this group buy in the last 24 h is its conversion.
  recordConversion(tx, now, {
    userId,
    targetId: campaign.id,
    sourceKind: 'group_member',
    sourceId: `${groupId}:${userId}`,
  });
  if (slot.memberCount < slot.groupSize) return { group: slot, userErrors: [] };
  options.afterStep?.('member-added');
  const succeeded = tx
    .update(groupBuyGroups)
    .set({ status: 'SUCCEEDED', succeededAt: now })
    .where(eq(groupBuyGroups.id, groupId))
    .returning()
    .get();
  settle(
    tx,
    now,
    {
      merchantId: campaign.merchantId,
      sourceKind: 'GROUP_BUY',
      sourceId: groupId,
      amountFen: campaign.groupPriceFen * slot.groupSize,
      liveStreamId: null,
    },
    options,
  );
  recordGroupOutcomes(tx, now, 'group.succeeded', [groupId]);
  return { group: succeeded ?? slot, userErrors: [] };
}
