import type { FieldNode, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { Kind } from 'graphql';

/**
 * Every root mutation field, classified: those that move money or stock count against the per-caller request rate
 * (`moneyMutationsPerMinute`) on top of their cost, like GitHub's secondary limits for content-creating requests.
 * test/unit/rate-limit.test.ts fails when the supergraph has a mutation in neither list, so a new one is classified
 * when it is added.
 */
export const MONEY_OR_STOCK_MUTATIONS = new Set([
  // offers: stock and prices
  'claimCoupon',
  'redeemCoupon',
  'createCouponTemplate',
  'createGroupBuyCampaign',
  'startGroupBuy',
  'joinGroupBuy',
  // social: IOUs and AA group payments
  'createIou',
  'confirmIou',
  'declineIou',
  'repayIou',
  'createGroupPayment',
  'payGroupPaymentShare',
  'cancelGroupPayment',
  // Lights: a campaign commits a budget; an impression or a click is charged to it.
  'createPromotionCampaign',
  'recordPromotionImpression',
  'recordPromotionClick',
]);

export const OTHER_MUTATIONS = new Set([
  'followLifeAccount',
  'unfollowLifeAccount',
  'likePost',
  'unlikePost',
  'favoritePost',
  'unfavoritePost',
  'sharePost',
  'commentOnPost',
  'publishPost',
  'scheduleLiveStream',
  'startLiveStream',
  'endLiveStream',
  'joinConsumptionCircle',
  // A viewer entering or leaving a live stream changes only its viewer count.
  'joinLiveStream',
  'leaveLiveStream',
  // Pausing or resuming a campaign stops or restarts spending; it charges nothing itself.
  'pausePromotionCampaign',
  'resumePromotionCampaign',
  // merchants' profile: stores and mini programs are catalogue facts, no money or stock changes hands.
  'createStore',
  'updateStore',
  'closeStore',
  'publishMiniProgram',
  // An operator's change of a merchant's terms: it prices commissions to come and moves no money itself.
  'setSettlementRate',
  'requestFriend',
  'acceptFriendRequest',
  'declineFriendRequest',
  'cancelFriendRequest',
  'removeFriend',
]);

/**
 * How many money or stock mutations an operation runs (aliases count, fragments are followed), or 0 for queries.
 * A field an unknown fragment or a @skip hides still counts: the limit errs on the side of counting.
 */
export function moneyMutationCount(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, SelectionSetNode>,
): number {
  if (operation.operation !== 'mutation') return 0;
  const seen = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let n = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) n += MONEY_OR_STOCK_MUTATIONS.has((selection as FieldNode).name.value) ? 1 : 0;
      else if (selection.kind === Kind.INLINE_FRAGMENT) n += count(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) n += count(fragment);
      }
    }
    return n;
  };
  return count(operation.selectionSet);
}
