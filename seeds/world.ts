import { createRandom, type Random } from './random.ts';

/**
 * The seed world: every record of every subgraph, built in memory by pure functions from a fixed seed
 * and a fixed epoch, so the same `--scale` always gives the same rows, ids and all. Each subgraph's
 * writer (`seeds/write-<subgraph>.ts`) stores its own part.
 */

/** All seed timestamps are offsets from this instant, never from "now". */
export const SEED_EPOCH = new Date('2026-11-01T00:00:00.000Z');
const DAY = 86_400_000;
const at = (days: number, hours = 0) => new Date(SEED_EPOCH.getTime() + days * DAY + hours * 3_600_000);

export type AttachmentKind = 'COUPON_TEMPLATE' | 'GROUP_BUY_CAMPAIGN' | 'MINI_PROGRAM';
export interface OfferRef {
  kind: AttachmentKind;
  id: string;
}

export interface World {
  categories: { id: string; code: string; name: string }[];
  serviceProviders: { id: string; name: string; city: string }[];
  merchants: {
    id: string;
    name: string;
    categoryId: string;
    status: 'ACTIVE' | 'SUSPENDED';
    settlementRateBps: number;
    serviceProviderId: string;
    city: string;
    /** Set when the merchant has joined the consumption circle. */
    joinedCircleAt: Date | null;
    createdAt: Date;
  }[];
  stores: {
    id: string;
    merchantId: string;
    name: string;
    address: string;
    city: string;
    lat: number;
    lng: number;
    openingHours: string;
  }[];
  miniPrograms: { id: string; merchantId: string; appId: string; name: string; onlineSince: Date }[];
  users: { id: string; nickname: string; avatarUrl: string; realNameVerified: boolean; createdAt: Date }[];
  /** Accepted friendships, each pair once. */
  friendships: { userId: string; friendId: string; since: Date }[];
  /** Pending friend requests. */
  friendRequests: { id: string; fromUserId: string; toUserId: string; createdAt: Date }[];
  lifeAccounts: {
    id: string;
    kind: 'BRAND' | 'CREATOR' | 'GOVERNMENT' | 'SERVICE';
    name: string;
    bio: string;
    merchantId: string | null;
    createdAt: Date;
  }[];
  follows: { userId: string; accountId: string; createdAt: Date }[];
  posts: {
    id: string;
    accountId: string;
    kind: 'IMAGE_TEXT' | 'SHORT_VIDEO';
    title: string;
    body: string;
    mediaUrls: string[];
    /** The store the post is tagged at (nearby feed), with its location copied. */
    storeId: string | null;
    lat: number | null;
    lng: number | null;
    publishedAt: Date;
    attachments: OfferRef[];
  }[];
  likes: { userId: string; postId: string; createdAt: Date }[];
  favorites: { userId: string; postId: string; createdAt: Date }[];
  comments: { id: string; postId: string; userId: string; body: string; createdAt: Date }[];
  liveStreams: {
    id: string;
    accountId: string;
    title: string;
    status: 'SCHEDULED' | 'LIVE' | 'ENDED';
    scheduledAt: Date;
    startedAt: Date | null;
    endedAt: Date | null;
    viewerCount: number;
    featuredOffers: OfferRef[];
  }[];
  couponTemplates: {
    id: string;
    merchantId: string;
    title: string;
    kind: 'FIXED_AMOUNT' | 'PERCENT_OFF';
    faceValueFen: number | null;
    percentOff: number | null;
    capFen: number | null;
    minSpendFen: number;
    totalStock: number;
    perUserLimit: number;
    claimStartsAt: Date;
    claimEndsAt: Date;
    validDays: number;
    createdAt: Date;
  }[];
  /** Coupons already claimed; templates' remaining stock is total stock minus these. */
  coupons: {
    id: string;
    templateId: string;
    userId: string;
    liveStreamId: string | null;
    claimedAt: Date;
    expiresAt: Date;
  }[];
  groupBuyCampaigns: {
    id: string;
    merchantId: string;
    title: string;
    groupSize: number;
    groupPriceFen: number;
    originalPriceFen: number;
    fillWithinMinutes: number;
    startsAt: Date;
    endsAt: Date;
    createdAt: Date;
  }[];
  /** Open (forming) groups; members in join order, the leader first. */
  groupBuyGroups: { id: string; campaignId: string; memberIds: string[]; createdAt: Date; expiresAt: Date }[];
  ious: {
    id: string;
    lenderId: string;
    borrowerId: string;
    principalFen: number;
    annualRateBps: number | null;
    dueDate: Date;
    status: 'PENDING' | 'ACTIVE';
    createdAt: Date;
    repayments: { amountFen: number; at: Date }[];
  }[];
  groupPayments: {
    id: string;
    organizerId: string;
    title: string;
    totalFen: number;
    storeId: string | null;
    /** The organizer first, then the friends in join order. */
    participantIds: string[];
    /** Participants who have paid their share. */
    paidIds: string[];
    createdAt: Date;
  }[];
}

