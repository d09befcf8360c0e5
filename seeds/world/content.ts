import type * as tables from '../../subgraphs/content/tables.ts';
import { CREATORS, FAR_FUTURE_DAYS, FIXED, PUBLIC_ACCOUNTS, pad } from '../fixtures.ts';
import type { Row, SeedContext } from './context.ts';
import type { MerchantsSeed } from './merchants.ts';

const { alice, bob, carol } = FIXED.users;

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

/** Content's copy of the stores (which merchant, where), so posts tagged at a store need no call to merchants. */
export function buildContentStoreDirectory(stores: MerchantsSeed['stores']) {
  const contentStoreDirectory: Row<typeof tables.storeDirectory>[] = stores.map((s) => ({
    storeId: s.id,
    merchantId: s.merchantId,
    lat: s.lat,
    lng: s.lng,
  }));
  return { contentStoreDirectory };
}

/**
 * A brand account per merchant (`la_<merchant key>`), the creators and the public accounts; the fixed follows, then
 * two picks per generated user. Follower counts are those of the follows.
 */
export function buildAccounts({ random, at }: SeedContext, merchants: MerchantsSeed['merchants'], crowd: string[]) {
  const lifeAccounts: Row<typeof tables.lifeAccounts>[] = [];
  for (const m of merchants) {
    lifeAccounts.push({
      id: `la_${m.id.slice(4)}`,
      kind: 'BRAND',
      name: m.name,
      bio: `Official ${m.name} account: new offers, live streams and stores near you.`,
      merchantId: m.id,
      createdAt: at(-random.int(100, 400)),
    });
  }
  for (const [i, name] of CREATORS.entries()) {
    lifeAccounts.push({
      id: `la_creator_${i + 1}`,
      kind: 'CREATOR',
      name,
      bio: `${name}: honest local reviews.`,
      merchantId: null,
      createdAt: at(-random.int(50, 300)),
    });
  }
  for (const { createdDays, ...account } of PUBLIC_ACCOUNTS)
    lifeAccounts.push({ ...account, merchantId: null, createdAt: at(createdDays) });

  const follows: Row<typeof tables.follows>[] = [
    { userId: alice, accountId: FIXED.kfcLifeAccount, createdAt: at(-20) },
    { userId: alice, accountId: 'la_creator_1', createdAt: at(-19) },
    { userId: alice, accountId: 'la_newhope', createdAt: at(-18) },
    { userId: bob, accountId: FIXED.kfcLifeAccount, createdAt: at(-15) },
  ];
  for (const userId of crowd) {
    // Two picks per user; the same account picked twice is followed once (no scan of all follows: linear at any scale).
    const picked = new Set([random.pick(lifeAccounts).id, random.pick(lifeAccounts).id]);
    for (const accountId of picked) follows.push({ userId, accountId, createdAt: at(-random.int(1, 60)) });
  }
  const followers = countBy(follows, (f) => f.accountId);
  for (const account of lifeAccounts) account.followerCount = followers.get(account.id) ?? 0;
  return { lifeAccounts, follows };
}

/** What brand post `p` links: the coupon of posts 1, 3, 5, the group buy of posts 1 and 4, the mini program of post 1. */
function brandPostLinks(postId: string, merchantKey: string, p: number): Row<typeof tables.postAttachments>[] {
  const links: Omit<Row<typeof tables.postAttachments>, 'postId' | 'position'>[] = [];
  if (p % 2 === 1) links.push({ kind: 'COUPON_TEMPLATE', targetId: `cpt_${merchantKey}_1` });
  if (p % 3 === 1) links.push({ kind: 'GROUP_BUY_CAMPAIGN', targetId: `gbc_${merchantKey}_1` });
  if (p === 1) links.push({ kind: 'MINI_PROGRAM', targetId: `mp_${merchantKey}` });
  return links.map((link, position) => ({ postId, position, ...link }));
}

/**
 * Posts of every account (six per brand account, tagged at one of its stores and linking its offers; four per other
 * account), likes and a comment by carol on the first sixty, alice's favorite. Counts are those of the rows.
 */
