import { pad } from '../../seeds/fixtures.ts';
import type { Identity } from '../../subgraphs/contract/identity.ts';

// The callers tests act as, as the `Identity` a subgraph or rule sees; `TestGraph.query({ as })` turns a user
// identity into a token with the same claims. Anonymous callers are the contract's own `ANONYMOUS`.

/** A signed-in user with no merchant role. */
export const user = (subject: string): Identity => ({ kind: 'user', subject, scopes: [], merchantIds: [] });

/** A user holding `scopes` as staff of `merchantIds`. */
export const staff = (subject: string, scopes: string[], merchantIds: string[]): Identity => ({
  kind: 'user',
  subject,
  scopes,
  merchantIds,
});

/** A partner API key (`subject` is its key id) holding `scopes` with `merchantIds` on its allow-list. */
export const partner = (subject: string | null, scopes: string[], merchantIds: string[]): Identity => ({
  kind: 'partner',
  subject,
  scopes,
  merchantIds,
});

/** The id of the n-th generated seed user: `usr_0001`, `usr_0002`, ... */
export const seedUserId = (n: number) => `usr_${pad(n)}`;

// Seeded users: alice, bob and carol are friends with IOUs, group payments and coupons between them.
export const ALICE = user('usr_alice');
export const BOB = user('usr_bob');
export const CAROL = user('usr_carol');

/** KFC's till: creates offers, redeems coupons and reads settlements. */
export const KFC_STAFF = staff('usr_0500', ['merchant:offers', 'merchant:finance'], ['mer_kfc']);
/** KFC staff who creates offers but sees no money. */
export const KFC_OFFERS_STAFF = staff('usr_0500', ['merchant:offers'], ['mer_kfc']);
/** KFC staff who publishes posts and schedules live streams. */
export const KFC_CONTENT_STAFF = staff('usr_0001', ['merchant:content'], ['mer_kfc']);
/** Bob as KFC's content staff, where tests check that the posts are published by a known user. */
export const BOB_KFC_CONTENT_STAFF = staff('usr_bob', ['merchant:content'], ['mer_kfc']);
/** KFC staff who reads the merchant's money: settlement rate, commissions, settlements. */
export const KFC_FINANCE_STAFF = staff('usr_0001', ['merchant:finance'], ['mer_kfc']);
/** Staff of another merchant (New Hope) holding the offers scope: an outsider to everything KFC. */
export const NEWHOPE_OFFERS_STAFF = staff('usr_0001', ['merchant:offers'], ['mer_newhope']);
/** Staff of another merchant (New Hope) holding the finance scope. */
export const NEWHOPE_FINANCE_STAFF = staff('usr_0001', ['merchant:finance'], ['mer_newhope']);
