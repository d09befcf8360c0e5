import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { Comment } from './Comment.ts';
import { LifeAccount } from './LifeAccount.ts';
import { LiveStream } from './LiveStream.ts';
import { Merchant } from './Merchant.ts';
import { Mutation } from './Mutation.ts';
import { Post } from './Post.ts';
import { Query } from './Query.ts';
import { User } from './User.ts';

/**
 * Every resolver of the content subgraph, one file per type. The unions PostAttachment and FeaturedOffer need none:
 * their members are references that carry `__typename` (see refs.ts).
 */
export const resolvers = {
  Query,
  Mutation,
  LifeAccount,
  Post,
  Comment,
  LiveStream,
  Merchant,
  User,
} satisfies Resolvers;
