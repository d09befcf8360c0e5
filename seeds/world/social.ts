import { splitEvenly } from '../../subgraphs/shared/money.ts';
import type * as tables from '../../subgraphs/social/tables.ts';
import { FAR_FUTURE_DAYS, FIXED, NAMED_USERS, NICKNAMES, pad } from '../fixtures.ts';
import type { Row, SeedContext } from './context.ts';
import type { MerchantsSeed } from './merchants.ts';

const { alice, bob, carol } = FIXED.users;
const avatarUrl = (userId: string) => `https://img.lifegraph.dev/avatars/${userId}.png`;

/** The ids of the generated users (`usr_0001`...), in order. */
export const generatedUserIds = (users: readonly { id: string }[]) => users.slice(NAMED_USERS.length).map((u) => u.id);

/**
 * The named users then `500 × scale` generated ones, friendships stored in both directions (alice and bob, bob and
 * carol, the generated users in pairs, alice and the first three), and one pending friend request to alice.
 */
export function buildPeople({ random, at, scale }: SeedContext) {
  const users: Row<typeof tables.users>[] = NAMED_USERS.map((u, i) => ({
    ...u,
    avatarUrl: avatarUrl(u.id),
    realNameVerified: true,
    createdAt: at(-400 + i),
  }));
  for (let i = 1; i <= 500 * scale; i++) {
    const id = `usr_${pad(i)}`;
    users.push({
      id,
      nickname: `${random.pick(NICKNAMES)} ${pad(i)}`,
      avatarUrl: avatarUrl(id),
      realNameVerified: random.chance(0.8),
      createdAt: at(-random.int(30, 700)),
    });
  }
  const crowd = generatedUserIds(users);

  const friendships: Row<typeof tables.friendships>[] = [];
  const befriend = (userId: string, friendId: string, createdAt: Date) =>
    friendships.push({ userId, friendId, createdAt }, { userId: friendId, friendId: userId, createdAt });
  befriend(alice, bob, at(-300));
  befriend(bob, carol, at(-250));
  for (let i = 0; i + 1 < crowd.length; i += 2)
    befriend(crowd[i] as string, crowd[i + 1] as string, at(-random.int(1, 200)));
  // A few friends for alice so her wallet has something to show, and one pending request to her.
  for (const friend of crowd.slice(0, 3)) befriend(alice, friend, at(-random.int(1, 100)));
  const friendRequests: Row<typeof tables.friendRequests>[] = [
    { id: FIXED.friendRequestToAlice, fromUserId: 'usr_0004', toUserId: alice, status: 'PENDING', createdAt: at(-2) },
  ];
  return { users, friendships, friendRequests };
}

/** An IOU with the repayments made on it, from which its stored status and totals follow. */
interface IouRecord {
  id: string;
  lenderId: string;
  borrowerId: string;
  principalFen: number;
  annualRateBps: number | null;
  /** PENDING or ACTIVE; REPAID follows from the repayments. */
  status: Row<typeof tables.ious>['status'];
  createdDays: number;
  repayments: { amountFen: number; days: number }[];
}

const IOUS: IouRecord[] = [
  {
    id: FIXED.iouBobCarol,
    lenderId: bob,
    borrowerId: carol,
    principalFen: 50_000,
    annualRateBps: 360,
    status: 'ACTIVE',
    createdDays: -30,
    repayments: [{ amountFen: 10_000, days: -5 }],
  },
  {
    id: FIXED.iouBobAlice,
    lenderId: bob,
    borrowerId: alice,
    principalFen: 8_800,
    annualRateBps: null,
    status: 'ACTIVE',
    createdDays: -10,
    repayments: [],
  },
];

/** An AA payment: the organizer first in `participantIds`, then the friends in join order. */
interface GroupPaymentRecord {
  id: string;
  organizerId: string;
  title: string;
  totalFen: number;
  storeId: string | null;
  participantIds: string[];
  /** Participants who have paid their share. */
  paidIds: string[];
  createdDays: number;
}

/** Bob's AA payment with alice and carol at the KFC Xihu store; bob has paid his share. */
const GROUP_PAYMENT: GroupPaymentRecord = {
  id: FIXED.groupPaymentBobKfc,
  organizerId: bob,
  title: 'KFC family bucket night',
  totalFen: 15_800,
  storeId: FIXED.kfcStoreXihu,
  participantIds: [bob, alice, carol],
  paidIds: [bob],
  createdDays: -3,
};

/**
 * The fixed IOUs with their repayments, the fixed group payment with its AA shares, and social's copy of the
 * stores (which group payments may name).
 */
export function buildSocialMoney({ at }: SeedContext, stores: MerchantsSeed['stores']) {
  const socialStoreDirectory: Row<typeof tables.storeDirectory>[] = stores.map((s) => ({
    storeId: s.id,
    merchantId: s.merchantId,
  }));
  const ious: Row<typeof tables.ious>[] = [];
  const iouRepayments: Row<typeof tables.iouRepayments>[] = [];
  for (const iou of IOUS) {
    const createdAt = at(iou.createdDays);
    const repaidFen = iou.repayments.reduce((sum, r) => sum + r.amountFen, 0);
    const repaid = iou.status === 'ACTIVE' && repaidFen >= iou.principalFen;
    const last = iou.repayments.at(-1);
    ious.push({
      id: iou.id,
      lenderId: iou.lenderId,
      borrowerId: iou.borrowerId,
      createdById: iou.lenderId,
      status: repaid ? 'REPAID' : iou.status,
      principalFen: iou.principalFen,
      repaidFen,
      annualRateBps: iou.annualRateBps,
      dueAt: at(FAR_FUTURE_DAYS),
      createdAt,
      confirmedAt: iou.status === 'ACTIVE' ? createdAt : null,
      repaidAt: repaid && last ? at(last.days) : null,
    });
    for (const [i, r] of iou.repayments.entries())
      iouRepayments.push({
        id: `iorp_${iou.id.slice(4)}_${i + 1}`,
        iouId: iou.id,
        amountFen: r.amountFen,
        paidAt: at(r.days),
      });
  }

  const gp = GROUP_PAYMENT;
  const createdAt = at(gp.createdDays);
  const settled = gp.participantIds.every((id) => gp.paidIds.includes(id));
  const groupPayments: Row<typeof tables.groupPayments>[] = [
    {
      id: gp.id,
      organizerId: gp.organizerId,
      title: gp.title,
      totalFen: gp.totalFen,
      storeId: gp.storeId,
      status: settled ? 'SETTLED' : 'OPEN',
      createdAt,
      settledAt: settled ? createdAt : null,
    },
  ];
  const amounts = splitEvenly(gp.totalFen, gp.participantIds.length);
  const groupPaymentShares: Row<typeof tables.groupPaymentShares>[] = gp.participantIds.map((userId, position) => ({
    groupPaymentId: gp.id,
    userId,
    position,
    amountFen: amounts[position] as number,
    paidAt: gp.paidIds.includes(userId) ? createdAt : null,
  }));
  return { socialStoreDirectory, ious, iouRepayments, groupPayments, groupPaymentShares };
}
