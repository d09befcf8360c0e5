import { badUserInput, forbidden } from '../../contract/errors.ts';
import type { Identity } from '../../contract/identity.ts';
import { SCOPES } from '../../contract/scopes.ts';
import { asMerchant, asMerchantOf } from '../../shared/actors.ts';
import { type Page, parsePage, toConnection } from '../../shared/connection.ts';
import { invalidPoint } from '../../shared/geo.ts';
import { toMoney } from '../../shared/money.ts';
import type {
  MutationResolvers,
  PaymentSuccessPageResolvers,
  PromotionCampaignResolvers,
  PromotionReportResolvers,
  PromotionSlotResolvers,
  PromotionTargetingResolvers,
  PromotionTargetResolvers,
  QueryResolvers,
} from '../__generated__/resolvers-types.ts';
import type { OffersContext } from '../context.ts';
import { createPromotionCampaign, setPaused } from './campaigns.ts';
import { ANONYMOUS_VIEWER, recordClick, recordImpression } from './charge.ts';
import { milliFenToFen } from './day.ts';
import { nearbyCoupons, storeLocation } from './nearby.ts';
import type { PromotionCampaignRow } from './rows.ts';
import { serve } from './serve.ts';
import { campaignStatus, remainingMilliFen } from './status.ts';
import type { Placement } from './tables.ts';

const MAX_SLOTS = 10;

/** Whom a slot is served to: the caller's id (user or partner key), or `anonymous` (documented in the README). */
export const viewerOf = (identity: Identity) =>
  identity.kind === 'anonymous' ? ANONYMOUS_VIEWER : (identity.subject ?? ANONYMOUS_VIEWER);

function slots(first: number | null | undefined): number {
  const n = first ?? 3;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SLOTS)
    throw badUserInput(`"first" must be between 1 and ${MAX_SLOTS}, got ${n}.`, 'first');
  return n;
}

/** Whether the caller may see the campaign's money and reports: `merchant:promotion` for its merchant. */
function owns(identity: Identity, merchantId: string): boolean {
  return (
    identity.kind !== 'anonymous' &&
    identity.scopes.includes(SCOPES.promotion) &&
    identity.merchantIds.includes(merchantId)
  );
}

/** The campaign's private field, or FORBIDDEN (the field is null at its path) for anyone but its merchant. */
function own<T>(c: PromotionCampaignRow, ctx: OffersContext, what: string, value: () => T): T {
  if (!owns(ctx.identity, c.merchantId)) {
    throw forbidden(
      `${what} of campaign ${c.id} is the merchant's: it needs the "${SCOPES.promotion}" scope and ${c.merchantId} in your merchant_ids or key allow-list.`,
    );
  }
  return value();
}

const time = (d: Date | null | undefined) => (d ? d.getTime() : null);

export const lightsQuery: Pick<QueryResolvers, 'promotions' | 'paymentSuccessPage' | 'promotionCampaign'> = {
  promotions: (_, args, ctx) => {
    if (args.near) {
      const bad = invalidPoint(args.near);
      if (bad) throw badUserInput(`near: ${bad}.`, 'near');
    }
    return serve(ctx.db, ctx.clock.now(), ctx.subgraphSecret, {
      placement: args.placement as Placement,
      viewer: viewerOf(ctx.identity),
      near: args.near ?? null,
      query: args.query ?? null,
      first: slots(args.first),
    });
  },
  paymentSuccessPage: (_, { storeId }) => ({ storeId }),
  promotionCampaign: async (_, { id }, ctx) => {
    const c = await ctx.loaders.promotionCampaignById.load(id);
    return c && owns(ctx.identity, c.merchantId) ? c : null;
  },
};

/** Who acts on an existing campaign: `merchant:promotion` for its merchant (unknown: NOT_FOUND from the rule). */
async function campaignActor(ctx: OffersContext, id: string) {
  const c = await ctx.loaders.promotionCampaignById.load(id);
  return asMerchantOf(ctx.identity, c?.merchantId ?? null, SCOPES.promotion);
}

export const lightsMutation: Pick<
  MutationResolvers,
  | 'createPromotionCampaign'
  | 'pausePromotionCampaign'
  | 'resumePromotionCampaign'
  | 'recordPromotionImpression'
  | 'recordPromotionClick'
> = {
  createPromotionCampaign: (_, { input }, ctx) =>
    createPromotionCampaign(ctx.db, ctx.clock.now(), asMerchant(ctx.identity, input.merchantId, SCOPES.promotion), {
      ...input,
      placements: input.placements as Placement[],
    }),
  pausePromotionCampaign: async (_, { id }, ctx) =>
    setPaused(ctx.db, ctx.clock.now(), await campaignActor(ctx, id), id, true),
  resumePromotionCampaign: async (_, { id }, ctx) =>
    setPaused(ctx.db, ctx.clock.now(), await campaignActor(ctx, id), id, false),
  recordPromotionImpression: (_, { token }, ctx) =>
    recordImpression(ctx.db, ctx.clock.now(), ctx.subgraphSecret, viewerOf(ctx.identity), token),
  recordPromotionClick: (_, { token }, ctx) =>
    recordClick(ctx.db, ctx.clock.now(), ctx.subgraphSecret, viewerOf(ctx.identity), token),
};

