import { forbidden } from '../../contract/errors.ts';
import { viewerOf } from '../../shared/actors.ts';
import { parsePage } from '../../shared/connection.ts';
import type { UserResolvers } from '../__generated__/resolvers-types.ts';

export const User: UserResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  /** A user's coupons are theirs alone (a later issue may add support staff). */
  coupons: (u, args, ctx) => {
    const page = parsePage(args);
    if (viewerOf(ctx.identity)?.userId !== u.id) {
      throw forbidden(`A user's coupons are private: sign in as ${u.id} to see them.`);
    }
    return ctx.loaders.couponsByUserId(args.status ?? null).load({ parentId: u.id, page });
  },
};
