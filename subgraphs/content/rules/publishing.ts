import { eq } from 'drizzle-orm';
import { forbidden, type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { MerchantActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import { idempotentStep, type ResultEntities, type ResultOf } from '../../shared/idempotency.ts';
import type { PublishPostInput } from '../__generated__/resolvers-types.ts';
import type { ContentDb, ContentTx, LifeAccountRow, PostRow } from '../context.ts';
import { lifeAccounts, postAttachments, posts, storeDirectory } from '../tables.ts';
import { linkRows, postProblems } from './publish-input.ts';

export const accountNotFound = (id: string): UserError =>
  userError('NOT_FOUND', `No life account has id "${id}": check the id.`, ['input', 'accountId']);

/**
 * The account to publish to, as it is inside the rule's transaction; undefined when no account has the id. The
 * resolver made the actor for the account's merchant; if the account no longer belongs to it, FORBIDDEN (so the
 * transaction writes nothing).
 */
export function publishingAccount(tx: ContentTx, actor: MerchantActor, accountId: string): LifeAccountRow | undefined {
  const account = tx.select().from(lifeAccounts).where(eq(lifeAccounts.id, accountId)).get();
  if (account && account.merchantId !== actor.merchantId) throw notTheActorsAccount(accountId, actor);
  return account;
}

/** FORBIDDEN for an account that does not belong to the merchant the actor acts for. */
export function notTheActorsAccount(accountId: string, actor: MerchantActor) {
  return forbidden(
    `Life account ${accountId} is not a BRAND account of merchant ${actor.merchantId}: publish only to your merchants' accounts.`,
  );
}

/**
 * The frame of publishing a post or scheduling a live stream: one transaction that finds the account (NOT_FOUND
 * through `refuse` when unknown) and re-checks it is the actor's, then runs `create` at most once per idempotency key
 * (a repeat returns the first `entities` again). Publishing moves no money or stock, so a refused request stores no
 * key: the same key can be retried once the problem is fixed.
 */
export function publishOnce<
  TInput extends { accountId: string; idempotencyKey?: string | null },
  TResult extends ResultOf<E>,
  E extends ResultEntities,
>(
  db: ContentDb,
  call: { now: Date; actor: MerchantActor; operation: string; input: TInput },
  steps: {
    entities: E;
    refuse(error: UserError): TResult;
    create(tx: ContentTx, account: LifeAccountRow, request: Omit<TInput, 'idempotencyKey'>): TResult;
  },
): TResult {
  const { now, actor, operation, input } = call;
  const { idempotencyKey, ...request } = input;
  return db.transaction((tx) => {
    const account = publishingAccount(tx, actor, input.accountId);
    if (!account) return steps.refuse(accountNotFound(input.accountId));
    return idempotentStep(
      tx,
      { actor, key: idempotencyKey, operation, request, now },
      { entities: steps.entities, refuse: steps.refuse, attempt: () => steps.create(tx, account, request) },
      'forget',
    );
  });
}

/** The store a post is tagged at, as the store directory knows it. */
type DirectoryStore = typeof storeDirectory.$inferSelect;

/**
 * The store to tag, looked up in the store directory (a replica of the merchants subgraph's stores): a
 * user error when no store has the id (NOT_FOUND) or it belongs to another merchant than the account's
 * (STORE_NOT_OWNED). The post takes the directory's location, never one sent by the client.
 */
function taggedStore(
  tx: ContentTx,
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

export interface PublishPostResult {
  post: PostRow | null;
  userErrors: UserError[];
}

/**
 * Publishes a post for the actor's merchant's account (the resolver made the actor with `asPublisher`), with its
 * attachments, all or nothing. With an idempotency key, a retry of the same request returns the first post instead
 * of publishing again.
 */
export function publishPost(
  db: ContentDb,
  now: Date,
  actor: MerchantActor,
  input: PublishPostInput,
  options: RuleOptions = {},
): PublishPostResult {
  return publishOnce(
    db,
    { now, actor, operation: 'publishPost', input },
    {
      entities: { post: posts },
      refuse: (error) => ({ post: null, userErrors: [error] }),
      create: (tx, account, request) => insertPost(tx, now, actor, account, request, options),
    },
  );
}

function insertPost(
  tx: ContentTx,
  now: Date,
  actor: MerchantActor,
  account: LifeAccountRow,
  input: Omit<PublishPostInput, 'idempotencyKey'>,
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
      publishedByUserId: actor.callerId,
    })
    .returning()
    .get();
  options.afterStep?.('post');
  const attachments = linkRows({ postId: post.id }, input.attachments ?? []);
  if (attachments.length) tx.insert(postAttachments).values(attachments).run();
  options.afterStep?.('attachments');
  recordEvent(tx, {
    type: 'post.published',
    entityId: post.id,
    occurredAt: now,
    payload: {
      postId: post.id,
      accountId: post.accountId,
      merchantId: account.merchantId,
      kind: post.kind,
      title: post.title,
      storeId: post.storeId,
      publishedAt: now.toISOString(),
    },
  });
  options.afterStep?.('event');
  return { post, userErrors: [] };
}
