import { eq } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import type { Identity } from '../../contract/identity.ts';
import { newId } from '../../contract/ids.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { requirePublisher, requirePublishingAccess } from '../access.ts';
import type { ContentDb, LifeAccountRow, PostRow } from '../context.ts';
import { lifeAccounts, postAttachments, posts, storeDirectory } from '../tables.ts';
import { onceForKey } from './idempotency.ts';
import { linkRows, type PublishPostInput, postProblems } from './publish-input.ts';

export type { PublishPostInput } from './publish-input.ts';

export const accountNotFound = (id: string): UserError =>
  userError('NOT_FOUND', `No life account has id "${id}": check the id.`, ['input', 'accountId']);

/** The store a post is tagged at, as the store directory knows it. */
type DirectoryStore = typeof storeDirectory.$inferSelect;

/**
 * The store to tag, looked up in the store directory (a replica of the merchants subgraph's stores): a
 * user error when no store has the id (NOT_FOUND) or it belongs to another merchant than the account's
 * (STORE_NOT_OWNED). The post takes the directory's location, never one sent by the client.
 */
function taggedStore(
  tx: ContentDb,
  account: LifeAccountRow,
  storeId: string,
): { store: DirectoryStore; error?: undefined } | { store?: undefined; error: UserError } {
  const store = tx.select().from(storeDirectory).where(eq(storeDirectory.storeId, storeId)).get();
  if (!store) {
    return { error: userError('NOT_FOUND', `No store has id "${storeId}": check the id.`, ['input', 'storeId']) };
  }
  if (store.merchantId !== account.merchantId) {
    return {
      error: userError(
        'STORE_NOT_OWNED',
        `Store ${storeId} belongs to another merchant: tag a store of ${account.merchantId}.`,
        ['input', 'storeId'],
      ),
    };
  }
  return { store };
}

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
        entities: { post: posts },
        attempt: () => insertPost(tx, now, caller, account, request, options),
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
  account: LifeAccountRow,
  input: PublishPostInput,
  options: RuleOptions,
): PublishPostResult {
  const problems = postProblems(input);
  const tagged = input.storeId == null ? null : taggedStore(tx, account, input.storeId);
  if (tagged?.error) problems.push(tagged.error);
  if (problems.length) return { post: null, userErrors: problems };
  const store = tagged?.store ?? null;
  const post = tx
    .insert(posts)
    .values({
      id: newId('pst'),
      accountId: input.accountId,
      kind: input.kind,
      title: input.title.trim(),
      body: input.body,
      mediaUrls: input.media,
      storeId: store?.storeId ?? null,
      lat: store?.lat ?? null,
      lng: store?.lng ?? null,
      publishedAt: now,
      publishedByUserId: caller.subject,
    })
    .returning()
    .get();
  options.afterStep?.('post');
  const attachments = linkRows({ postId: post.id }, input.attachments ?? []);
  if (attachments.length) tx.insert(postAttachments).values(attachments).run();
  options.afterStep?.('attachments');
  return { post, userErrors: [] };
}
