import type { EntityRef } from '../context.ts';

const byTypename = { __resolveType: (ref: EntityRef) => ref.__typename };

/** Attachments and featured offers carry their concrete type from the stored kind. */
export const PostAttachment = byTypename;
export const FeaturedOffer = byTypename;
