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
