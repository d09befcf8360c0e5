import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { FriendRequest } from './FriendRequest.ts';
import { GroupPayment } from './GroupPayment.ts';
import { GroupPaymentShare } from './GroupPaymentShare.ts';
import { Iou } from './Iou.ts';
import { IouRepayment } from './IouRepayment.ts';
import { Mutation } from './Mutation.ts';
import { Query } from './Query.ts';
import { User } from './User.ts';

/** Every resolver of the social subgraph, one file per type. */
export const resolvers = {
  Query,
  Mutation,
  User,
  FriendRequest,
  Iou,
  IouRepayment,
  GroupPayment,
  GroupPaymentShare,
} satisfies Resolvers;
