/**
 * The fixed ids and names of the seed world: the records the spec promises (they exist at every scale, with these
 * ids, for docs, demos and tests) and the catalog the generated records are drawn from. Builders in `world/` use
 * these constants; tests may import them too.
 */

/** Ids of the records the spec promises. */
export const FIXED = {
  users: { alice: 'usr_alice', bob: 'usr_bob', carol: 'usr_carol' },
  merchants: { kfc: 'mer_kfc', newhope: 'mer_newhope' },
  kfcLifeAccount: 'la_kfc',
  kfcStoreXihu: 'sto_kfc_hz_1',
  kfcCouponTemplate: 'cpt_kfc_1',
  newhopeCouponTemplate: 'cpt_newhope_1',
  kfcGroupBuyCampaign: 'gbc_kfc_1',
  kfcGroupBuyGroup: 'gbg_kfc_1',
  kfcLiveStream: 'lvs_kfc_1',
  friendRequestToAlice: 'frq_0004_alice',
  iouBobCarol: 'iou_bob_carol',
  iouBobAlice: 'iou_bob_alice',
  groupPaymentBobKfc: 'gpy_bob_kfc',
} as const;

/** The named users, in this order before the generated ones. */
export const NAMED_USERS = [
  { id: FIXED.users.alice, nickname: 'Alice' },
  { id: FIXED.users.bob, nickname: 'Bob' },
  { id: FIXED.users.carol, nickname: 'Carol' },
] as const;

/** Where the fixed KFC Xihu store sits: by West Lake, so "near West Lake" demos always find it. */
export const KFC_XIHU = { lat: 30.2592, lng: 120.1484, address: '1 Hubin Road, Xihu District, Hangzhou' } as const;

/** A mini program only days old: its merchant is not yet eligible for the consumption circle. */
export const YOUNG_MINI_PROGRAM = 'mp_eleme';

/** Days from the seed epoch to the end of the demo records' windows: ten years keeps them usable whenever run. */
export const FAR_FUTURE_DAYS = 3650;

export const CITIES = {
  Hangzhou: { lat: 30.2741, lng: 120.1551, districts: ['Xihu', 'Shangcheng', 'Gongshu', 'Binjiang', 'Yuhang'] },
  Shanghai: { lat: 31.2304, lng: 121.4737, districts: ['Huangpu', 'Jing\u2019an', 'Xuhui', 'Pudong', 'Changning'] },
} as const;
export type City = keyof typeof CITIES;

export const CATEGORIES = [
  { id: 'cat_fast_food', code: 'fast_food', name: 'Fast food' },
  { id: 'cat_dairy', code: 'dairy', name: 'Dairy & fresh' },
  { id: 'cat_retail', code: 'retail', name: 'Lifestyle retail' },
  { id: 'cat_travel', code: 'travel', name: 'Travel' },
  { id: 'cat_delivery', code: 'delivery', name: 'Food delivery' },
  { id: 'cat_snacks', code: 'snacks', name: 'Snacks & braised food' },
  { id: 'cat_coffee', code: 'coffee', name: 'Coffee & tea' },
] as const;

export const SERVICE_PROVIDERS = [
  { id: 'sp_youzan', name: 'Youzan Local Services', city: 'Hangzhou' },
  { id: 'sp_weimob', name: 'Weimob Smart Retail', city: 'Shanghai' },
  { id: 'sp_koubei', name: 'Koubei Partner Studio', city: 'Hangzhou' },
] as const;

/** A brand: merchant `mer_<key>` in `category`, settling at `rateBps`, with `stores` stores in its city. */
export interface Brand {
  key: string;
  name: string;
  /** The brand's Chinese name (the SPEC's list), which search finds. */
  nameZh: string;
  category: string;
  rateBps: number;
  city: City;
  stores: number;
}

/** The brands, in this order, before the generated local merchants. */
export const BRANDS: readonly Brand[] = [
  { key: 'kfc', name: 'KFC', nameZh: '肯德基', category: 'cat_fast_food', rateBps: 110, city: 'Hangzhou', stores: 4 },
  {
    key: 'burgerking',
    name: 'Burger King',
    nameZh: '汉堡王',
    category: 'cat_fast_food',
    rateBps: 110,
    city: 'Shanghai',
    stores: 3,
  },
  {
    key: 'newhope',
    name: 'New Hope Dairy',
    nameZh: '新希望',
    category: 'cat_dairy',
    rateBps: 60,
    city: 'Hangzhou',
    stores: 2,
  },
  { key: 'muji', name: 'Muji', nameZh: '无印良品', category: 'cat_retail', rateBps: 150, city: 'Shanghai', stores: 3 },
  { key: 'ctrip', name: 'Ctrip', nameZh: '携程', category: 'cat_travel', rateBps: 200, city: 'Shanghai', stores: 1 },
  {
    key: 'eleme',
    name: 'Ele.me',
    nameZh: '饿了么',
    category: 'cat_delivery',
    rateBps: 80,
    city: 'Hangzhou',
    stores: 1,
  },
  {
    key: 'zhouheiya',
    name: 'Zhou Hei Ya',
    nameZh: '周黑鸭',
    category: 'cat_snacks',
    rateBps: 120,
    city: 'Hangzhou',
    stores: 3,
  },
  {
    key: 'luckin',
    name: 'Luckin Coffee',
    nameZh: '瑞幸咖啡',
    category: 'cat_coffee',
    rateBps: 100,
    city: 'Hangzhou',
    stores: 3,
  },
];

/** Accounts that belong to no merchant, after the brands' and local merchants' own accounts. */
export const CREATORS = ['Hangzhou Foodie', 'Shanghai Weekend', 'West Lake Walks', 'Bund Bites', 'Budget Eats Daily'];
export const PUBLIC_ACCOUNTS = [
  {
    id: 'la_gov_hz_culture',
    kind: 'GOVERNMENT',
    name: 'Hangzhou Culture & Tourism',
    bio: 'Official city news.',
    createdDays: -600,
  },
  {
    id: 'la_service_citizen',
    kind: 'SERVICE',
    name: 'Citizen Services',
    bio: 'Utilities, permits and more.',
    createdDays: -500,
  },
] as const;

/** What generated names are drawn from. */
export const LOCAL_NAMES = [
  'Noodle House',
  'Xiaolongbao',
  'Tea Garden',
  'Hotpot',
  'Bakery',
  'Dumplings',
  'Congee',
  'BBQ',
];
export const NICKNAMES = ['Xiao Ming', 'Lily', 'Ah Qiang', 'Mei', 'Jun', 'Tingting', 'Hao', 'Yan', 'Lei', 'Fang'];

/** The number in a generated id, zero-padded: `usr_0001`, `cpn_000001`. */
export const pad = (n: number, width = 4) => String(n).padStart(width, '0');
