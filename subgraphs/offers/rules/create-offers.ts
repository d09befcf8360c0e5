import { eq } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { MerchantActor } from '../../shared/actors.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import type { EventPayloads } from '../../shared/events/types.ts';
import { beyondHorizonReason, DAY_MS, latestAllowedDate, MAX_HORIZON_DAYS } from '../../shared/horizon.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import { invalidAmount, MAX_FEN } from '../../shared/money.ts';
import { characterCount, unsafeTextReason } from '../../shared/text.ts';
import type { CreateCouponTemplateInput, CreateGroupBuyCampaignInput } from '../__generated__/resolvers-types.ts';
import type { CouponTemplateRow, GroupBuyCampaignRow, OffersDb, OffersTx } from '../context.ts';
import { couponTemplates, groupBuyCampaigns, merchantTerms } from '../tables.ts';

export interface CreateCouponTemplateResult {
  couponTemplate: CouponTemplateRow | null;
  userErrors: UserError[];
}

export interface CreateGroupBuyCampaignResult {
  groupBuyCampaign: GroupBuyCampaignRow | null;
  userErrors: UserError[];
}

/** Collects every INVALID_INPUT of one input at once, so a form can mark all its bad fields together. */
class Checks {
  readonly errors: UserError[] = [];
  require(ok: boolean, field: string, message: string): void {
    if (!ok) this.errors.push(userError('INVALID_INPUT', message, ['input', field]));
  }
  /** An amount of fen, checked as every amount a client sends is (`invalidAmount`). */
  fen(value: number | null | undefined, field: string, min: number): void {
    const error = invalidAmount(value, field, { min, max: MAX_FEN });
    if (error) this.errors.push(error);
  }
  intBetween(value: number | null | undefined, field: string, min: number, max: number): void {
    this.require(
      value != null && Number.isSafeInteger(value) && value >= min && value <= max,
      field,
      `${field} must be a whole number from ${min} to ${max}.`,
    );
  }
  title(value: string): void {
    const length = characterCount(value.trim());
    this.require(length >= 1 && length <= 100, 'title', 'title must have 1 to 100 characters.');
    const unsafe = unsafeTextReason('title', value);
    if (unsafe) this.require(false, 'title', unsafe);
  }
  /**
   * A coupon's expiry has the same horizon as any client-given date: one claimed at the last moment
   * (claimEndsAt) expires validDays later, and that must be at most 5 years ahead of now, so no template
   * commits the merchant to honouring coupons for longer.
   */
  expiryWithinHorizon(claimEndsAt: Date, validDays: number, now: Date): void {
    const latestExpiry = new Date(claimEndsAt.getTime() + validDays * DAY_MS);
    if (beyondHorizonReason('expiry', latestExpiry, now) === null) return;
    const horizon = latestAllowedDate(now);
    const daysLeft = Math.floor((horizon.getTime() - claimEndsAt.getTime()) / DAY_MS);
    this.require(
      false,
      'validDays',
      `validDays is too long for this claim window: a coupon claimed at claimEndsAt would expire at ` +
        `${latestExpiry.toISOString()}, but coupons must expire within ${MAX_HORIZON_DAYS / 365} years ` +
        `(by ${horizon.toISOString()}); ` +
        (daysLeft >= 1
          ? `give at most ${daysLeft} days or end the claim window earlier.`
          : 'end the claim window at least a day before then.'),
    );
  }
  window(start: Date, end: Date, now: Date, fields: [string, string]): void {
    this.require(end > start, fields[1], `${fields[1]} must be after ${fields[0]}.`);
    this.require(end > now, fields[1], `${fields[1]} must be in the future.`);
    // The end bounds the start too (it must come after it); one error for the field the client should fix.
    const tooFar = beyondHorizonReason(fields[1], end, now);
    if (tooFar) this.require(false, fields[1], tooFar);
  }
}

function merchantExists(tx: OffersTx, merchantId: string): boolean {
  return tx.select().from(merchantTerms).where(eq(merchantTerms.merchantId, merchantId)).get() !== undefined;
}

/**
 * Validates and stores a new coupon template for the actor's merchant (the resolver checked that the actor acts for
 * `input.merchantId`); its whole stock is claimable. The key is optional: without one every call creates; with one
 * the create is idempotent as the money and stock mutations are (refusals replayed, another input under the key is
 * IDEMPOTENCY_KEY_REUSED), in one immediate transaction.
 */
