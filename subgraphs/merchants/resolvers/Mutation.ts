import { SCOPES } from '../../contract/scopes.ts';
import { asMerchant, asMerchantOf, asOperator, requireScope } from '../../shared/actors.ts';
import type { MutationResolvers } from '../__generated__/resolvers-types.ts';
import type { MerchantsContext } from '../context.ts';
import { joinConsumptionCircle } from '../rules/consumption-circle.ts';
import { publishMiniProgram } from '../rules/mini-programs.ts';
import { setSettlementRate } from '../rules/settlement-rate.ts';
import { closeStore, createStore, updateStore } from '../rules/stores.ts';

/** Who may change a store: refused before the store is read, then checked against the store's merchant. */
async function storeEditor(ctx: MerchantsContext, storeId: string) {
  requireScope(ctx.identity, SCOPES.profile);
  const store = await ctx.loaders.storeById.load(storeId);
  return asMerchantOf(ctx.identity, store?.merchantId ?? null, SCOPES.profile);
}

export const Mutation: MutationResolvers = {
  joinConsumptionCircle: (_, { merchantId }, ctx) =>
    joinConsumptionCircle(ctx.db, ctx.clock.now(), asMerchant(ctx.identity, merchantId, SCOPES.offers)),
  createStore: (_, { input }, ctx) =>
    createStore(ctx.db, ctx.clock.now(), asMerchant(ctx.identity, input.merchantId, SCOPES.profile), input),
  updateStore: async (_, { id, input }, ctx) =>
    updateStore(ctx.db, ctx.clock.now(), await storeEditor(ctx, id), id, input),
  closeStore: async (_, { id }, ctx) => closeStore(ctx.db, ctx.clock.now(), await storeEditor(ctx, id), id),
  publishMiniProgram: (_, { input }, ctx) =>
    publishMiniProgram(ctx.db, ctx.clock.now(), asMerchant(ctx.identity, input.merchantId, SCOPES.profile), input),
  setSettlementRate: (_, args, ctx) => setSettlementRate(ctx.db, ctx.clock.now(), asOperator(ctx.identity), args),
};
