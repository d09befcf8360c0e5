import { toMoney } from '../../shared/money.ts';
import type { CouponTemplateRow, OffersContext, Ref } from '../context.ts';
import { templateStatus } from '../rules/status.ts';

const money = (fen: number | null) => (fen === null ? null : toMoney(fen));

export const CouponTemplate = {
  __resolveReference: ({ id }: Ref, ctx: OffersContext) => ctx.loaders.couponTemplateById.load(id),
  merchant: (t: CouponTemplateRow) => ({ id: t.merchantId }),
  faceValue: (t: CouponTemplateRow) => money(t.faceValueFen),
  cap: (t: CouponTemplateRow) => money(t.capFen),
  minSpend: (t: CouponTemplateRow) => toMoney(t.minSpendFen),
  status: (t: CouponTemplateRow, _: unknown, ctx: OffersContext) => templateStatus(t, ctx.clock.now()),
  viewerClaimedCount: (t: CouponTemplateRow, _: unknown, ctx: OffersContext) => {
    const { kind, subject } = ctx.identity;
    if (kind !== 'user' || !subject) return 0;
    return ctx.loaders.viewerClaimedCountByTemplateId.load({ userId: subject, templateId: t.id });
  },
};