export function buildPosts(
  { random, at }: SeedContext,
  lifeAccounts: Row<typeof tables.lifeAccounts>[],
  stores: MerchantsSeed['stores'],
  crowd: string[],
) {
  const storesByMerchant = new Map<string, MerchantsSeed['stores']>();
  for (const s of stores) storesByMerchant.set(s.merchantId, [...(storesByMerchant.get(s.merchantId) ?? []), s]);
  const posts: Row<typeof tables.posts>[] = [];
  const postAttachments: Row<typeof tables.postAttachments>[] = [];
  for (const account of lifeAccounts) {
    const postCount = account.merchantId ? 6 : 4;
    for (let p = 1; p <= postCount; p++) {
      const accountStores = account.merchantId ? (storesByMerchant.get(account.merchantId) ?? []) : [];
      const store = accountStores.length ? random.pick(accountStores) : null;
      const id = account.id === FIXED.kfcLifeAccount ? `pst_kfc_${p}` : `pst_${pad(posts.length + 1, 6)}`;
      posts.push({
        id,
        accountId: account.id,
        kind: p % 2 === 0 ? 'SHORT_VIDEO' : 'IMAGE_TEXT',
        title: account.merchantId ? `${account.name}: what's new #${p}` : `${account.name} picks #${p}`,
        body: `Day ${p} at ${store?.name ?? 'around town'}. Worth the queue?`,
        mediaUrls: [`https://img.lifegraph.dev/posts/${account.id}/${p}.jpg`],
        storeId: store?.id ?? null,
        lat: store?.lat ?? null,
        lng: store?.lng ?? null,
        publishedAt: at(-p, random.int(0, 23)),
      });
      if (account.merchantId) postAttachments.push(...brandPostLinks(id, account.merchantId.slice(4), p));
    }
  }

  const likes: Row<typeof tables.postLikes>[] = [];
  const comments: Row<typeof tables.comments>[] = [];
  for (const post of posts.slice(0, 60)) {
    for (const userId of [bob, ...crowd.slice(0, random.int(0, 12))])
      likes.push({ userId, postId: post.id, createdAt: at(-1) });
    comments.push({
      id: `cmt_${post.id.slice(4)}`,
      postId: post.id,
      userId: carol,
      body: 'Looks delicious!',
      createdAt: at(-1),
    });
  }
  const favorites: Row<typeof tables.postFavorites>[] = [{ userId: alice, postId: 'pst_kfc_1', createdAt: at(-1) }];

  const likeCounts = countBy(likes, (l) => l.postId);
  const favoriteCounts = countBy(favorites, (f) => f.postId);
  const commentCounts = countBy(comments, (c) => c.postId);
  for (const post of posts) {
    post.likeCount = likeCounts.get(post.id) ?? 0;
    post.favoriteCount = favoriteCounts.get(post.id) ?? 0;
    post.commentCount = commentCounts.get(post.id) ?? 0;
  }
  return { posts, postAttachments, likes, favorites, comments };
}

/** Three live streams per brand (live now, scheduled, ended), each featuring its first coupon and group buy. */
export function buildLiveStreams({ random, at }: SeedContext, brands: MerchantsSeed['merchants']) {
  const liveStreams: Row<typeof tables.liveStreams>[] = [];
  const liveStreamOffers: Row<typeof tables.liveStreamOffers>[] = [];
  for (const m of brands) {
    const key = m.id.slice(4);
    const stream = (row: Omit<Row<typeof tables.liveStreams>, 'accountId'>) => {
      liveStreams.push({ ...row, accountId: `la_${key}` });
      liveStreamOffers.push(
        { liveStreamId: row.id, position: 0, kind: 'COUPON_TEMPLATE', targetId: `cpt_${key}_1` },
        { liveStreamId: row.id, position: 1, kind: 'GROUP_BUY_CAMPAIGN', targetId: `gbc_${key}_1` },
      );
    };
    stream({
      id: `lvs_${key}_1`,
      title: `${m.name} live: today's deals`,
      status: 'LIVE',
      scheduledAt: at(-1),
      startedAt: at(-1),
      endedAt: null,
      viewerCount: random.int(500, 20_000),
    });
    stream({
      id: `lvs_${key}_2`,
      title: `${m.name} weekend special`,
      status: 'SCHEDULED',
      scheduledAt: at(FAR_FUTURE_DAYS),
      startedAt: null,
      endedAt: null,
      viewerCount: 0,
    });
    stream({
      id: `lvs_${key}_3`,
      title: `${m.name} launch replay`,
      status: 'ENDED',
      scheduledAt: at(-8),
      startedAt: at(-8),
      endedAt: at(-8, 2),
      viewerCount: random.int(1000, 50_000),
    });
  }
  return { liveStreams, liveStreamOffers };
}
