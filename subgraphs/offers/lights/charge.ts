import { and, count, desc, eq, gt, lte, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import type { OffersDb, OffersTx } from '../context.ts';
import { shanghaiDay } from './day.ts';
import type { PromotionCampaignRow } from './rows.ts';
import {
  promotionCampaigns,
  promotionClicks,
  promotionConversions as promotionConversionsTable,
  promotionDailySpend,
  promotionImpressions,
} from './tables.ts';
import { type SlotToken, verifySlotToken } from './tokens.ts';

/** Impressions of one campaign one viewer may see per Asia/Shanghai day (signed-in users and partner keys). */
export const FREQUENCY_CAP = 3;
/** The viewer of anonymous callers: no cap across requests applies to it (there is nothing to tell them apart). */
export const ANONYMOUS_VIEWER = 'anonymous';

export interface RecordResult {
  /** Whether this call counted the impression or click (false: refused, or already counted). */
  counted: boolean;
  campaign: PromotionCampaignRow | null;
  userErrors: UserError[];
}

const FIELD = ['token'];
const refused = (code: string, message: string, campaign: PromotionCampaignRow | null = null): RecordResult => ({
  counted: false,
  campaign,
  userErrors: [userError(code, message, FIELD)],
});

/**
 * Adds `milliFen` (and the counts) to the campaign's spend, guarded: the campaign's total and today's row each
 * refuse to go past their budget in the UPDATE's own WHERE, so no interleaving of processes can overspend. Runs in
 * the caller's immediate transaction; false (and nothing changed) when either budget cannot pay.
 */
function chargeGuarded(
  tx: OffersTx,
  c: PromotionCampaignRow,
  day: string,
  milliFen: number,
  counts: { impressions: number; clicks: number },
): boolean {
  if (milliFen > 0) {
    const total = tx
      .update(promotionCampaigns)
      .set({ spentMilliFen: sql`${promotionCampaigns.spentMilliFen} + ${milliFen}` })
      .where(
        and(
          eq(promotionCampaigns.id, c.id),
          sql`${promotionCampaigns.spentMilliFen} + ${milliFen} <= ${promotionCampaigns.totalBudgetFen} * 1000`,
        ),
      )
      .run();
    if (total.changes === 0) return false;
  }
  tx.insert(promotionDailySpend)
    .values({ campaignId: c.id, day, merchantId: c.merchantId, spentMilliFen: 0, impressions: 0, clicks: 0 })
    .onConflictDoNothing()
    .run();
  const daily = tx
    .update(promotionDailySpend)
    .set({
      spentMilliFen: sql`${promotionDailySpend.spentMilliFen} + ${milliFen}`,
      impressions: sql`${promotionDailySpend.impressions} + ${counts.impressions}`,
      clicks: sql`${promotionDailySpend.clicks} + ${counts.clicks}`,
    })
    .where(
      and(
        eq(promotionDailySpend.campaignId, c.id),
        eq(promotionDailySpend.day, day),
        sql`${promotionDailySpend.spentMilliFen} + ${milliFen} <= ${c.dailyBudgetFen * 1000}`,
      ),
    )
    .run();
  if (daily.changes === 0) {
    // Today's budget refused: take back the total's share, inside the same transaction.
    tx.update(promotionCampaigns)
      .set({ spentMilliFen: sql`${promotionCampaigns.spentMilliFen} - ${milliFen}` })
      .where(eq(promotionCampaigns.id, c.id))
      .run();
    return false;
  }
  return true;
}

/** The token, verified for this viewer, or the user error saying why not. */
function checkToken(
  secret: string,
  text: string,
  viewer: string,
  now: Date,
): { token: SlotToken } | { error: RecordResult } {
  const verified = verifySlotToken(secret, text, now);
  if (!verified.ok) {
    return {
      error:
        verified.code === 'TOKEN_EXPIRED'
          ? refused('TOKEN_EXPIRED', 'This slot token has expired: serve promotions again for a fresh one.')
          : refused(
              'INVALID_TOKEN',
              'This is not a slot token Lights issued (or it was altered): pass PromotionSlot.token as served.',
            ),
    };
  }
  if (verified.token.viewer !== viewer) {
    return {
      error: refused('VIEWER_MISMATCH', 'This slot was served to another viewer: record only slots served to you.'),
    };
  }
  return { token: verified.token };
}

/** A campaign that stopped (paused or ended) since the slot was served counts nothing more. */
function stopped(c: PromotionCampaignRow | undefined, now: Date): RecordResult | null {
  if (!c) return refused('NOT_FOUND', 'The campaign of this slot no longer exists.');
  if (c.pausedAt || now >= c.endsAt || now < c.startsAt) {
    return refused(
      'CAMPAIGN_NOT_ACTIVE',
      'The campaign of this slot is paused or not running: nothing was counted.',
      c,
    );
  }
  return null;
}

const exhausted = (c: PromotionCampaignRow) =>
  refused(
    'BUDGET_EXHAUSTED',
    'The campaign cannot pay for this slot (its daily or total budget is spent): nothing was counted.',
    c,
  );

/**
 * Records that a served slot was seen: once per token, within the viewer's frequency cap, charging a CPM campaign
 * its price (fen per thousand = milli-fen per impression) under the budget guard, in one immediate transaction.
 */
export function recordImpression(
  db: OffersDb,
  now: Date,
  secret: string,
  viewer: string,
  text: string,
  options: RuleOptions = {},
): RecordResult {
  const checked = checkToken(secret, text, viewer, now);
  if ('error' in checked) return checked.error;
  const { token } = checked;
  const day = shanghaiDay(now);
  return db.transaction(
    (tx) => {
      const c = tx.select().from(promotionCampaigns).where(eq(promotionCampaigns.id, token.campaignId)).get();
      const stop = stopped(c, now);
      if (stop || !c) return stop as RecordResult;
      const seen = tx.select().from(promotionImpressions).where(eq(promotionImpressions.tokenId, token.slotId)).get();
      if (seen) return refused('ALREADY_COUNTED', 'This slot’s impression was already counted: it counts once.', c);
      if (viewer !== ANONYMOUS_VIEWER) {
        const today =
          tx
            .select({ n: count() })
            .from(promotionImpressions)
            .where(
              and(
                eq(promotionImpressions.campaignId, c.id),
                eq(promotionImpressions.viewer, viewer),
                eq(promotionImpressions.day, day),
              ),
            )
            .get()?.n ?? 0;
        if (today >= FREQUENCY_CAP) {
          return refused(
            'FREQUENCY_CAPPED',
            `You saw this campaign ${FREQUENCY_CAP} times today: it is not counted again until tomorrow.`,
            c,
          );
        }
      }
      const milliFen = c.bidding === 'CPM' ? token.priceFen : 0;
      if (!chargeGuarded(tx, c, day, milliFen, { impressions: 1, clicks: 0 })) return exhausted(c);
      options.afterStep?.('charged');
      tx.insert(promotionImpressions)
        .values({
          tokenId: token.slotId,
          campaignId: c.id,
          placement: token.placement,
          viewer,
          day,
          chargedMilliFen: milliFen,
          occurredAt: now,
        })
        .run();
      return { counted: true, campaign: c, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}

/**
 * Records a click on a served slot whose impression was counted: once per token, charging a CPC campaign its price
 * under the budget guard; a signed-in user's click is what attribution credits later.
 */
export function recordClick(
  db: OffersDb,
  now: Date,
  secret: string,
  viewer: string,
  text: string,
  options: RuleOptions = {},
): RecordResult {
  const checked = checkToken(secret, text, viewer, now);
  if ('error' in checked) return checked.error;
  const { token } = checked;
  const day = shanghaiDay(now);
  return db.transaction(
    (tx) => {
      const c = tx.select().from(promotionCampaigns).where(eq(promotionCampaigns.id, token.campaignId)).get();
      const stop = stopped(c, now);
      if (stop || !c) return stop as RecordResult;
      const seen = tx.select().from(promotionImpressions).where(eq(promotionImpressions.tokenId, token.slotId)).get();
      if (!seen) {
        return refused(
          'NO_IMPRESSION',
          'Record the slot’s impression first: a click counts only on a slot that was seen.',
          c,
        );
      }
      const clicked = tx.select().from(promotionClicks).where(eq(promotionClicks.tokenId, token.slotId)).get();
      if (clicked) return refused('ALREADY_COUNTED', 'This slot’s click was already counted: it counts once.', c);
      const milliFen = c.bidding === 'CPC' ? token.priceFen * 1000 : 0;
      if (!chargeGuarded(tx, c, day, milliFen, { impressions: 0, clicks: 1 })) return exhausted(c);
      options.afterStep?.('charged');
      tx.insert(promotionClicks)
        .values({
          tokenId: token.slotId,
          campaignId: c.id,
          userId: viewer.startsWith('usr_') ? viewer : null,
          day,
          chargedMilliFen: milliFen,
          occurredAt: now,
        })
        .run();
      return { counted: true, campaign: c, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}

/** How long after a user's click their claim or join of the promoted offer counts as the campaign's conversion. */
export const ATTRIBUTION_WINDOW_MS = 24 * 3_600_000;

/**
 * Credits a signed-in user's claim of a coupon template (or join of a group buy) to the campaign of their last click
 * on a campaign promoting it within 24 hours, if any. Called by the claim and join rules inside their transaction, so
 * the conversion is written with the claim or not at all; one conversion per claimed coupon or membership.
 */
export function recordConversion(
  tx: OffersTx,
  now: Date,
  conversion: { userId: string; targetId: string; sourceKind: 'coupon' | 'group_member'; sourceId: string },
): void {
  const click = tx
    .select({ tokenId: promotionClicks.tokenId, campaignId: promotionClicks.campaignId })
    .from(promotionClicks)
    .innerJoin(promotionCampaigns, eq(promotionCampaigns.id, promotionClicks.campaignId))
    .where(
      and(
        eq(promotionClicks.userId, conversion.userId),
        eq(promotionCampaigns.targetId, conversion.targetId),
        gt(promotionClicks.occurredAt, new Date(now.getTime() - ATTRIBUTION_WINDOW_MS)),
        lte(promotionClicks.occurredAt, now),
      ),
    )
    .orderBy(desc(promotionClicks.occurredAt), desc(promotionClicks.tokenId))
    .limit(1)
    .get();
  if (!click) return;
  tx.insert(promotionConversionsTable)
    .values({
      id: `cnv_${conversion.sourceKind}_${conversion.sourceId}`,
      campaignId: click.campaignId,
      clickTokenId: click.tokenId,
      userId: conversion.userId,
      sourceKind: conversion.sourceKind,
      sourceId: conversion.sourceId,
      occurredAt: now,
    })
    .onConflictDoNothing()
    .run();
}
