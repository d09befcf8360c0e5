import { forbidden } from '../../contract/errors.ts';
import { type PageArgs, parsePage } from '../../shared/connection.ts';
import { canReadUserCoupons } from '../access.ts';
import type { OffersContext, Ref } from '../context.ts';
import type { CouponStatus } from '../rules/status.ts';

export const User = {
  __resolveReference: ({ id }: Ref) => ({ id }),
  coupons: ({ id }: Ref, args: PageArgs & { status?: CouponStatus | null }, ctx: OffersContext) => {
    const page = parsePage(args);
    if (!canReadUserCoupons(ctx.identity, id)) {
      throw forbidden(`A user's coupons are private: sign in as ${id} to see them.`);
    }
    return ctx.loaders.couponsByUserId(args.status ?? null).load({ parentId: id, page });
  },
};
