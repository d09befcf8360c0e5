import { viewerOf } from '../../shared/actors.ts';
import { toMoney } from '../../shared/money.ts';
import type { CouponTemplateResolvers } from '../__generated__/resolvers-types.ts';
import { templateStatus } from '../rules/status.ts';

const money = (fen: number | null) => (fen === null ? null : toMoney(fen));

export const CouponTemplate: CouponTemplateResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.couponTemplateById.load(ref.id),
  merchant: (t) => ({ id: t.merchantId }),
  faceValue: (t) => money(t.faceValueFen),
  cap: (t) => money(t.capFen),
  minSpend: (t) => toMoney(t.minSpendFen),
  status: (t, _, ctx) => templateStatus(t, ctx.clock.now()),
  viewerClaimedCount: (t, _, ctx) => {
    const viewer = viewerOf(ctx.identity);
    return viewer ? ctx.loaders.viewerClaimedCountByTemplateId.load({ userId: viewer.userId, templateId: t.id }) : 0;
  },
};
