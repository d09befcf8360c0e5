/**
 * Every event a subgraph publishes, with its payload and the payload's version. A consumer reads `version`
 * before the payload: a change that drops or retypes a field is a new version (and consumers learn it first);
 * adding an optional field is not. Times are ISO-8601 UTC strings, money integer fen, ids the graph's ids.
 */

/** Merchants' events. */
export interface MerchantPayload {
  merchantId: string;
  name: string;
  categoryId: string;
  status: string;
  settlementRateBps: number;
  serviceProviderId: string | null;
  city: string;
  /** When the merchant joined the consumption circle; absent or null: not a member (optional, so still version 1). */
  joinedCircleAt?: string | null;
  /** The brand's Chinese name, when it has one (added without a new version: optional). */
  nameZh?: string | null;
  /** The category's display name, for search (optional, as nameZh). */
  categoryName?: string;
}

/** A store as it is after the change (created or updated): consumers replace their copy with it. */
export interface StorePayload {
  storeId: string;
  merchantId: string;
  name: string;
  address: string;
  city: string;
  lat: number;
  lng: number;
  openingHours: string;
}

export interface EventPayloads {
  'merchant.created': MerchantPayload;
  'merchant.updated': MerchantPayload;
  'merchant.settlement_rate_changed': { merchantId: string; settlementRateBps: number; previousRateBps: number };
  'store.created': StorePayload;
  'store.updated': StorePayload;
  'store.closed': { storeId: string; merchantId: string; closedAt: string };
  'mini_program.published': {
    miniProgramId: string;
    merchantId: string;
    appId: string;
    name: string;
    onlineSince: string;
  };
  'life_account.created': {
    accountId: string;
    kind: string;
    name: string;
    bio: string;
    merchantId: string | null;
    createdAt: string;
  };
  'post.published': {
    postId: string;
    accountId: string;
    merchantId: string | null;
    kind: string;
    title: string;
    storeId: string | null;
    publishedAt: string;
  };
  'live_stream.scheduled': { liveStreamId: string; accountId: string; title: string; scheduledAt: string };
  'live_stream.started': { liveStreamId: string; accountId: string; startedAt: string };
  'live_stream.ended': { liveStreamId: string; accountId: string; endedAt: string; viewerCount: number };
  'live_stream.viewers_changed': { liveStreamId: string; viewerCount: number };
  'coupon_template.created': {
    templateId: string;
    merchantId: string;
    title: string;
    kind: string;
    totalStock: number;
    minSpendFen: number;
    claimStartsAt: string;
    claimEndsAt: string;
  };
  'group_buy_campaign.created': {
    campaignId: string;
    merchantId: string;
    title: string;
    groupSize: number;
    groupPriceFen: number;
    originalPriceFen: number;
    startsAt: string;
    endsAt: string;
  };
  'coupon.claimed': {
    couponId: string;
    templateId: string;
    merchantId: string;
    userId: string;
    liveStreamId: string | null;
    claimedAt: string;
  };
  'coupon.redeemed': {
    couponId: string;
    templateId: string;
    merchantId: string;
    storeId: string;
    userId: string;
    orderAmountFen: number;
    discountFen: number;
    payableFen: number;
    redeemedAt: string;
    /** The stream the coupon was claimed from (added later: absent in older events). */
    liveStreamId?: string | null;
  };
  'group.succeeded': { groupId: string; campaignId: string; merchantId: string; memberIds: string[]; at: string };
  'group.failed': { groupId: string; campaignId: string; merchantId: string; memberIds: string[]; at: string };
  'settlement.recorded': {
    settlementId: string;
    merchantId: string;
    sourceKind: string;
    sourceId: string;
    amountFen: number;
    commissionFen: number;
    rateBps: number;
    liveStreamId: string | null;
    createdAt: string;
  };
  'user.profile_changed': { userId: string; nickname: string; avatarUrl: string | null; realNameVerified: boolean };
  /** The lender confirmed an IOU (it is now active). */
  'iou.confirmed': IouPayload;
  /** The last repayment made an IOU repaid. */
  'iou.repaid': IouPayload;
  /** The deadline job marked an active IOU overdue. */
  'iou.overdue': IouPayload;
  /** A participant paid their share of an AA payment (`settled` when it was the last one). */
  'group_payment.share_paid': {
    groupPaymentId: string;
    organizerId: string;
    payerId: string;
    participantIds: string[];
    amountFen: number;
    settled: boolean;
    paidAt: string;
  };
  /** Someone asked someone else to be friends. */
  'friend_request.received': { requestId: string; fromUserId: string; toUserId: string; sentAt: string };
}

/** An IOU's parties at a change of its status (social). */
export interface IouPayload {
  iouId: string;
  lenderId: string;
  borrowerId: string;
  status: string;
  at: string;
}

export type EventType = keyof EventPayloads;

/** The current payload version of each type: what `recordEvent` writes when the caller names none. */
export const EVENT_VERSIONS: { readonly [T in EventType]: number } = {
  'merchant.created': 1,
  'merchant.updated': 1,
  'merchant.settlement_rate_changed': 1,
  'store.created': 1,
  'store.updated': 1,
  'store.closed': 1,
  'mini_program.published': 1,
  'life_account.created': 1,
  'post.published': 1,
  'live_stream.scheduled': 1,
  'live_stream.started': 1,
  'live_stream.ended': 1,
  'live_stream.viewers_changed': 1,
  'coupon_template.created': 1,
  'group_buy_campaign.created': 1,
  'coupon.claimed': 1,
  'coupon.redeemed': 1,
  'group.succeeded': 1,
  'group.failed': 1,
  'settlement.recorded': 1,
  'user.profile_changed': 1,
  'iou.confirmed': 1,
  'iou.repaid': 1,
  'iou.overdue': 1,
  'group_payment.share_paid': 1,
  'friend_request.received': 1,
};

/** The subgraphs that publish events (each has an `outbox_events` table). */
export const PUBLISHERS = ['merchants', 'content', 'offers', 'social'] as const;
export type Publisher = (typeof PUBLISHERS)[number];

/** One event as delivered to consumers, over HTTP or NATS: the outbox row, payload parsed. */
export interface DeliveredEvent<T extends EventType = EventType> {
  publisher: Publisher;
  /** The outbox row id: strictly increasing per publisher, the consumers' cursor. */
  position: number;
  eventId: string;
  type: T;
  entityId: string;
  version: number;
  payload: EventPayloads[T];
  occurredAt: string;
}
