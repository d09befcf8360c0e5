import { forbidden, unauthenticated } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';

/** The signed-in user's id, or null for anonymous callers and partners (viewer fields are then false). */
export function viewerIdOf(identity: Identity): string | null {
  return identity.kind === 'user' && identity.subject ? identity.subject : null;
}

/** The signed-in user's id; user mutations throw UNAUTHENTICATED without one. */
export function requireUser(identity: Identity): string {
  const id = viewerIdOf(identity);
  if (!id) throw unauthenticated('Sign in as a user to do this: send Authorization: Bearer <token>.');
  return id;
}

/** What a user follows and favorites is private: only that user may read it. */
export function assertCanReadUserLists(identity: Identity, userId: string): void {
  const viewerId = viewerIdOf(identity);
  if (!viewerId) throw unauthenticated('Sign in as this user to see what they follow and favorite.');
  if (viewerId !== userId) throw forbidden('Only the user themself can see what they follow and favorite.');
}

/** Who publishes for a merchant: a staff user or partner key, with the merchants it may act for. */
export interface Publisher {
  id: string;
  merchantIds: string[];
}

export const CONTENT_SCOPE = 'merchant:content';

/** Publishing needs a user or partner with the `merchant:content` scope. */
export function requirePublisher(identity: Identity): Publisher {
  if (identity.kind === 'anonymous' || !identity.subject) throw unauthenticated();
  if (!identity.scopes.includes(CONTENT_SCOPE)) {
    throw forbidden(`Publishing needs the ${CONTENT_SCOPE} scope: ask for a token or API key that carries it.`);
  }
  return { id: identity.subject, merchantIds: identity.merchantIds };
}

/** Staff publish only for their own merchants' BRAND accounts. */
export function assertPublishesFor(publisher: Publisher, account: { id: string; merchantId: string | null }): void {
  if (!account.merchantId || !publisher.merchantIds.includes(account.merchantId)) {
    throw forbidden(`You may not publish for life account ${account.id}: its merchant is not on your merchant list.`);
  }
}