export function createCouponTemplate(
  db: OffersDb,
  now: Date,
  actor: MerchantActor,
  input: CreateCouponTemplateInput,
): CreateCouponTemplateResult {
  // The input as the rule reads it (defaults filled, times as numbers), so an omitted field and its default
  // are the same request.
  const request = {
    merchantId: input.merchantId,
    title: input.title,
    kind: input.kind,
    faceValueFen: input.faceValueFen ?? null,
    percentOff: input.percentOff ?? null,
    capFen: input.capFen ?? null,
    minSpendFen: input.minSpendFen ?? 0,
    totalStock: input.totalStock,
    perUserLimit: input.perUserLimit ?? 1,
    claimStartsAt: input.claimStartsAt.getTime(),
    claimEndsAt: input.claimEndsAt.getTime(),
    validDays: input.validDays,
  };
  const call = { actor, key: input.idempotencyKey, operation: 'createCouponTemplate', request, now };
  const refuse = (error: UserError): CreateCouponTemplateResult => ({ couponTemplate: null, userErrors: [error] });
  return idempotentTransaction(db, call, (tx) => ({
    entities: { couponTemplate: couponTemplates },
    attempt: () => attemptCreateTemplate(tx, now, input),
    refuse,
  }));
}

function attemptCreateTemplate(tx: OffersTx, now: Date, input: CreateCouponTemplateInput): CreateCouponTemplateResult {
  const c = new Checks();
  c.require(merchantExists(tx, input.merchantId), 'merchantId', `No merchant ${input.merchantId}.`);
  c.title(input.title);
  if (input.kind === 'FIXED_AMOUNT') {
    c.fen(input.faceValueFen, 'faceValueFen', 1);
    c.require(input.percentOff == null, 'percentOff', 'percentOff is only for PERCENT_OFF coupons.');
    c.require(input.capFen == null, 'capFen', 'capFen is only for PERCENT_OFF coupons.');
  } else {
    c.intBetween(input.percentOff, 'percentOff', 1, 99);
    c.require(input.faceValueFen == null, 'faceValueFen', 'faceValueFen is only for FIXED_AMOUNT coupons.');
    if (input.capFen != null) c.fen(input.capFen, 'capFen', 1);
  }
  c.fen(input.minSpendFen ?? 0, 'minSpendFen', 0);
  c.intBetween(input.totalStock, 'totalStock', 1, 10_000_000);
  c.intBetween(input.perUserLimit ?? 1, 'perUserLimit', 1, 100);
  c.window(input.claimStartsAt, input.claimEndsAt, now, ['claimStartsAt', 'claimEndsAt']);
  c.intBetween(input.validDays, 'validDays', 1, MAX_HORIZON_DAYS);
  if (c.errors.length === 0) c.expiryWithinHorizon(input.claimEndsAt, input.validDays, now);
  if (c.errors.length > 0) return { couponTemplate: null, userErrors: c.errors };
  const couponTemplate = tx
    .insert(couponTemplates)
    .values({
      id: newId('cpt'),
      merchantId: input.merchantId,
      title: input.title.trim(),
      kind: input.kind,
      faceValueFen: input.kind === 'FIXED_AMOUNT' ? (input.faceValueFen ?? null) : null,
      percentOff: input.kind === 'PERCENT_OFF' ? (input.percentOff ?? null) : null,
      capFen: input.kind === 'PERCENT_OFF' ? (input.capFen ?? null) : null,
      minSpendFen: input.minSpendFen ?? 0,
      totalStock: input.totalStock,
      remainingStock: input.totalStock,
      perUserLimit: input.perUserLimit ?? 1,
      claimStartsAt: input.claimStartsAt,
      claimEndsAt: input.claimEndsAt,
      validDays: input.validDays,
      createdAt: now,
    })
    .returning()
    .get();
  recordEvent(tx, {
    type: 'coupon_template.created',
    entityId: couponTemplate.id,
    occurredAt: now,
    payload: couponTemplateCreated(couponTemplate),
  });
  return { couponTemplate, userErrors: [] };
}

