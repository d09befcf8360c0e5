import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { ID_PREFIXES, newId } from '../../contract/ids.ts';
import type { MerchantActor } from '../../shared/actors.ts';
import { beyondHorizonReason } from '../../shared/horizon.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import { invalidAmount, MAX_FEN } from '../../shared/money.ts';
import { characterCount, unsafeTextReason } from '../../shared/text.ts';
import type { OffersDb, OffersTx } from '../context.ts';
import { couponTemplates, groupBuyCampaigns, merchantTerms } from '../tables.ts';
import type { PromotionCampaignRow } from './rows.ts';
import { type Placement, promotionCampaigns, type TargetType } from './tables.ts';

/** The largest bid: 100 000 fen (1 000 yuan) per click or per thousand impressions. */
export const MAX_BID_FEN = 100_000;
/** Budgets, daily and total, are at most MAX_FEN (1 000 000 yuan), like every merchant-side amount. */
export const MAX_BUDGET_FEN = MAX_FEN;
export const MAX_RADIUS_METERS = 50_000;
export const MIN_RADIUS_METERS = 100;
const MAX_LIST = 20;

/** What a target id's prefix says it is. */
const TARGET_PREFIXES: Record<string, TargetType> = {
  [ID_PREFIXES.Post]: 'Post',
  [ID_PREFIXES.CouponTemplate]: 'CouponTemplate',
  [ID_PREFIXES.GroupBuyCampaign]: 'GroupBuyCampaign',
  [ID_PREFIXES.MiniProgram]: 'MiniProgram',
  [ID_PREFIXES.LifeAccount]: 'LifeAccount',
};

export interface CreatePromotionCampaignInput {
  merchantId: string;
  name: string;
  placements: Placement[];
  targetId: string;
  bidding: 'CPC' | 'CPM';
  bidFen: number;
  dailyBudgetFen: number;
  totalBudgetFen: number;
  startsAt: Date;
  endsAt: Date;
  targeting?: { cities?: string[] | null; radiusMeters?: number | null; keywords?: string[] | null } | null;
  idempotencyKey: string;
}

export interface CampaignResult {
  campaign: PromotionCampaignRow | null;
  userErrors: UserError[];
}

const bad = (field: string, message: string) => userError('INVALID_INPUT', message, ['input', field]);

/** The type of a target the merchant may promote, or the user error saying why not. */
function targetOf(tx: OffersTx, merchantId: string, targetId: string): TargetType | UserError {
  const type = TARGET_PREFIXES[targetId.split('_')[0] ?? ''];
  if (!type || !/^[a-z]+_[A-Za-z0-9_]{1,100}$/.test(targetId)) {
    return bad('targetId', 'targetId must be a post, coupon template, group buy, mini program or life account id.');
  }
  // Offers owns coupon templates and group buys: they must exist and be the merchant's. The others belong to other
  // subgraphs; their id's form is checked here and the gateway resolves them when served.
  const table = type === 'CouponTemplate' ? couponTemplates : type === 'GroupBuyCampaign' ? groupBuyCampaigns : null;
  if (table) {
    const row = tx.select({ merchantId: table.merchantId }).from(table).where(eq(table.id, targetId)).get();
    if (!row || row.merchantId !== merchantId)
      return bad('targetId', `No ${type} ${targetId} of merchant ${merchantId}.`);
  }
  return type;
}

function cleanList(values: string[] | null | undefined, field: string, maxLength: number, errors: UserError[]) {
  const list = [...new Set((values ?? []).map((v) => v.trim()))];
  if (list.length > MAX_LIST) errors.push(bad(field, `${field} takes at most ${MAX_LIST} entries.`));
  for (const v of list) {
    const n = characterCount(v);
    if (n < 1 || n > maxLength || unsafeTextReason(field, v)) {
      errors.push(bad(field, `Each of ${field} must be 1 to ${maxLength} visible characters on one line.`));
      break;
    }
  }
  return list;
}

