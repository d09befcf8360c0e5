import { and, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import { newId } from '../../contract/ids.ts';
import { boundingBox, distanceMeters, type GeoPoint } from '../../shared/geo.ts';
import type { OffersDb } from '../context.ts';
import { storeMerchants } from '../tables.ts';
import { runAuction } from './auction.ts';
import { ANONYMOUS_VIEWER, FREQUENCY_CAP } from './charge.ts';
import { shanghaiDay } from './day.ts';
import type { PromotionCampaignRow, PromotionSlotRow } from './rows.ts';
import { maxChargeMilliFen } from './status.ts';
import { type Placement, promotionCampaigns, promotionDailySpend, promotionImpressions } from './tables.ts';
import { signSlotToken, TOKEN_TTL_MS } from './tokens.ts';

/** A viewer's city is the city of the nearest store Lights knows within this distance of `near`. */
const CITY_RADIUS_METERS = 50_000;
/** PAYMENT_SUCCESS campaigns without a radius cover the store paid at when one of theirs is within this distance. */
export const PAYMENT_SUCCESS_RADIUS_METERS = 1000;

export interface ServeRequest {
  placement: Placement;
  viewer: string;
  near: GeoPoint | null;
  query: string | null;
  first: number;
}

/** A search query as keywords match it: lower case, spaces collapsed. */
export const normalizeQuery = (q: string) => q.trim().toLowerCase().replace(/\s+/g, ' ');

/** Whether a SEARCH campaign's keywords match the query: a keyword appears in it, or it is the start of a keyword. */
export function keywordsMatch(keywords: readonly string[], query: string): boolean {
  const q = normalizeQuery(query);
  return q.length > 0 && keywords.some((k) => q.includes(k) || (q.length >= 2 && k.startsWith(q)));
}

/** The city of the nearest known store within CITY_RADIUS_METERS, or null. */
function viewerCity(db: OffersDb, near: GeoPoint): string | null {
  const box = boundingBox(near, CITY_RADIUS_METERS);
  const stores = db
    .select({ city: storeMerchants.city, lat: storeMerchants.lat, lng: storeMerchants.lng })
    .from(storeMerchants)
    .where(
      sql`${storeMerchants.lat} between ${box.minLat} and ${box.maxLat} and ${storeMerchants.lng} between ${box.minLng} and ${box.maxLng}`,
    )
    .all();
  let best: { city: string | null; d: number } | null = null;
  for (const s of stores) {
    if (s.lat === null || s.lng === null) continue;
    const d = distanceMeters(near, { lat: s.lat, lng: s.lng });
    if (d <= CITY_RADIUS_METERS && (!best || d < best.d)) best = { city: s.city, d };
  }
  return best?.city ?? null;
}

/**
 * Serves up to `first` slots of `placement`: the eligible campaigns (running, not paused, on the placement, keywords
 * matching a SEARCH query, targeting covering the viewer, budget left today and in total for one more charge at the
 * bid, the viewer under the frequency cap today) ranked and priced by the auction, each with a signed token. A fixed
 * number of statements whatever the number of campaigns.
 */
export function serve(db: OffersDb, now: Date, secret: string, request: ServeRequest): PromotionSlotRow[] {
  const day = shanghaiDay(now);
  let candidates: PromotionCampaignRow[] = db
    .select()
    .from(promotionCampaigns)
    .where(
      and(
        isNull(promotionCampaigns.pausedAt),
        lte(promotionCampaigns.startsAt, now),
        gt(promotionCampaigns.endsAt, now),
        sql`exists (select 1 from json_each(${promotionCampaigns.placements}) where value = ${request.placement})`,
        sql`${promotionCampaigns.spentMilliFen} + (case when ${promotionCampaigns.bidding} = 'CPC' then ${promotionCampaigns.bidFen} * 1000 else ${promotionCampaigns.bidFen} end) <= ${promotionCampaigns.totalBudgetFen} * 1000`,
      ),
    )
    .all();
  if (request.placement === 'SEARCH') {
    const query = request.query;
    candidates = query ? candidates.filter((c) => keywordsMatch(c.keywords, query)) : [];
  }
  candidates = candidates.filter((c) => withinTargeting(c, request));
  if (candidates.length === 0) return [];
  const ids = candidates.map((c) => c.id);
  const history = db
    .select({
      campaignId: promotionDailySpend.campaignId,
      impressions: sql<number>`sum(${promotionDailySpend.impressions})`,
      clicks: sql<number>`sum(${promotionDailySpend.clicks})`,
      today: sql<number>`sum(case when ${promotionDailySpend.day} = ${day} then ${promotionDailySpend.spentMilliFen} else 0 end)`,
    })
    .from(promotionDailySpend)
    .where(inArray(promotionDailySpend.campaignId, ids))
    .groupBy(promotionDailySpend.campaignId)
    .all();
  const byId = new Map(history.map((h) => [h.campaignId, h]));
  candidates = candidates.filter((c) => c.dailyBudgetFen * 1000 - (byId.get(c.id)?.today ?? 0) >= maxChargeMilliFen(c));
  if (request.viewer !== ANONYMOUS_VIEWER && candidates.length > 0) {
    const seen = db
      .select({ campaignId: promotionImpressions.campaignId, n: sql<number>`count(*)` })
      .from(promotionImpressions)
      .where(
        and(
          eq(promotionImpressions.viewer, request.viewer),
          eq(promotionImpressions.day, day),
          inArray(
            promotionImpressions.campaignId,
            candidates.map((c) => c.id),
          ),
        ),
      )
      .groupBy(promotionImpressions.campaignId)
      .all();
    const capped = new Set(seen.filter((s) => s.n >= FREQUENCY_CAP).map((s) => s.campaignId));
    candidates = candidates.filter((c) => !capped.has(c.id));
  }
  candidates = nearEnough(db, candidates, request);
  const bidders = candidates.map((c) => ({
    ...c,
    impressions: byId.get(c.id)?.impressions ?? 0,
    clicks: byId.get(c.id)?.clicks ?? 0,
  }));
  const expiresAt = now.getTime() + TOKEN_TTL_MS;
  return runAuction(bidders, request.first).map(({ bidder, priceFen }) => {
    const { impressions: _i, clicks: _c, ...campaign } = bidder;
    const slotId = newId('slt');
    const token = signSlotToken(secret, {
      slotId,
      campaignId: campaign.id,
      placement: request.placement,
      viewer: request.viewer,
      priceFen,
      expiresAt,
    });
    return { id: slotId, campaign, token };
  });
}

/** The radius a campaign targets on this placement (PAYMENT_SUCCESS defaults to 1 km), or null for none. */
function radiusOf(c: PromotionCampaignRow, placement: Placement): number | null {
  return c.radiusMeters ?? (placement === 'PAYMENT_SUCCESS' ? PAYMENT_SUCCESS_RADIUS_METERS : null);
}

/** City targeting needs to know where the viewer is: without `near`, only campaigns that target nobody in particular. */
function withinTargeting(c: PromotionCampaignRow, request: ServeRequest): boolean {
  const located = request.near !== null;
  if (!located) return c.targetCities.length === 0 && radiusOf(c, request.placement) === null;
  return true;
}

/** Keeps the campaigns whose city list and radius (from any of the merchant's stores) cover the viewer. */
function nearEnough(db: OffersDb, candidates: PromotionCampaignRow[], request: ServeRequest): PromotionCampaignRow[] {
  const near = request.near;
  if (!near) return candidates;
  const needCity = candidates.some((c) => c.targetCities.length > 0);
  const city = needCity ? viewerCity(db, near) : null;
  const radial = candidates.filter((c) => radiusOf(c, request.placement) !== null);
  const stores =
    radial.length === 0
      ? []
      : db
          .select()
          .from(storeMerchants)
          .where(inArray(storeMerchants.merchantId, [...new Set(radial.map((c) => c.merchantId))]))
          .all();
  const nearest = new Map<string, number>();
  for (const s of stores) {
    if (s.lat === null || s.lng === null) continue;
    const d = distanceMeters(near, { lat: s.lat, lng: s.lng });
    nearest.set(s.merchantId, Math.min(d, nearest.get(s.merchantId) ?? Number.POSITIVE_INFINITY));
  }
  return candidates.filter((c) => {
    if (c.targetCities.length > 0 && (city === null || !c.targetCities.includes(city))) return false;
    const radius = radiusOf(c, request.placement);
    return radius === null || (nearest.get(c.merchantId) ?? Number.POSITIVE_INFINITY) <= radius;
  });
}