/** Validates and stores a new group-buy campaign for the actor's merchant, as `createCouponTemplate`. */
export function createGroupBuyCampaign(
  db: OffersDb,
  now: Date,
  actor: MerchantActor,
  input: CreateGroupBuyCampaignInput,
): CreateGroupBuyCampaignResult {
  const request = {
    merchantId: input.merchantId,
    title: input.title,
    groupSize: input.groupSize,
    groupPriceFen: input.groupPriceFen,
    originalPriceFen: input.originalPriceFen,
    fillWithinMinutes: input.fillWithinMinutes,
    startsAt: input.startsAt.getTime(),
    endsAt: input.endsAt.getTime(),
  };
  const call = { actor, key: input.idempotencyKey, operation: 'createGroupBuyCampaign', request, now };
  const refuse = (error: UserError): CreateGroupBuyCampaignResult => ({ groupBuyCampaign: null, userErrors: [error] });
  return idempotentTransaction(db, call, (tx) => ({
    entities: { groupBuyCampaign: groupBuyCampaigns },
    attempt: () => attemptCreateCampaign(tx, now, input),
    refuse,
  }));
}

function attemptCreateCampaign(
  tx: OffersTx,
  now: Date,
  input: CreateGroupBuyCampaignInput,
): CreateGroupBuyCampaignResult {
  const c = new Checks();
  c.require(merchantExists(tx, input.merchantId), 'merchantId', `No merchant ${input.merchantId}.`);
  c.title(input.title);
  c.intBetween(input.groupSize, 'groupSize', 2, 100);
  const errorsBeforePrices = c.errors.length;
  c.fen(input.originalPriceFen, 'originalPriceFen', 1);
  c.fen(input.groupPriceFen, 'groupPriceFen', 1);
  // Compared only when both are in range: one error per field, the one the client should fix first.
  if (c.errors.length === errorsBeforePrices) {
    c.require(
      input.groupPriceFen < input.originalPriceFen,
      'groupPriceFen',
      'groupPriceFen must be below originalPriceFen: the group price is the deal.',
    );
  }
  c.intBetween(input.fillWithinMinutes, 'fillWithinMinutes', 1, 7 * 24 * 60);
  c.window(input.startsAt, input.endsAt, now, ['startsAt', 'endsAt']);
  if (c.errors.length > 0) return { groupBuyCampaign: null, userErrors: c.errors };
  const groupBuyCampaign = tx
    .insert(groupBuyCampaigns)
    .values({
      id: newId('gbc'),
      merchantId: input.merchantId,
      title: input.title.trim(),
      groupSize: input.groupSize,
      groupPriceFen: input.groupPriceFen,
      originalPriceFen: input.originalPriceFen,
      fillWithinMinutes: input.fillWithinMinutes,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      createdAt: now,
    })
    .returning()
    .get();
  // Search indexes campaigns from this event (subgraphs/offers/search), like any other projection.
  recordEvent(tx, {
    type: 'group_buy_campaign.created',
    entityId: groupBuyCampaign.id,
    occurredAt: now,
    payload: groupBuyCampaignCreated(groupBuyCampaign),
  });
  return { groupBuyCampaign, userErrors: [] };
}

/** The payload of `coupon_template.created` for a stored template (the rule and the seed's history). */
export function couponTemplateCreated(
  t: Pick<
    CouponTemplateRow,
    'id' | 'merchantId' | 'title' | 'kind' | 'totalStock' | 'minSpendFen' | 'claimStartsAt' | 'claimEndsAt'
  >,
): EventPayloads['coupon_template.created'] {
  return {
    templateId: t.id,
    merchantId: t.merchantId,
    title: t.title,
    kind: t.kind,
    totalStock: t.totalStock,
    minSpendFen: t.minSpendFen,
    claimStartsAt: t.claimStartsAt.toISOString(),
    claimEndsAt: t.claimEndsAt.toISOString(),
  };
}

/** The payload of `group_buy_campaign.created` for a stored campaign (the rule and the seed's history). */
export function groupBuyCampaignCreated(
  c: Pick<
    GroupBuyCampaignRow,
    'id' | 'merchantId' | 'title' | 'groupSize' | 'groupPriceFen' | 'originalPriceFen' | 'startsAt' | 'endsAt'
  >,
): EventPayloads['group_buy_campaign.created'] {
  return {
    campaignId: c.id,
    merchantId: c.merchantId,
    title: c.title,
    groupSize: c.groupSize,
    groupPriceFen: c.groupPriceFen,
    originalPriceFen: c.originalPriceFen,
    startsAt: c.startsAt.toISOString(),
    endsAt: c.endsAt.toISOString(),
  };
}
