import DataLoader from 'dataloader';
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { newestFirst, pagedChildrenLoader } from '../../shared/child-page-query.ts';
import { rowByIdLoader } from '../../shared/connection.ts';
import type { Clock } from '../../shared/context.ts';
import type { OffersDb } from '../context.ts';
import { shanghaiDay } from './day.ts';
import type { ReportKey, ReportRow } from './rows.ts';
import {
  promotionCampaigns,
  promotionClicks,
  promotionConversions,
  promotionDailySpend,
  promotionImpressions,
} from './tables.ts';

const rangeKey = (k: ReportKey) => `${k.from ?? ''}|${k.to ?? ''}`;

/** Sums of one table's rows per campaign over a range: one statement per distinct range (normally one). */
function sumsByCampaign(
  db: OffersDb,
  table: typeof promotionImpressions | typeof promotionClicks | typeof promotionConversions,
  ids: string[],
  from: number | null,
  to: number | null,
) {
  const charged = 'chargedMilliFen' in table ? sql<number>`sum(${table.chargedMilliFen})` : sql<number>`0`;
  return db
    .select({ campaignId: table.campaignId, n: sql<number>`count(*)`, milliFen: charged })
    .from(table)
    .where(
      and(
        inArray(table.campaignId, ids),
        from === null ? undefined : gte(table.occurredAt, new Date(from)),
        to === null ? undefined : lt(table.occurredAt, new Date(to)),
      ),
    )
    .groupBy(table.campaignId)
    .all();
}

/** Lights' per-request loaders, merged into offers' `createLoaders`. */
export function lightsLoaders(db: OffersDb, clock: Clock) {
  return {
    promotionCampaignById: rowByIdLoader(db, promotionCampaigns),
    promotionCampaignsByMerchantId: pagedChildrenLoader(db, {
      table: promotionCampaigns,
      parentColumn: promotionCampaigns.merchantId,
      orderBy: newestFirst(promotionCampaigns.createdAt, promotionCampaigns.id),
    }),
    /** Milli-fen each campaign spent today (the Asia/Shanghai day of the request's clock); 0 when nothing. */
    todaySpendByCampaignId: new DataLoader<string, number>(async (ids) => {
      const rows = db
        .select({ campaignId: promotionDailySpend.campaignId, spent: promotionDailySpend.spentMilliFen })
        .from(promotionDailySpend)
        .where(
          and(inArray(promotionDailySpend.campaignId, [...ids]), eq(promotionDailySpend.day, shanghaiDay(clock.now()))),
        )
        .all();
      const spent = new Map(rows.map((r) => [r.campaignId, r.spent]));
      return ids.map((id) => spent.get(id) ?? 0);
    }),
    /** Each campaign's report over its range: three statements per distinct range in the batch. */
    reportByCampaign: new DataLoader<ReportKey, ReportRow, string>(
      async (keys) => {
        const out = new Map<string, ReportRow>();
        const ranges = new Map<string, ReportKey[]>();
        for (const k of keys) ranges.set(rangeKey(k), [...(ranges.get(rangeKey(k)) ?? []), k]);
        for (const group of ranges.values()) {
          const { from, to } = group[0] as ReportKey;
          const ids = [...new Set(group.map((k) => k.campaignId))];
          const of = (rows: { campaignId: string; n: number; milliFen: number }[]) =>
            new Map(rows.map((r) => [r.campaignId, r]));
          const impressions = of(sumsByCampaign(db, promotionImpressions, ids, from, to));
          const clicks = of(sumsByCampaign(db, promotionClicks, ids, from, to));
          const conversions = of(sumsByCampaign(db, promotionConversions, ids, from, to));
          for (const id of ids) {
            out.set(`${id}|${rangeKey(group[0] as ReportKey)}`, {
              impressions: impressions.get(id)?.n ?? 0,
              clicks: clicks.get(id)?.n ?? 0,
              spendMilliFen: (impressions.get(id)?.milliFen ?? 0) + (clicks.get(id)?.milliFen ?? 0),
              conversions: conversions.get(id)?.n ?? 0,
            });
          }
        }
        return keys.map((k) => out.get(`${k.campaignId}|${rangeKey(k)}`) as ReportRow);
      },
      { cacheKeyFn: (k) => `${k.campaignId}|${rangeKey(k)}` },
    ),
  };
}

/** What Lights' mutations make stale. */
export const lightsInvalidations = {
  createPromotionCampaign: ['promotionCampaignsByMerchantId'],
  pausePromotionCampaign: ['promotionCampaignById', 'promotionCampaignsByMerchantId'],
  resumePromotionCampaign: ['promotionCampaignById', 'promotionCampaignsByMerchantId'],
  recordPromotionImpression: ['promotionCampaignById', 'todaySpendByCampaignId', 'reportByCampaign'],
  recordPromotionClick: ['promotionCampaignById', 'todaySpendByCampaignId', 'reportByCampaign'],
} as const;
