import DataLoader from 'dataloader';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { childrenLoader, newestFirst, pagedChildrenLoader } from '../shared/child-page-query.ts';
import { loaderPerFilter, rowByIdLoader } from '../shared/connection.ts';
import type { Clock } from '../shared/context.ts';
import type { Invalidations } from '../shared/invalidations.ts';
import { safeFenTotal } from '../shared/money.ts';
import type { CouponStatus, MutationResolvers } from './__generated__/resolvers-types.ts';
import type { LiveStreamRow, OffersDb } from './context.ts';
import { lightsInvalidations, lightsLoaders } from './lights/loaders.ts';
import { couponStatusWhere } from './rules/status.ts';
import {
  commissions,
  coupons,
  couponTemplates,
  groupBuyCampaigns,
  groupBuyGroups,
  groupBuyMembers,
  settlements,
} from './tables.ts';

/** Sums of stored fen are taken in two parts, quotient and remainder by this, so SQLite's sum never overflows. */
const SPLIT = 100_000_000;

/** Key of a per-viewer count: whose claims, on which template. */
export interface ViewerTemplateKey {
  userId: string;
  templateId: string;
}

/** A live stream as offers sees it: its id and the offers it features (from content, via `@requires`). */
export type LiveStreamFeatures = Required<LiveStreamRow>;

/** A merchant's rows of `table`, newest first (`created_at desc, id desc`), as `pagedChildrenLoader` pages them. */
function newestOfMerchant<
  T extends typeof couponTemplates | typeof groupBuyCampaigns | typeof commissions | typeof settlements,
>(table: T) {
  return { table, parentColumn: table.merchantId, orderBy: newestFirst(table.createdAt, table.id) };
}

