import { extendSchema, type GraphQLSchema, parse } from 'graphql';

/**
 * The subscription part of the API. `@apollo/gateway` refuses a supergraph with a `Subscription` type, so the
 * gateway serves these root fields itself, from the event backbone, on top of the API schema it gets from the
 * supergraph: a client's selection under an event's entity field (`stream`, `coupon`, ...) is any selection of that
 * type, resolved per event by a query through the gateway (see selection.ts).
 */
export const SUBSCRIPTION_SDL = /* GraphQL */ `
"""
Live updates, over WebSocket (graphql-transport-ws) or Server-Sent Events at the gateway's /graphql.
"""
type Subscription {
  """
  An event whenever the live stream's status, viewer count, sales or the remaining stock of one of its featured
  coupons changes. Public. The first event arrives with the first change after subscribing.
  """
  liveStreamUpdated(
    """
    The live stream id (\`lvs_...\`).
    """
    id: ID!
  ): LiveStreamEvent!
  """
  The signed-in user's own money and friendship events: coupons claimed or redeemed, IOUs confirmed, repaid or
  overdue, AA shares paid, friend requests received. Never another user's.
  """
  myWallet: WalletEvent! @authenticated
}

"""
What changed in a live stream, with the stream as it is after the change.
"""
type LiveStreamEvent {
  """
  What changed.
  """
  kind: LiveStreamEventKind!
  """
  When it changed.
  """
  at: DateTime!
  """
  The stream after the change: any of its fields, including those other subgraphs own (\`sales\`, \`account\`).
  """
  stream: LiveStream!
}

"""
What a live stream event is about.
"""
enum LiveStreamEventKind {
  """
  The stream was scheduled, went live or ended.
  """
  STATUS
  """
  Its viewer count changed.
  """
  VIEWERS
  """
  A coupon claimed from it was redeemed: its sales changed.
  """
  SALES
  """
  A featured coupon was claimed: its remaining stock changed.
  """
  STOCK
}

"""
A money or friendship event of the signed-in user. Exactly one of the entity fields is set, as \`kind\` says.
"""
type WalletEvent {
  """
  What happened.
  """
  kind: WalletEventKind!
  """
  When it happened.
  """
  at: DateTime!
  """
  The coupon claimed or redeemed.
  """
  coupon: Coupon
  """
  The IOU confirmed, repaid or overdue.
  """
  iou: Iou
  """
  The AA payment whose share was paid.
  """
  groupPayment: GroupPayment
  """
  Who sent the friend request.
  """
  fromUser: User
}

"""
What a wallet event is about.
"""
enum WalletEventKind {
  """
  The user claimed a coupon.
  """
  COUPON_CLAIMED
  """
  One of the user's coupons was redeemed.
  """
  COUPON_REDEEMED
  """
  An IOU of the user (as lender or borrower) was confirmed by the borrower.
  """
  IOU_CONFIRMED
  """
  An IOU of the user was repaid in full.
  """
  IOU_REPAID
  """
  An IOU of the user passed its due date unpaid.
  """
  IOU_OVERDUE
  """
  A share of an AA payment the user organizes or takes part in was paid.
  """
  GROUP_PAYMENT_SHARE_PAID
  """
  Someone sent the user a friend request.
  """
  FRIEND_REQUEST_RECEIVED
}
`;

/** Directives the subscription SDL uses that the API schema does not define (it drops the security ones). */
const DIRECTIVES = `
"""
The field needs a signed-in user or a partner.
"""
directive @authenticated on FIELD_DEFINITION
`;

/**
 * An event type's entity fields, and the root query field that resolves each: the generated per-event query is
 * `<alias>: <queryField>(id: $entityId) { <the client's selection> }`.
 */
export const ENTITY_FIELDS: Record<string, Record<string, string>> = {
  LiveStreamEvent: { stream: 'liveStream' },
  WalletEvent: { coupon: 'coupon', iou: 'iou', groupPayment: 'groupPayment', fromUser: 'user' },
};

/** The API schema with the subscription types: what subscriptions are validated and executed against. */
export function subscriptionSchema(apiSchema: GraphQLSchema): GraphQLSchema {
  const hasAuthenticated = apiSchema.getDirective('authenticated') !== undefined;
  const sdl = `${hasAuthenticated ? '' : DIRECTIVES}${SUBSCRIPTION_SDL}\nextend schema { subscription: Subscription }`;
  return extendSchema(apiSchema, parse(sdl));
}