/** Every INVALID_INPUT of the input at once; the row to insert when there is none. */
function validate(tx: OffersTx, now: Date, input: CreatePromotionCampaignInput) {
  const errors: UserError[] = [];
  const amount = (fen: number, field: string, max: number) => {
    const e = invalidAmount(fen, field, { min: 1, max });
    if (e) errors.push(e);
    return !e;
  };
  if (!tx.select().from(merchantTerms).where(eq(merchantTerms.merchantId, input.merchantId)).get()) {
    errors.push(bad('merchantId', `No merchant ${input.merchantId}.`));
  }
  const name = input.name.trim();
  if (characterCount(name) < 1 || characterCount(name) > 100 || unsafeTextReason('name', input.name)) {
    errors.push(bad('name', 'name must have 1 to 100 visible characters on one line.'));
  }
  const placements = [...new Set(input.placements)];
  if (placements.length === 0) errors.push(bad('placements', 'Give at least one placement.'));
  const target = targetOf(tx, input.merchantId, input.targetId);
  if (typeof target !== 'string') errors.push(target);
  const bidOk = amount(input.bidFen, 'bidFen', MAX_BID_FEN);
  const dailyOk = amount(input.dailyBudgetFen, 'dailyBudgetFen', MAX_BUDGET_FEN);
  const totalOk = amount(input.totalBudgetFen, 'totalBudgetFen', MAX_BUDGET_FEN);
  if (dailyOk && totalOk && input.totalBudgetFen < input.dailyBudgetFen) {
    errors.push(bad('totalBudgetFen', 'totalBudgetFen must be at least dailyBudgetFen.'));
  }
  // One charge must fit in a day's budget: a CPC click costs up to the bid, a CPM impression bid/1000.
  if (bidOk && dailyOk && input.bidding === 'CPC' && input.bidFen > input.dailyBudgetFen) {
    errors.push(bad('bidFen', 'A CPC bid must not exceed dailyBudgetFen: the budget could not pay one click.'));
  }
  if (input.endsAt <= input.startsAt) errors.push(bad('endsAt', 'endsAt must be after startsAt.'));
  else if (input.endsAt <= now) errors.push(bad('endsAt', 'endsAt must be in the future.'));
  const far = beyondHorizonReason('endsAt', input.endsAt, now);
  if (far) errors.push(bad('endsAt', far));
  const t = input.targeting ?? {};
  const cities = cleanList(t.cities, 'cities', 50, errors);
  const keywords = cleanList(t.keywords, 'keywords', 30, errors).map((k) => k.toLowerCase());
  const radius = t.radiusMeters ?? null;
  if (radius !== null && (!Number.isSafeInteger(radius) || radius < MIN_RADIUS_METERS || radius > MAX_RADIUS_METERS)) {
    errors.push(
      bad(
        'radiusMeters',
        `radiusMeters must be a whole number from ${MIN_RADIUS_METERS} to ${MAX_RADIUS_METERS}, or absent.`,
      ),
    );
  }
  if (placements.includes('SEARCH') && keywords.length === 0) {
    errors.push(bad('keywords', 'A SEARCH campaign needs at least one keyword to match queries.'));
  }
  if (errors.length > 0 || typeof target !== 'string') return { errors };
  const row: PromotionCampaignRow = {
    id: newId('prc'),
    merchantId: input.merchantId,
    name,
    placements,
    targetType: target,
    targetId: input.targetId,
    bidding: input.bidding,
    bidFen: input.bidFen,
    dailyBudgetFen: input.dailyBudgetFen,
    totalBudgetFen: input.totalBudgetFen,
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    targetCities: cities,
    radiusMeters: radius,
    keywords,
    spentMilliFen: 0,
    pausedAt: null,
    createdAt: now,
  };
  return { errors, row };
}

/**
 * Creates a campaign for the actor's merchant (the resolver checked `merchant:promotion` for `input.merchantId`),
 * idempotently: the same key and input return the first campaign (or the same user errors).
 */
export function createPromotionCampaign(
  db: OffersDb,
  now: Date,
  actor: MerchantActor,
  input: CreatePromotionCampaignInput,
): CampaignResult {
  const { idempotencyKey, ...rest } = input;
  const request = { ...rest, startsAt: input.startsAt.getTime(), endsAt: input.endsAt.getTime() };
  const call = { actor, key: idempotencyKey, operation: 'createPromotionCampaign', request, now };
  return idempotentTransaction(db, call, (tx) => ({
    entities: { campaign: promotionCampaigns },
    attempt: () => {
      const { errors, row } = validate(tx, now, input);
      if (!row) return { campaign: null, userErrors: errors };
      return { campaign: tx.insert(promotionCampaigns).values(row).returning().get(), userErrors: [] };
    },
    refuse: (error) => ({ campaign: null, userErrors: [error] }),
  }));
}

/**
 * Pauses (or resumes) a campaign of the actor's merchant. Pausing a paused campaign, or resuming a running one, is
 * the user error NOT_PAUSED / ALREADY_PAUSED and changes nothing; an unknown campaign (or another merchant's) is
 * NOT_FOUND.
 */
export function setPaused(db: OffersDb, now: Date, actor: MerchantActor, id: string, pause: boolean): CampaignResult {
  return db.transaction(
    (tx) => {
      const c = tx.select().from(promotionCampaigns).where(eq(promotionCampaigns.id, id)).get();
      if (!c || c.merchantId !== actor.merchantId) {
        return { campaign: null, userErrors: [userError('NOT_FOUND', `No campaign ${id} of yours.`, ['id'])] };
      }
      const updated = tx
        .update(promotionCampaigns)
        .set({ pausedAt: pause ? now : null })
        .where(
          and(
            eq(promotionCampaigns.id, id),
            pause ? isNull(promotionCampaigns.pausedAt) : isNotNull(promotionCampaigns.pausedAt),
          ),
        )
        .returning()
        .get();
      if (!updated) {
        const code = pause ? 'ALREADY_PAUSED' : 'NOT_PAUSED';
        return {
          campaign: c,
          userErrors: [
            userError(code, pause ? 'The campaign is already paused.' : 'The campaign is not paused.', ['id']),
          ],
        };
      }
      return { campaign: updated, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}
