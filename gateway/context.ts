import type { Identity } from '../subgraphs/contract/index.ts';

/** What the gateway keeps per request. */
export interface GatewayContext {
  identity: Identity;
  /** One per request: in every log line about it, and in `extensions.requestId` of its masked errors. */
  requestId: string;
  /** The client's address (behind LIFEGRAPH_TRUSTED_PROXIES proxies): the bucket of anonymous callers. */
  clientAddress: string;
  /** Aborted when the client goes away before its answer is sent: its subgraph fetches are cancelled. */
  signal?: AbortSignal;
  /**
   * A query the gateway generated for a live subscription (gateway/subscriptions): `start` is charged to the
   * caller's bucket like any query, `event` (one execution shared by many subscribers) is not charged again.
   */
  subscription?: 'start' | 'event';
}
