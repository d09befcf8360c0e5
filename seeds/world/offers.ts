import type * as tables from '../../subgraphs/offers/tables.ts';
import { FAR_FUTURE_DAYS, FIXED, pad } from '../fixtures.ts';
import type { Row, SeedContext } from './context.ts';
import type { MerchantsSeed } from './merchants.ts';

const { alice, bob, carol } = FIXED.users;
const SECOND = 1000;

type CouponTemplate = Row<typeof tables.couponTemplates>;
type Campaign = Row<typeof tables.groupBuyCampaigns>;

/**
 * Offers' copies of the merchants' terms and stores; two coupon templates and a group-buy campaign per merchant;
 * coupons claimed by alice, bob and the first `100 × scale` generated users (each taking one of its template's
 * stock); and forming groups, one led by carol under KFC's campaign.
 */
export function buildOffers({ random, at, scale }: SeedContext, { merchants, stores }: MerchantsSeed, crowd: string[]) {
  const merchantTerms: Row<typeof tables.merchantTerms>[] = merchants.map((m) => ({
    merchantId: m.id,
    settlementRateBps: m.settlementRateBps,
  }));
  const storeMerchants: Row<typeof tables.storeMerchants>[] = stores.map((s) => ({
    storeId: s.id,
    merchantId: s.merchantId,
  }));

  const couponTemplates: CouponTemplate[] = [];
  const groupBuyCampaigns: Campaign[] = [];
  for (const [i, m] of merchants.entries()) {
    const key = m.id.slice(4);
    const percent = i % 3 === 1;
    couponTemplates.push(
      {
        id: `cpt_${key}_1`,
        merchantId: m.id,
        title: percent ? `${m.name}: 15% off, up to ¥20` : `${m.name}: ¥10 off ¥50`,
        kind: percent ? 'PERCENT_OFF' : 'FIXED_AMOUNT',
        faceValueFen: percent ? null : 1000,
        percentOff: percent ? 15 : null,
        capFen: percent ? 2000 : null,
        minSpendFen: 5000,
        totalStock: 1000,
        remainingStock: 1000,
        perUserLimit: 2,
        claimStartsAt: at(-30),
        claimEndsAt: at(FAR_FUTURE_DAYS),
        validDays: 30,
        createdAt: at(-31),
      },
      {
        id: `cpt_${key}_2`,
        merchantId: m.id,
        title: `${m.name}: ¥3 off, no minimum`,
        kind: 'FIXED_AMOUNT',
        faceValueFen: 300,
        percentOff: null,
        capFen: null,
        minSpendFen: 0,
        totalStock: 200,
        remainingStock: 200,
        perUserLimit: 1,
        claimStartsAt: at(-10),
        claimEndsAt: at(FAR_FUTURE_DAYS),
        validDays: 7,
        createdAt: at(-11),
      },
    );
    const groupSize = random.pick([2, 3, 5]);
    const originalPriceFen = random.int(30, 200) * 100;
    groupBuyCampaigns.push({
      id: `gbc_${key}_1`,
      merchantId: m.id,
      title: `${m.name} group deal for ${groupSize}`,
      groupSize,
      groupPriceFen: Math.round((originalPriceFen * 0.7) / 10) * 10,
      originalPriceFen,
      fillWithinMinutes: 24 * 60,
      startsAt: at(-20),
      endsAt: at(FAR_FUTURE_DAYS),
      createdAt: at(-21),
    });
  }

  const templateById = new Map(couponTemplates.map((t) => [t.id, t]));
  const coupons: Row<typeof tables.coupons>[] = [];
  const claim = (
    templateId: string,
    userId: string,
    claimedDays: number,
    validDays: number,
    liveStreamId: string | null = null,
  ) => {
    const template = templateById.get(templateId);
    if (!template) throw new Error(`seed world: a coupon of unknown template ${templateId}`);
    template.remainingStock -= 1;
    coupons.push({
      id: `cpn_${pad(coupons.length + 1, 6)}`,
      templateId,
      userId,
      status: 'AVAILABLE',
      liveStreamId,
      claimedAt: at(claimedDays),
      expiresAt: at(claimedDays + validDays),
    });
  };
  // Far-future expiry keeps alice's wallet coupons available whenever the demo runs.
  claim(FIXED.kfcCouponTemplate, alice, -2, FAR_FUTURE_DAYS);
  claim(FIXED.newhopeCouponTemplate, alice, -1, FAR_FUTURE_DAYS);
  claim(FIXED.kfcCouponTemplate, bob, -3, FAR_FUTURE_DAYS, FIXED.kfcLiveStream);
  for (const userId of crowd.slice(0, 100 * scale)) {
    const t = random.pick(couponTemplates);
    claim(t.id, userId, -random.int(1, 20), t.validDays);
  }

  const groupBuyGroups: Row<typeof tables.groupBuyGroups>[] = [];
  const groupBuyMembers: Row<typeof tables.groupBuyMembers>[] = [];
  // Open groups in the seed last as long as their campaign (never longer), so the merchant page shows one.
  const formingGroup = (id: string, campaign: Campaign, memberIds: string[]) => {
    const createdAt = at(-1);
    groupBuyGroups.push({
      id,
      campaignId: campaign.id,
      leaderId: memberIds[0] as string,
      status: 'FORMING',
      groupSize: campaign.groupSize,
      memberCount: memberIds.length,
      createdAt,
      expiresAt: at(FAR_FUTURE_DAYS),
    });
    for (const [i, userId] of memberIds.entries()) {
      // Members joined one after another, the leader when the group was created.
      const joinedAt = new Date(createdAt.getTime() + i * SECOND);
      groupBuyMembers.push({ groupId: id, userId, position: i + 1, paidFen: campaign.groupPriceFen, joinedAt });
    }
  };
  const kfcCampaign = groupBuyCampaigns.find((c) => c.id === FIXED.kfcGroupBuyCampaign);
  if (!kfcCampaign) throw new Error(`seed world: no campaign ${FIXED.kfcGroupBuyCampaign}`);
  formingGroup(FIXED.kfcGroupBuyGroup, kfcCampaign, [carol]);
  for (const [i, c] of groupBuyCampaigns.slice(1, 1 + 5 * scale).entries())
    formingGroup(`gbg_${c.id.slice(4)}`, c, [crowd[i * 2] as string]);

  return {
    merchantTerms,
    storeMerchants,
    couponTemplates,
    coupons,
    groupBuyCampaigns,
    groupBuyGroups,
    groupBuyMembers,
  };
}
