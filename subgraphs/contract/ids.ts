import { randomBytes } from 'node:crypto';

/**
 * The type prefix of every opaque id (SPEC "Domain": `mer_`, `sto_`, `usr_`, ...). Ids cross subgraphs in
 * entity references and travel in the signed identity (`usr_...`, `key_...`), so the prefixes are spelled here once.
 */
export const ID_PREFIXES = {
  Category: 'cat',
  ServiceProvider: 'sp',
  Merchant: 'mer',
  Store: 'sto',
  MiniProgram: 'mp',
  LifeAccount: 'la',
  Post: 'pst',
  Comment: 'cmt',
  LiveStream: 'lvs',
  CouponTemplate: 'cpt',
  Coupon: 'cpn',
  GroupBuyCampaign: 'gbc',
  GroupBuyGroup: 'gbg',
  Commission: 'com',
  Settlement: 'stl',
  PromotionCampaign: 'prc',
  PromotionSlot: 'slt',
  User: 'usr',
  FriendRequest: 'frq',
  Iou: 'iou',
  IouRepayment: 'iorp',
  IouReminder: 'iorm',
  GroupPayment: 'gpy',
  GroupPaymentShare: 'shr',
  ApiKey: 'key',
} as const;
export type IdPrefix = (typeof ID_PREFIXES)[keyof typeof ID_PREFIXES];

/** A new opaque id with its type prefix (`cpn_`, `frq_`, ...): time-ordered, then 64 random bits. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
}