const CITIES = {
  Hangzhou: { lat: 30.2741, lng: 120.1551, districts: ['Xihu', 'Shangcheng', 'Gongshu', 'Binjiang', 'Yuhang'] },
  Shanghai: { lat: 31.2304, lng: 121.4737, districts: ['Huangpu', 'Jing\u2019an', 'Xuhui', 'Pudong', 'Changning'] },
} as const;
type City = keyof typeof CITIES;

const CATEGORIES = [
  { id: 'cat_fast_food', code: 'fast_food', name: 'Fast food' },
  { id: 'cat_dairy', code: 'dairy', name: 'Dairy & fresh' },
  { id: 'cat_retail', code: 'retail', name: 'Lifestyle retail' },
  { id: 'cat_travel', code: 'travel', name: 'Travel' },
  { id: 'cat_delivery', code: 'delivery', name: 'Food delivery' },
  { id: 'cat_snacks', code: 'snacks', name: 'Snacks & braised food' },
  { id: 'cat_coffee', code: 'coffee', name: 'Coffee & tea' },
];

const BRANDS: { key: string; name: string; category: string; rateBps: number; city: City; stores: number }[] = [
  { key: 'kfc', name: 'KFC', category: 'cat_fast_food', rateBps: 110, city: 'Hangzhou', stores: 4 },
  { key: 'burgerking', name: 'Burger King', category: 'cat_fast_food', rateBps: 110, city: 'Shanghai', stores: 3 },
  { key: 'newhope', name: 'New Hope Dairy', category: 'cat_dairy', rateBps: 60, city: 'Hangzhou', stores: 2 },
  { key: 'muji', name: 'Muji', category: 'cat_retail', rateBps: 150, city: 'Shanghai', stores: 3 },
  { key: 'ctrip', name: 'Ctrip', category: 'cat_travel', rateBps: 200, city: 'Shanghai', stores: 1 },
  { key: 'eleme', name: 'Ele.me', category: 'cat_delivery', rateBps: 80, city: 'Hangzhou', stores: 1 },
  { key: 'zhouheiya', name: 'Zhou Hei Ya', category: 'cat_snacks', rateBps: 120, city: 'Hangzhou', stores: 3 },
  { key: 'luckin', name: 'Luckin Coffee', category: 'cat_coffee', rateBps: 100, city: 'Hangzhou', stores: 3 },
];

const LOCAL_NAMES = ['Noodle House', 'Xiaolongbao', 'Tea Garden', 'Hotpot', 'Bakery', 'Dumplings', 'Congee', 'BBQ'];
const NICKNAMES = ['Xiao Ming', 'Lily', 'Ah Qiang', 'Mei', 'Jun', 'Tingting', 'Hao', 'Yan', 'Lei', 'Fang'];
const CREATORS = ['Hangzhou Foodie', 'Shanghai Weekend', 'West Lake Walks', 'Bund Bites', 'Budget Eats Daily'];

/** The fixed records the spec promises: they exist at every scale, with these ids. */
export const FIXED = {
  users: { alice: 'usr_alice', bob: 'usr_bob', carol: 'usr_carol' },
  merchants: { kfc: 'mer_kfc', newhope: 'mer_newhope' },
  kfcLifeAccount: 'la_kfc',
  kfcStoreXihu: 'sto_kfc_hz_1',
  kfcCouponTemplate: 'cpt_kfc_1',
  kfcGroupBuyCampaign: 'gbc_kfc_1',
  kfcLiveStream: 'lvs_kfc_1',
  iouBobCarol: 'iou_bob_carol',
  iouBobAlice: 'iou_bob_alice',
  groupPaymentBobKfc: 'gpy_bob_kfc',
} as const;