/** A merchant's campaigns: FORBIDDEN (null) for anyone but its own staff and partners. */
export function merchantPromotionCampaigns(
  m: { id: string },
  args: { first?: number | null; after?: string | null },
  ctx: OffersContext,
) {
  const page: Page = parsePage(args);
  if (!owns(ctx.identity, m.id)) {
    throw forbidden(
      `The campaigns of ${m.id} are the merchant's: they need the "${SCOPES.promotion}" scope and the merchant in your merchant_ids or key allow-list.`,
    );
  }
  return ctx.loaders.promotionCampaignsByMerchantId.load({ parentId: m.id, page });
}

export async function targetOf(c: PromotionCampaignRow, ctx: OffersContext) {
  switch (c.targetType) {
    case 'CouponTemplate': {
      const t = await ctx.loaders.couponTemplateById.load(c.targetId);
      if (!t) throw new Error(`campaign ${c.id} promotes coupon template ${c.targetId}, which is gone`);
      return t;
    }
    case 'GroupBuyCampaign': {
      const g = await ctx.loaders.groupBuyCampaignById.load(c.targetId);
      if (!g) throw new Error(`campaign ${c.id} promotes group buy ${c.targetId}, which is gone`);
      return g;
    }
    default:
      return { id: c.targetId };
  }
}

const TYPE_BY_PREFIX = {
  pst: 'Post',
  cpt: 'CouponTemplate',
  gbc: 'GroupBuyCampaign',
  mp: 'MiniProgram',
  la: 'LifeAccount',
} as const;

export const PromotionTarget: PromotionTargetResolvers = {
  __resolveType: (t) => TYPE_BY_PREFIX[t.id.split('_')[0] as keyof typeof TYPE_BY_PREFIX],
};

export const PromotionSlot: PromotionSlotResolvers = {
  target: (s, _, ctx) => targetOf(s.campaign, ctx),
};

export const PromotionCampaign: PromotionCampaignResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.promotionCampaignById.load(ref.id),
  merchant: (c) => ({ id: c.merchantId }),
  target: (c, _, ctx) => targetOf(c, ctx),
  bid: (c, _, ctx) => own(c, ctx, 'The bid', () => toMoney(c.bidFen)),
  dailyBudget: (c, _, ctx) => own(c, ctx, 'The daily budget', () => toMoney(c.dailyBudgetFen)),
  totalBudget: (c, _, ctx) => own(c, ctx, 'The total budget', () => toMoney(c.totalBudgetFen)),
  targeting: (c, _, ctx) => own(c, ctx, 'The targeting', () => c),
  status: async (c, _, ctx) => campaignStatus(c, await ctx.loaders.todaySpendByCampaignId.load(c.id), ctx.clock.now()),
  spent: (c, _, ctx) => own(c, ctx, 'The spend', () => toMoney(milliFenToFen(c.spentMilliFen))),
  remainingBudget: (c, _, ctx) =>
    own(c, ctx, 'The remaining budget', () => toMoney(milliFenToFen(remainingMilliFen(c, 0).total))),
  report: (c, { from, to }, ctx) =>
    own(c, ctx, 'The report', () => {
      if (from && to && to < from) throw badUserInput('"to" must not be before "from".', 'to');
      return ctx.loaders.reportByCampaign.load({ campaignId: c.id, from: time(from), to: time(to) });
    }),
};

export const PromotionTargeting: PromotionTargetingResolvers = {
  cities: (t) => t.targetCities,
};

export const PromotionReport: PromotionReportResolvers = {
  spend: (r) => toMoney(milliFenToFen(r.spendMilliFen)),
  ctrBps: (r) => (r.impressions === 0 ? 0 : Math.floor((r.clicks * 10_000 * 2 + r.impressions) / (2 * r.impressions))),
  costPerConversion: (r) =>
    r.conversions === 0
      ? null
      : toMoney(Math.floor((r.spendMilliFen * 2 + r.conversions * 1000) / (2000 * r.conversions))),
};

export const PaymentSuccessPage: PaymentSuccessPageResolvers = {
  promotions: (p, args, ctx) => {
    const store = storeLocation(ctx.db, p.storeId);
    if (!store) return [];
    return serve(ctx.db, ctx.clock.now(), ctx.subgraphSecret, {
      placement: 'PAYMENT_SUCCESS',
      viewer: viewerOf(ctx.identity),
      near: { lat: store.lat, lng: store.lng },
      query: null,
      first: slots(args.first),
    });
  },
  nearbyCoupons: (p, args, ctx) => {
    const page = parsePage({ first: args.first ?? 5 });
    return toConnection(nearbyCoupons(ctx.db, ctx.clock.now(), p.storeId, page.limit + 1), page);
  },
};
