import { eq } from 'drizzle-orm';
import { type UserError, userError } from '../../shared/errors.ts';
import type { Identity } from '../../shared/identity.ts';
import { newId } from '../../shared/ids.ts';
import { requirePublisher, requirePublishingAccess } from '../access.ts';
import { lifeAccounts, postAttachments, posts } from '../tables.ts';
import type { ContentDb, LifeAccountRow, PostRow } from '../types.ts';
import { onceForKey } from './idempotency.ts';
import { type PublishPostInput, postProblems } from './publish-input.ts';

export type { PublishPostInput } from './publish-input.ts';

/** Lets tests fail a rule between two of its writes, to prove the transaction leaves nothing behind. */
export interface RuleOptions {
  afterStep?: (step: string) => void;
}

export const accountNotFound = (id: string): UserError =>
  userError('NOT_FOUND', `No life account has id "${id}": check the id.`, ['input', 'accountId']);

/**
 * Finds the account to publish to and checks the caller may act for its merchant (throws FORBIDDEN,
 * so the transaction writes nothing); undefined when no account has the id.
 */
export function publishingAccount(tx: ContentDb, caller: Identity, accountId: string): LifeAccountRow | undefined {
  const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, accountId)).get();
  if (account) requirePublishingAccess(caller, account);
  return account;
}

/**
 * Publishes a post for a merchant's account, with its attachments, all or nothing. With an idempotency
 * key, a retry of the same request returns the first post instead of publishing again.
 */
export function publishPost(
  db: ContentDb,
  now: Date,
  caller: Identity,
  input: PublishPostInput,
  options: RuleOptions = {},
): PublishPostResult {
  requirePublisher(caller);
  const { idempotencyKey, ...request } = input;
  return db.transaction((tx) => {
    const account = publishingAccount(tx, caller, input.accountId);
    if (!account) return { post: null, userErrors: [accountNotFound(input.accountId)] };
    return onceForKey(
      tx,
      { caller, now, operation: 'publishPost', key: idempotencyKey, request },
      {
        attempt: () => insertPost(tx, now, caller, request, options),
        createdId: (result) => result.post?.id ?? '',
        replay: (id) => ({ post: tx.select().from(posts).where(eq(posts.id, id)).get() ?? null, userErrors: [] }),
        refuse: (error) => ({ post: null, userErrors: [error] }),
      },
    );
  });
}

type PublishPostResult = { post: PostRow | null; userErrors: UserError[] };

function insertPost(
  tx: ContentDb,
  now: Date,
  caller: Identity,
  input: PublishPostInput,
  options: RuleOptions,
): PublishPostResult {
  const problems = postProblems(input);
  if (problems.length) return { post: null, userErrors: problems };
  const post = tx
    .insert(posts)
    .values({
      id: newId('pst'),
      accountId: input.accountId,
      kind: input.kind,
      title: input.title.trim(),
      body: input.body,
      mediaUrls: input.media,
      storeId: input.store?.id ?? null,
      lat: input.store?.location.lat ?? null,
      lng: input.store?.location.lng ?? null,
      publishedAt: now,
      publishedByUserId: caller.subject,
    })
    .returning()
    .get();
  options.afterStep?.('post');
  const attachments = (input.attachments ?? []).map((a, position) => ({
    postId: post.id,
    position,
    kind: a.kind,
    targetId: a.id,
  }));
  if (attachments.length) tx.insert(postAttachments).values(attachments).run();
  options.afterStep?.('attachments');
  return { post, userErrors: [] };
}