/** A fresh set of DataLoaders for one request. */
export function createLoaders(db: OffersDb, clock: Clock) {
  return {
    ...lightsLoaders(db, clock),
    couponTemplateById: rowByIdLoader(db, couponTemplates),
    couponById: rowByIdLoader(db, coupons),
    groupBuyCampaignById: rowByIdLoader(db, groupBuyCampaigns),
    groupBuyGroupById: rowByIdLoader(db, groupBuyGroups),
    commissionById: rowByIdLoader(db, commissions),
    couponTemplatesByMerchantId: pagedChildrenLoader(db, newestOfMerchant(couponTemplates)),
    groupBuyCampaignsByMerchantId: pagedChildrenLoader(db, newestOfMerchant(groupBuyCampaigns)),
    commissionsByMerchantId: pagedChildrenLoader(db, newestOfMerchant(commissions)),
    settlementsByMerchantId: pagedChildrenLoader(db, newestOfMerchant(settlements)),
    commissionsBySettlementId: childrenLoader(db, {
      table: commissions,
      parentColumn: commissions.settlementId,
      orderBy: asc(commissions.kind),
    }),
    /** `couponsByUserId(status)` pages a user's coupons, newest first, filtered by the status as it reads now. */
    couponsByUserId: loaderPerFilter((status: CouponStatus | null) =>
      pagedChildrenLoader(db, {
        table: coupons,
        parentColumn: coupons.userId,
        orderBy: newestFirst(coupons.claimedAt, coupons.id),
        where: () => (status ? couponStatusWhere(status, clock.now()) : undefined),
      }),
    ),
    /** A campaign's groups still taking members (FORMING and not expired at the request's time), oldest first. */
    openGroupsByCampaignId: pagedChildrenLoader(db, {
      table: groupBuyGroups,
      parentColumn: groupBuyGroups.campaignId,
      orderBy: sql`${groupBuyGroups.createdAt} asc, ${groupBuyGroups.id} asc`,
      where: () => and(eq(groupBuyGroups.status, 'FORMING'), gt(groupBuyGroups.expiresAt, clock.now())),
    }),
    membersByGroupId: childrenLoader(db, {
      table: groupBuyMembers,
      parentColumn: groupBuyMembers.groupId,
      orderBy: asc(groupBuyMembers.position),
    }),
    /**
     * Settled fen of coupon redemptions per live stream, counting only coupons whose template the stream
     * features (so nobody can credit a stream by naming it at claim time); 0 when none. One statement for
     * any number of streams: settlements → coupons → template, summed per (stream, template).
     * Summed exactly whatever is stored: SQLite adds the hundred-millions and the rest apart (neither sum can
     * overflow its 64-bit integers) and BigInt joins them; a total beyond SafeInt, or an amount stored as
     * anything but an integer, fails that stream's `sales` alone, never the stream or the other streams of the batch.
     */
    salesByLiveStream: new DataLoader<LiveStreamFeatures, number, string>(
      async (streams) => {
        const templateIds = [...new Set(streams.flatMap((s) => s.featuredOfferIds))];
        if (templateIds.length === 0) return streams.map(() => 0);
        const rows = db
          .select({
            liveStreamId: settlements.liveStreamId,
            templateId: coupons.templateId,
            high: sql<string>`cast(sum(${settlements.amountFen} / ${sql.raw(String(SPLIT))}) as text)`,
            low: sql<string>`cast(sum(${settlements.amountFen} % ${sql.raw(String(SPLIT))}) as text)`,
            // Amounts not stored as integers (a REAL such as 0.5 written by hand) make the sums fractional.
            notWhole: sql<number>`sum(typeof(${settlements.amountFen}) <> 'integer')`,
          })
          .from(settlements)
          .innerJoin(coupons, eq(coupons.id, settlements.sourceId))
          .where(
            and(
              eq(settlements.sourceKind, 'COUPON_REDEMPTION'),
              inArray(settlements.liveStreamId, [...new Set(streams.map((s) => s.id))]),
              inArray(coupons.templateId, templateIds),
            ),
          )
          .groupBy(settlements.liveStreamId, coupons.templateId)
          .all();
        const fenOf = new Map<string, bigint | number>(
          rows.map((r) => [
            `${r.liveStreamId}|${r.templateId}`,
            r.notWhole > 0 ? r.notWhole : BigInt(r.high) * BigInt(SPLIT) + BigInt(r.low),
          ]),
        );
        return streams.map((s) => {
          let total = 0n;
          let notWhole = 0;
          for (const t of new Set(s.featuredOfferIds)) {
            const fen = fenOf.get(`${s.id}|${t}`) ?? 0n;
            if (typeof fen === 'bigint') total += fen;
            else notWhole += fen;
          }
          // This stream's sales alone fail: BigInt of a fractional sum would throw and fail the whole batch.
          if (notWhole > 0) {
            return new Error(
              `The sales of live stream ${s.id} include ${notWhole} settlement(s) whose amount is not a whole ` +
                "number of fen; the stored data needs an operator's review.",
            );
          }
          return safeFenTotal(total, `The sales of live stream ${s.id}`);
        });
      },
      { cacheKeyFn: (s) => `${s.id}|${s.featuredOfferIds.join(',')}` },
    ),
    /** How many coupons a user has claimed per template: one statement per distinct user (normally one). */
    viewerClaimedCountByTemplateId: new DataLoader<ViewerTemplateKey, number, string>(
      async (keys) => {
        const counts = new Map<string, number>();
        const templatesByUser = new Map<string, string[]>();
        for (const k of keys) templatesByUser.set(k.userId, [...(templatesByUser.get(k.userId) ?? []), k.templateId]);
        for (const [userId, templateIds] of templatesByUser) {
          const rows = db
            .select({ templateId: coupons.templateId, n: sql<number>`count(*)` })
            .from(coupons)
            .where(and(eq(coupons.userId, userId), inArray(coupons.templateId, templateIds)))
            .groupBy(coupons.templateId)
            .all();
          for (const r of rows) counts.set(`${userId}|${r.templateId}`, r.n);
        }
        return keys.map((k) => counts.get(`${k.userId}|${k.templateId}`) ?? 0);
      },
      { cacheKeyFn: (k) => `${k.userId}|${k.templateId}` },
    ),
  };
}

/** The loaders every offers resolver reads through. */
export type Loaders = ReturnType<typeof createLoaders>;

/** What a settlement writes: a settlement row and its commission, which the merchant's finance lists show. */
const SETTLED = ['settlementsByMerchantId', 'commissionsByMerchantId', 'commissionsBySettlementId'] as const;

/**
 * What each mutation makes stale. A claim takes stock (the template's remaining stock and status, in lists too) and
 * adds to the user's coupons; a redemption changes the coupon the resolver loaded to check access, settles, and adds
 * to a stream's sales; a group step changes the group, its members and which groups are open.
 */
export const invalidations = {
  claimCoupon: [
    'couponTemplateById',
    'couponTemplatesByMerchantId',
    'couponsByUserId',
    'viewerClaimedCountByTemplateId',
    'reportByCampaign',
  ],
  redeemCoupon: ['couponById', 'couponsByUserId', 'commissionById', 'salesByLiveStream', ...SETTLED],
  createCouponTemplate: ['couponTemplatesByMerchantId'],
  createGroupBuyCampaign: ['groupBuyCampaignsByMerchantId'],
  startGroupBuy: ['openGroupsByCampaignId', 'reportByCampaign'],
  joinGroupBuy: ['groupBuyGroupById', 'openGroupsByCampaignId', 'membersByGroupId', 'reportByCampaign', ...SETTLED],
  ...lightsInvalidations,
} satisfies Invalidations<keyof MutationResolvers, Loaders>;
