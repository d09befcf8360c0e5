import { eq } from 'drizzle-orm';
import { type UserError, userError } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import type { CouponTemplateRow, GroupBuyCampaignRow, OffersDb } from '../db.ts';
import { couponTemplates, groupBuyCampaigns, merchantTerms } from '../tables.ts';

export interface CreateCouponTemplateInput {
  merchantId: string;
  title: string;
  kind: 'FIXED_AMOUNT' | 'PERCENT_OFF';
  faceValueFen?: number | null;
  percentOff?: number | null;
  capFen?: number | null;
  minSpendFen?: number | null;
  totalStock: number;
  perUserLimit?: number | null;
  claimStartsAt: Date;
  claimEndsAt: Date;
  validDays: number;
}

export interface CreateGroupBuyCampaignInput {
  merchantId: string;
  title: string;
  groupSize: number;
  groupPriceFen: number;
  originalPriceFen: number;
  fillWithinMinutes: number;
  startsAt: Date;
  endsAt: Date;
}

/** Collects every INVALID_INPUT of one input at once, so a form can mark all its bad fields together. */
class Checks {
  readonly errors: UserError[] = [];
  require(ok: boolean, field: string, message: string): void {
    if (!ok) this.errors.push(userError('INVALID_INPUT', message, ['input', field]));
  }
  intBetween(value: number | null | undefined, field: string, min: number, max: number): void {
    this.require(
      value != null && Number.isSafeInteger(value) && value >= min && value <= max,
      field,
      `${field} must be a whole number from ${min} to ${max}.`,
    );
  }
  title(value: string): void {
    const length = value.trim().length;
    this.require(length >= 1 && length <= 100, 'title', 'title must have 1 to 100 characters.');
  }
  window(start: Date, end: Date, now: Date, fields: [string, string]): void {
    this.require(end > start, fields[1], `${fields[1]} must be after ${fields[0]}.`);
    this.require(end > now, fields[1], `${fields[1]} must be in the future.`);
  }
}

const MAX_FEN = 100_000_000; // ¥1,000,000: far above any coupon or group price, far below float trouble.

function merchantExists(db: OffersDb, merchantId: string): boolean {
  return db.select().from(merchantTerms).where(eq(merchantTerms.merchantId, merchantId)).get() !== undefined;
}

/** Validates and stores a new coupon template; its whole stock is claimable. */
export function createCouponTemplate(
  db: OffersDb,
  now: Date,
  input: CreateCouponTemplateInput,
): { couponTemplate: CouponTemplateRow | null; userErrors: UserError[] } {
  const c = new Checks();
  c.require(merchantExists(db, input.merchantId), 'merchantId', `No merchant ${input.merchantId}.`);
  c.title(input.title);
  if (input.kind === 'FIXED_AMOUNT') {
    c.intBetween(input.faceValueFen, 'faceValueFen', 1, MAX_FEN);
    c.require(input.percentOff == null, 'percentOff', 'percentOff is only for PERCENT_OFF coupons.');
    c.require(input.capFen == null, 'capFen', 'capFen is only for PERCENT_OFF coupons.');
  } else {
    c.intBetween(input.percentOff, 'percentOff', 1, 99);
    c.require(input.faceValueFen == null, 'faceValueFen', 'faceValueFen is only for FIXED_AMOUNT coupons.');
    if (input.capFen != null) c.intBetween(input.capFen, 'capFen', 1, MAX_FEN);
  }
  c.intBetween(input.minSpendFen ?? 0, 'minSpendFen', 0, MAX_FEN);
  c.intBetween(input.totalStock, 'totalStock', 1, 10_000_000);
  c.intBetween(input.perUserLimit ?? 1, 'perUserLimit', 1, 100);
  c.window(input.claimStartsAt, input.claimEndsAt, now, ['claimStartsAt', 'claimEndsAt']);
  c.intBetween(input.validDays, 'validDays', 1, 3650);
  if (c.errors.length > 0) return { couponTemplate: null, userErrors: c.errors };
  const couponTemplate = db
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
  return { couponTemplate, userErrors: [] };
}

/** Validates and stores a new group-buy campaign. */
export function createGroupBuyCampaign(
  db: OffersDb,
  now: Date,
  input: CreateGroupBuyCampaignInput,
): { groupBuyCampaign: GroupBuyCampaignRow | null; userErrors: UserError[] } {
  const c = new Checks();
  c.require(merchantExists(db, input.merchantId), 'merchantId', `No merchant ${input.merchantId}.`);
  c.title(input.title);
  c.intBetween(input.groupSize, 'groupSize', 2, 100);
  c.intBetween(input.originalPriceFen, 'originalPriceFen', 1, MAX_FEN);
  c.intBetween(input.groupPriceFen, 'groupPriceFen', 1, MAX_FEN);
  c.require(
    input.groupPriceFen < input.originalPriceFen,
    'groupPriceFen',
    'groupPriceFen must be below originalPriceFen: the group price is the deal.',
  );
  c.intBetween(input.fillWithinMinutes, 'fillWithinMinutes', 1, 7 * 24 * 60);
  c.window(input.startsAt, input.endsAt, now, ['startsAt', 'endsAt']);
  if (c.errors.length > 0) return { groupBuyCampaign: null, userErrors: c.errors };
  const groupBuyCampaign = db
    .insert(groupBuyCampaigns)
    .values({ id: newId('gbc'), ...input, title: input.title.trim(), createdAt: now })
    .returning()
    .get();
  return { groupBuyCampaign, userErrors: [] };
}
