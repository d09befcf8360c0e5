import { type UserError, userError } from '../../contract/errors.ts';
import { characterCount, unsafeTextReason } from '../../shared/text.ts';
import type { PostAttachmentInput, PostAttachmentKind, PublishPostInput } from '../__generated__/resolvers-types.ts';

export const MAX_ATTACHMENTS = 3;
export const MAX_FEATURED_OFFERS = 20;
export const MAX_MEDIA = 9;
export const MAX_TITLE = 100;
export const MAX_BODY = 5000;
/** Characters per media URL: what browsers and CDNs reliably take, far above any real image or video URL. */
export const MAX_MEDIA_URL = 2048;
/** Characters after the prefix of an attached or featured id, as for a claim's liveStreamId. */
export const MAX_REF_ID_SUFFIX = 100;

/** The id prefix each kind of linked entity has; a mismatch would resolve to the wrong subgraph's type. */
export const OFFER_PREFIX: Record<PostAttachmentKind, string> = {
  COUPON_TEMPLATE: 'cpt_',
  GROUP_BUY_CAMPAIGN: 'gbc_',
  MINI_PROGRAM: 'mp_',
};

/**
 * The rows that store a post's attachments or a live stream's featured offers (a `PostAttachmentInput` or the
 * narrower `FeaturedOfferInput`): `owner` (the post or stream id column) and each link's kind and target, at its
 * position in the list as given.
 */
export function linkRows<O extends object, K extends PostAttachmentKind>(
  owner: O,
  refs: readonly (PostAttachmentInput & { kind: K })[],
) {
  return refs.map((ref, position) => ({ ...owner, position, kind: ref.kind, targetId: ref.id }));
}

export const invalid = (message: string, ...field: string[]) =>
  userError('INVALID_INPUT', message, ['input', ...field]);

/** A user error when the title is empty or too long after trimming, or holds control or bidi characters. */
export function titleProblem(title: string): UserError | null {
  const length = characterCount(title.trim());
  if (length < 1 || length > MAX_TITLE) return invalid(`The title must be 1 to ${MAX_TITLE} characters.`, 'title');
  const unsafe = unsafeTextReason('title', title);
  return unsafe ? invalid(unsafe, 'title') : null;
}

/** Problems of a list of links: too many, an id whose prefix does not match its kind, a repeated id. */
export function refProblems(refs: readonly PostAttachmentInput[], max: number, field: string): UserError[] {
  if (refs.length > max) return [invalid(`Give at most ${max} ${field}.`, field)];
  const problems: UserError[] = [];
  const seen = new Set<string>();
  refs.forEach((ref, i) => {
    const prefix = OFFER_PREFIX[ref.kind];
    // Ids are made of letters, digits and underscores (contract/ids.ts and the seed); a longer one is not an id,
    // and is not echoed back.
    if (ref.id.length > prefix.length + MAX_REF_ID_SUFFIX) {
      problems.push(
        invalid(`A ${ref.kind} id has at most ${MAX_REF_ID_SUFFIX} characters after "${prefix}".`, field, `${i}`, 'id'),
      );
    } else if (!ref.id.startsWith(prefix) || !/^[A-Za-z0-9_]+$/.test(ref.id.slice(prefix.length))) {
      problems.push(
        invalid(
          `A ${ref.kind} id is "${prefix}" then letters, digits or underscores; ${JSON.stringify(ref.id)} is not.`,
          field,
          `${i}`,
          'id',
        ),
      );
    } else if (seen.has(ref.id)) {
      problems.push(invalid(`"${ref.id}" is listed twice; list each at most once.`, field, `${i}`, 'id'));
    } else {
      seen.add(ref.id);
    }
  });
  return problems;
}

/** Every problem of a post, so the client can fix them all at once. */
export function postProblems(input: Omit<PublishPostInput, 'idempotencyKey'>): UserError[] {
  const problems: UserError[] = [];
  const title = titleProblem(input.title);
  if (title) problems.push(title);
  if (characterCount(input.body) > MAX_BODY)
    problems.push(invalid(`The body must be at most ${MAX_BODY} characters.`, 'body'));
  const unsafeBody = unsafeTextReason('body', input.body, 'body');
  if (unsafeBody) problems.push(invalid(unsafeBody, 'body'));
  if (input.media.length > MAX_MEDIA) problems.push(invalid(`Attach at most ${MAX_MEDIA} media URLs.`, 'media'));
  if (input.media.some((url) => characterCount(url) > MAX_MEDIA_URL))
    problems.push(invalid(`Every media URL must be at most ${MAX_MEDIA_URL} characters.`, 'media'));
  // \S alone would let control, invisible and bidi characters through; a URL shown to users must not hold them.
  else if (input.media.some((url) => !/^https:\/\/\S+$/.test(url) || unsafeTextReason('media', url) !== null))
    problems.push(
      invalid('Every media entry must be an https:// URL, without control, invisible or bidi characters.', 'media'),
    );
  problems.push(...refProblems(input.attachments ?? [], MAX_ATTACHMENTS, 'attachments'));
  return problems;
}
