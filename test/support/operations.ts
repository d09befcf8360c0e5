import { LIVE_ROOM_PAGE_QUERY, LIVE_ROOM_UPDATES } from '../../gateway/subscriptions/live-room.ts';

/** The operations the client teams rely on (issue #2), exactly as they send them. */

export const LIFE_FEED = /* GraphQL */ `#graphql
  query LifeFeed($first: Int!, $after: String, $near: GeoPointInput) {
    lifeChannelFeed(first: $first, after: $after, near: $near) {
      edges { cursor node {
        id kind title publishedAt likeCount commentCount viewerHasLiked
        account { id name kind followerCount viewerIsFollowing merchant { id name category { name } } }
        attachments {
          __typename
          ... on CouponTemplate { id title remainingStock faceValue { yuan } minSpend { yuan } merchant { name } }
          ... on GroupBuyCampaign { id title groupSize groupPrice { yuan } }
          ... on MiniProgram { appId name }
        }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const NEARBY_DEALS = /* GraphQL */ `#graphql
  query NearbyDeals($at: GeoPointInput!, $radius: Int!) {
    storesNear(location: $at, radiusMeters: $radius, first: 10) {
      edges { node {
        id name distanceMeters location { lat lng }
        merchant { id name lifeAccount { id followerCount }
          couponTemplates(first: 3) { edges { node { id title remainingStock } } }
          groupBuyCampaigns(first: 3) { edges { node { id title groupSize } } } }
      } }
    }
  }
`;

export const WALLET = /* GraphQL */ `#graphql
  query Wallet {
    me { id nickname
      friends(first: 20) { edges { node { id nickname } } }
      following(first: 20) { edges { node { id name } } }
      coupons(first: 20) { edges { node { id status expiresAt template { title merchant { name } } } } }
      ious(first: 20) { edges { node { id status principal { yuan } outstanding { yuan } dueDate
        lender { nickname } borrower { nickname } } } }
      groupPayments(first: 20) { edges { node { id title total { yuan } store { name merchant { name } }
        shares { user { nickname } amount { fen } paid } } } }
    }
  }
`;

/** MerchantPage with the page size as a variable, so the N+1 test can compare 5 and 50. */
export const MERCHANT_PAGE = /* GraphQL */ `#graphql
  query MerchantPage($id: ID!, $n: Int = 5) {
    merchant(id: $id) { id name category { name }
      stores(first: $n) { edges { node { id name address } } }
      miniPrograms { appId name onlineSince }
      lifeAccount { id name followerCount
        posts(first: $n) { edges { node { id title } } }
        liveStreams(first: 3) { edges { node { id title status } } } }
      couponTemplates(first: $n) { edges { node { id title remainingStock } } }
      groupBuyCampaigns(first: $n) { edges { node { id title
        openGroups(first: $n) { edges { node { id remainingSlots members { user { nickname } } } } } } } }
    }
  }
`;

export const LIVE_ROOM = /* GraphQL */ `#graphql
  query LiveRoom($id: ID!) {
    liveStream(id: $id) { id title status viewerCount
      account { name merchant { name } }
      featuredOffers { __typename ... on CouponTemplate { id title } ... on GroupBuyCampaign { id title } }
    }
  }
`;

/** The wallet screen's live updates: what changed, with enough of it to update the screen in place. */
export const WALLET_UPDATES = /* GraphQL */ `#graphql
  subscription WalletUpdates {
    myWallet { kind at
      coupon { id status expiresAt template { title merchant { name } } }
      iou { id status outstanding { yuan } }
      groupPayment { id title total { yuan } }
      fromUser { id nickname }
    }
  }
`;

/** West Lake, Hangzhou: the fixed KFC store is a few hundred meters away. */
export const WEST_LAKE = { lat: 30.2591, lng: 120.1488 };

/**
 * Every operation above, as the app's frontends send them: `npm run trusted-documents` lists these in
 * schema/trusted-documents.json, the only documents callers without an API key may run in production.
 */
export const CLIENT_OPERATIONS: readonly string[] = [
  LIFE_FEED,
  NEARBY_DEALS,
  WALLET,
  MERCHANT_PAGE,
  LIVE_ROOM,
  WALLET_UPDATES,
  // The live-room page (GET /live/<id>): its first read and its subscription.
  LIVE_ROOM_PAGE_QUERY,
  LIVE_ROOM_UPDATES,
];