const pad = (n: number, width = 4) => String(n).padStart(width, '0');
const jitter = (rng: Random, meters: number) => ((rng.next() - 0.5) * 2 * meters) / 111_000;

/** Builds the whole seed world. `scale` multiplies the generated volume; the fixed records are always there. */
export function buildWorld(scale = 1): World {
  if (!Number.isInteger(scale) || scale < 1) throw new Error('scale must be a positive integer');
  const rng = createRandom(20261101);
  const w: World = {
    categories: CATEGORIES,
    serviceProviders: [
      { id: 'sp_youzan', name: 'Youzan Local Services', city: 'Hangzhou' },
      { id: 'sp_weimob', name: 'Weimob Smart Retail', city: 'Shanghai' },
      { id: 'sp_koubei', name: 'Koubei Partner Studio', city: 'Hangzhou' },
    ],
    merchants: [],
    stores: [],
    miniPrograms: [],
    users: [],
    friendships: [],
    friendRequests: [],
    lifeAccounts: [],
    follows: [],
    posts: [],
    likes: [],
    favorites: [],
    comments: [],
    liveStreams: [],
    couponTemplates: [],
    coupons: [],
    groupBuyCampaigns: [],
    groupBuyGroups: [],
    ious: [],
    groupPayments: [],
  };

  // --- users -------------------------------------------------------------------------------------
  const named = [
    { id: FIXED.users.alice, nickname: 'Alice' },
    { id: FIXED.users.bob, nickname: 'Bob' },
    { id: FIXED.users.carol, nickname: 'Carol' },
  ];
  for (const [i, u] of named.entries()) {
    w.users.push({
      ...u,
      avatarUrl: `https://img.lifegraph.dev/avatars/${u.id}.png`,
      realNameVerified: true,
      createdAt: at(-400 + i),
    });
  }
  const userCount = 500 * scale;
  for (let i = 1; i <= userCount; i++) {
    const id = `usr_${pad(i)}`;
    w.users.push({
      id,
      nickname: `${rng.pick(NICKNAMES)} ${pad(i)}`,
      avatarUrl: `https://img.lifegraph.dev/avatars/${id}.png`,
      realNameVerified: rng.chance(0.8),
      createdAt: at(-rng.int(30, 700)),
    });
  }
  const generatedUserIds = w.users.slice(3).map((u) => u.id);
  w.friendships.push(
    { userId: FIXED.users.alice, friendId: FIXED.users.bob, since: at(-300) },
    { userId: FIXED.users.bob, friendId: FIXED.users.carol, since: at(-250) },
  );
  for (let i = 0; i + 1 < generatedUserIds.length; i += 2) {
    w.friendships.push({
      userId: generatedUserIds[i] as string,
      friendId: generatedUserIds[i + 1] as string,
      since: at(-rng.int(1, 200)),
    });
  }
  // A few friends for alice so her wallet has something to show, and one pending request to her.
  for (const friend of generatedUserIds.slice(0, 3)) {
    w.friendships.push({ userId: FIXED.users.alice, friendId: friend, since: at(-rng.int(1, 100)) });
  }
  w.friendRequests.push({
    id: 'frq_0004_alice',
    fromUserId: 'usr_0004',
    toUserId: FIXED.users.alice,
    createdAt: at(-2),
  });

  // --- merchants, stores, mini programs --------------------------------------------------------------
  const addMerchant = (
    key: string,
    name: string,
    categoryId: string,
    rateBps: number,
    city: City,
    storeCount: number,
    index: number,
  ) => {
    const id = `mer_${key}`;
    const onlineSince = at(-rng.int(40, 900));
    w.merchants.push({
      id,
      name,
      categoryId,
      status: 'ACTIVE',
      settlementRateBps: rateBps,
      serviceProviderId: w.serviceProviders[index % w.serviceProviders.length]?.id as string,
      city,
      joinedCircleAt: index % 2 === 0 ? at(-10) : null,
      createdAt: at(-rng.int(400, 1500)),
    });
    const c = CITIES[city];
    const cityCode = city === 'Hangzhou' ? 'hz' : 'sh';
    for (let s = 1; s <= storeCount; s++) {
      const district = c.districts[(s - 1) % c.districts.length] as string;
      w.stores.push({
        id: `sto_${key}_${cityCode}_${s}`,
        merchantId: id,
        name: `${name} ${district} ${s}`,
        address: `${rng.int(1, 399)} ${district} Road, ${district} District, ${city}`,
        city,
        lat: Number((c.lat + jitter(rng, 6000)).toFixed(6)),
        lng: Number((c.lng + jitter(rng, 6000)).toFixed(6)),
        openingHours: rng.pick(['07:00-23:00', '10:00-22:00', '00:00-24:00', '09:30-21:30']),
      });
    }
    w.miniPrograms.push({
      id: `mp_${key}`,
      merchantId: id,
      appId: `wx${pad(index + 1, 6)}${key.slice(0, 6)}`,
      name: `${name} Mini Program`,
      onlineSince,
    });
    return id;
  };
  for (const [i, b] of BRANDS.entries()) addMerchant(b.key, b.name, b.category, b.rateBps, b.city, b.stores, i);
  // The fixed KFC Xihu store sits by West Lake so "near West Lake" demos always find it.
  const kfcXihu = w.stores.find((s) => s.id === FIXED.kfcStoreXihu);
  if (kfcXihu)
    Object.assign(kfcXihu, { lat: 30.2592, lng: 120.1484, address: '1 Hubin Road, Xihu District, Hangzhou' });
  // A merchant whose mini program is only days old: not yet eligible for the consumption circle.
  const young = w.miniPrograms.find((m) => m.id === 'mp_eleme');
  if (young) young.onlineSince = at(-5);
  const localCount = 20 * scale;
  for (let i = 1; i <= localCount; i++) {
    const city: City = i % 2 === 0 ? 'Shanghai' : 'Hangzhou';
    const name = `${rng.pick(LOCAL_NAMES)} ${pad(i)}`;
    addMerchant(
      `local_${pad(i)}`,
      name,
      rng.pick(CATEGORIES).id,
      rng.pick([60, 100, 110, 150]),
      city,
      rng.int(1, 3),
      BRANDS.length + i,
    );
  }

  // --- life accounts, follows ---------------------------------------------------------------------
  for (const m of w.merchants) {
    w.lifeAccounts.push({
      id: `la_${m.id.slice(4)}`,
      kind: 'BRAND',
      name: m.name,
      bio: `Official ${m.name} account: new offers, live streams and stores near you.`,
      merchantId: m.id,
      createdAt: at(-rng.int(100, 400)),
    });
  }
  for (const [i, name] of CREATORS.entries()) {
    w.lifeAccounts.push({
      id: `la_creator_${i + 1}`,
      kind: 'CREATOR',
      name,
      bio: `${name}: honest local reviews.`,
      merchantId: null,
      createdAt: at(-rng.int(50, 300)),
    });
  }
  w.lifeAccounts.push(
    {
      id: 'la_gov_hz_culture',
      kind: 'GOVERNMENT',
      name: 'Hangzhou Culture & Tourism',
      bio: 'Official city news.',
      merchantId: null,
      createdAt: at(-600),
    },
    {
      id: 'la_service_citizen',
      kind: 'SERVICE',
      name: 'Citizen Services',
      bio: 'Utilities, permits and more.',
      merchantId: null,
      createdAt: at(-500),
    },
  );
  w.follows.push(
    { userId: FIXED.users.alice, accountId: FIXED.kfcLifeAccount, createdAt: at(-20) },
    { userId: FIXED.users.alice, accountId: 'la_creator_1', createdAt: at(-19) },
    { userId: FIXED.users.alice, accountId: 'la_newhope', createdAt: at(-18) },
    { userId: FIXED.users.bob, accountId: FIXED.kfcLifeAccount, createdAt: at(-15) },
  );
  for (const userId of generatedUserIds) {
    // Two picks per user; the same account picked twice is followed once (no scan of all follows: linear at any scale).
    const picked = new Set([rng.pick(w.lifeAccounts).id, rng.pick(w.lifeAccounts).id]);
    for (const accountId of picked) w.follows.push({ userId, accountId, createdAt: at(-rng.int(1, 60)) });
  }

  // --- offers: coupon templates, claimed coupons, group buys -------------------------------------------
  for (const [i, m] of w.merchants.entries()) {
    const key = m.id.slice(4);
    const percent = i % 3 === 1;
    w.couponTemplates.push({
      id: `cpt_${key}_1`,
      merchantId: m.id,
      title: percent ? `${m.name}: 15% off, up to ¥20` : `${m.name}: ¥10 off ¥50`,
      kind: percent ? 'PERCENT_OFF' : 'FIXED_AMOUNT',
      faceValueFen: percent ? null : 1000,
      percentOff: percent ? 15 : null,
      capFen: percent ? 2000 : null,
      minSpendFen: 5000,
      totalStock: 1000,
      perUserLimit: 2,
      claimStartsAt: at(-30),
      // Ten-year windows keep the demo records claimable whenever the seed is run.
      claimEndsAt: at(3650),
      validDays: 30,
      createdAt: at(-31),
    });
    w.couponTemplates.push({
      id: `cpt_${key}_2`,
      merchantId: m.id,
      title: `${m.name}: ¥3 off, no minimum`,
      kind: 'FIXED_AMOUNT',
      faceValueFen: 300,
      percentOff: null,
      capFen: null,
      minSpendFen: 0,
      totalStock: 200,
      perUserLimit: 1,
      claimStartsAt: at(-10),
      claimEndsAt: at(3650),
      validDays: 7,
      createdAt: at(-11),
    });
    const groupSize = rng.pick([2, 3, 5]);
    const originalPriceFen = rng.int(30, 200) * 100;
    w.groupBuyCampaigns.push({
      id: `gbc_${key}_1`,
      merchantId: m.id,
      title: `${m.name} group deal for ${groupSize}`,
      groupSize,
      groupPriceFen: Math.round((originalPriceFen * 0.7) / 10) * 10,
      originalPriceFen,
      fillWithinMinutes: 24 * 60,
      startsAt: at(-20),
      endsAt: at(3650),
      createdAt: at(-21),
    });
  }
  let couponSeq = 0;
  const claim = (
    templateId: string,
    userId: string,
    claimedDays: number,
    validDays: number,
    liveStreamId: string | null = null,
  ) => {
    couponSeq += 1;
    w.coupons.push({
      id: `cpn_${pad(couponSeq, 6)}`,
      templateId,
      userId,
      liveStreamId,
      claimedAt: at(claimedDays),
      expiresAt: at(claimedDays + validDays),
    });
  };
  // Far-future expiry keeps alice's wallet coupons available whenever the demo runs.
  claim(FIXED.kfcCouponTemplate, FIXED.users.alice, -2, 3650);
  claim('cpt_newhope_1', FIXED.users.alice, -1, 3650);
  claim(FIXED.kfcCouponTemplate, FIXED.users.bob, -3, 3650, FIXED.kfcLiveStream);
  for (const userId of generatedUserIds.slice(0, 100 * scale)) {
    const t = rng.pick(w.couponTemplates);
    claim(t.id, userId, -rng.int(1, 20), t.validDays);
  }
  w.groupBuyGroups.push({
    id: 'gbg_kfc_1',
    campaignId: FIXED.kfcGroupBuyCampaign,
    memberIds: [FIXED.users.carol],
    createdAt: at(-1),
    // Open groups in the seed last as long as their campaign (never longer), so the merchant page shows one.
    expiresAt: at(3650),
  });
  for (const [i, c] of w.groupBuyCampaigns.slice(1, 1 + 5 * scale).entries()) {
    const leader = generatedUserIds[i * 2] as string;
    w.groupBuyGroups.push({
      id: `gbg_${c.id.slice(4)}`,
      campaignId: c.id,
      memberIds: [leader],
      createdAt: at(-1),
      expiresAt: at(3650),
    });
  }

  // --- posts, live streams ----------------------------------------------------------------------------
  const storesByMerchant = new Map<string, World['stores']>();
  for (const s of w.stores) storesByMerchant.set(s.merchantId, [...(storesByMerchant.get(s.merchantId) ?? []), s]);
  let postSeq = 0;
  for (const account of w.lifeAccounts) {
    const postCount = account.merchantId ? 6 : 4;
    for (let p = 1; p <= postCount; p++) {
      postSeq += 1;
      const stores = account.merchantId ? (storesByMerchant.get(account.merchantId) ?? []) : [];
      const store = stores.length ? rng.pick(stores) : null;
      const merchantKey = account.merchantId?.slice(4);
      const attachments: OfferRef[] = [];
      if (merchantKey && p % 2 === 1) attachments.push({ kind: 'COUPON_TEMPLATE', id: `cpt_${merchantKey}_1` });
      if (merchantKey && p % 3 === 1) attachments.push({ kind: 'GROUP_BUY_CAMPAIGN', id: `gbc_${merchantKey}_1` });
      if (merchantKey && p === 1) attachments.push({ kind: 'MINI_PROGRAM', id: `mp_${merchantKey}` });
      w.posts.push({
        id: account.id === FIXED.kfcLifeAccount ? `pst_kfc_${p}` : `pst_${pad(postSeq, 6)}`,
        accountId: account.id,
        kind: p % 2 === 0 ? 'SHORT_VIDEO' : 'IMAGE_TEXT',
        title: account.merchantId ? `${account.name}: what's new #${p}` : `${account.name} picks #${p}`,
        body: `Day ${p} at ${store?.name ?? 'around town'}. Worth the queue?`,
        mediaUrls: [`https://img.lifegraph.dev/posts/${account.id}/${p}.jpg`],
        storeId: store?.id ?? null,
        lat: store?.lat ?? null,
        lng: store?.lng ?? null,
        publishedAt: at(-p, rng.int(0, 23)),
        attachments,
      });
    }
  }
  for (const post of w.posts.slice(0, 60)) {
    for (const userId of [FIXED.users.bob, ...generatedUserIds.slice(0, rng.int(0, 12))]) {
      w.likes.push({ userId, postId: post.id, createdAt: at(-1) });
    }
    w.comments.push({
      id: `cmt_${post.id.slice(4)}`,
      postId: post.id,
      userId: FIXED.users.carol,
      body: 'Looks delicious!',
      createdAt: at(-1),
    });
  }
  w.favorites.push({ userId: FIXED.users.alice, postId: 'pst_kfc_1', createdAt: at(-1) });
  for (const m of w.merchants.slice(0, BRANDS.length)) {
    const key = m.id.slice(4);
    const base = {
      accountId: `la_${key}`,
      featuredOffers: [
        { kind: 'COUPON_TEMPLATE', id: `cpt_${key}_1` },
        { kind: 'GROUP_BUY_CAMPAIGN', id: `gbc_${key}_1` },
      ] as OfferRef[],
    };
    w.liveStreams.push(
      {
        ...base,
        id: `lvs_${key}_1`,
        title: `${m.name} live: today's deals`,
        status: 'LIVE',
        scheduledAt: at(-1),
        startedAt: at(-1),
        endedAt: null,
        viewerCount: rng.int(500, 20_000),
      },
      {
        ...base,
        id: `lvs_${key}_2`,
        title: `${m.name} weekend special`,
        status: 'SCHEDULED',
        scheduledAt: at(3650),
        startedAt: null,
        endedAt: null,
        viewerCount: 0,
      },
      {
        ...base,
        id: `lvs_${key}_3`,
        title: `${m.name} launch replay`,
        status: 'ENDED',
        scheduledAt: at(-8),
        startedAt: at(-8),
        endedAt: at(-8, 2),
        viewerCount: rng.int(1000, 50_000),
      },
    );
  }

  // --- social money: IOUs and AA group payments --------------------------------------------------------
  w.ious.push(
    {
      id: FIXED.iouBobCarol,
      lenderId: FIXED.users.bob,
      borrowerId: FIXED.users.carol,
      principalFen: 50_000,
      annualRateBps: 360,
      dueDate: at(3650),
      status: 'ACTIVE',
      createdAt: at(-30),
      repayments: [{ amountFen: 10_000, at: at(-5) }],
    },
    {
      id: FIXED.iouBobAlice,
      lenderId: FIXED.users.bob,
      borrowerId: FIXED.users.alice,
      principalFen: 8_800,
      annualRateBps: null,
      dueDate: at(3650),
      status: 'ACTIVE',
      createdAt: at(-10),
      repayments: [],
    },
  );
  w.groupPayments.push({
    id: FIXED.groupPaymentBobKfc,
    organizerId: FIXED.users.bob,
    title: 'KFC family bucket night',
    totalFen: 15_800,
    storeId: FIXED.kfcStoreXihu,
    participantIds: [FIXED.users.bob, FIXED.users.alice, FIXED.users.carol],
    paidIds: [FIXED.users.bob],
    createdAt: at(-3),
  });
  return w;
}
