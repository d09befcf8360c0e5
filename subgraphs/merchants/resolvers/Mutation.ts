import { SCOPES } from '../../contract/scopes.ts';
import { asMerchant } from '../../shared/actors.ts';
import type { MutationResolvers } from '../__generated__/resolvers-types.ts';
import { joinConsumptionCircle } from '../rules/consumption-circle.ts';

export const Mutation: MutationResolvers = {
  joinConsumptionCircle: (_, { merchantId }, ctx) =>
    joinConsumptionCircle(ctx.db, ctx.clock.now(), asMerchant(ctx.identity, merchantId, SCOPES.offers)),
};
