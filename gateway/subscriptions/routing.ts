import type { DeliveredEvent } from './backbone.ts';

/** One event for the subscribers of one topic: the event fields and the id of each entity field that is set. */
export interface TopicEvent {
  topic: string;
  kind: string;
  at: string;
  /** Entity field → id (`stream` → `lvs_...`): the per-event query's `$lifegraphEntityId`. */
  entities: Record<string, string>;
}

export const streamTopic = (id: string) => `liveStream:${id}`;
export const walletTopic = (userId: string) => `wallet:${userId}`;

/** The streams with subscribers that feature a coupon template (see Hub.featuredIn). */
export type FeaturedIn = (templateId: string) => readonly string[];

/** The payload fields routing reads, by event type (subgraphs/shared/events/types.ts has them all). */
interface EventPayloads {
  'coupon.claimed': { couponId: string; templateId: string; userId: string };
  'coupon.redeemed': { couponId: string; templateId: string; userId: string; liveStreamId?: string | null };
  'iou.confirmed': { iouId: string; lenderId: string; borrowerId: string };
  'group_payment.share_paid': { groupPaymentId: string; organizerId: string; participantIds: string[] };
  'friend_request.received': { fromUserId: string; toUserId: string };
}
type Payload<T extends keyof EventPayloads> = EventPayloads[T];

/**
 * What a backbone event means to subscribers. A claim changes the remaining stock of the template it was claimed
 * from, wherever that is featured; a redemption changes the sales of the stream the coupon was claimed from (what
 * `LiveStream.sales` counts), and the claimant's wallet.
 */
export function topicEvents(event: DeliveredEvent, featuredIn: FeaturedIn): TopicEvent[] {
  const at = event.occurredAt;
  const stream = (id: string, kind: string): TopicEvent => ({
    topic: streamTopic(id),
    kind,
    at,
    entities: { stream: id },
  });
  const wallet = (userId: string, kind: string, field: string, id: string): TopicEvent => ({
    topic: walletTopic(userId),
    kind,
    at,
    entities: { [field]: id },
  });
  switch (event.type) {
    case 'live_stream.scheduled':
    case 'live_stream.started':
    case 'live_stream.ended':
      return [stream(event.entityId, 'STATUS')];
    case 'live_stream.viewers_changed':
      return [stream(event.entityId, 'VIEWERS')];
    case 'coupon.claimed': {
      const p = event.payload as unknown as Payload<'coupon.claimed'>;
      return [
        ...featuredIn(p.templateId).map((id) => stream(id, 'STOCK')),
        wallet(p.userId, 'COUPON_CLAIMED', 'coupon', p.couponId),
      ];
    }
    case 'coupon.redeemed': {
      const p = event.payload as unknown as Payload<'coupon.redeemed'>;
      const sales = p.liveStreamId && featuredIn(p.templateId).includes(p.liveStreamId) ? [p.liveStreamId] : [];
      return [...sales.map((id) => stream(id, 'SALES')), wallet(p.userId, 'COUPON_REDEEMED', 'coupon', p.couponId)];
    }
    case 'iou.confirmed':
    case 'iou.repaid':
    case 'iou.overdue': {
      const p = event.payload as unknown as Payload<'iou.confirmed'>;
      const kind = `IOU_${event.type.slice('iou.'.length).toUpperCase()}`;
      return [p.lenderId, p.borrowerId].map((user) => wallet(user, kind, 'iou', p.iouId));
    }
    case 'group_payment.share_paid': {
      const p = event.payload as unknown as Payload<'group_payment.share_paid'>;
      const people = new Set([p.organizerId, ...p.participantIds]);
      return [...people].map((user) => wallet(user, 'GROUP_PAYMENT_SHARE_PAID', 'groupPayment', p.groupPaymentId));
    }
    case 'friend_request.received': {
      const p = event.payload as unknown as Payload<'friend_request.received'>;
      return [wallet(p.toUserId, 'FRIEND_REQUEST_RECEIVED', 'fromUser', p.fromUserId)];
    }
    default:
      return [];
  }
}
