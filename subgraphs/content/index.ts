import { defineSubgraph } from '../shared/server.ts';
import { createLoaders } from './loaders.ts';
import { Comment } from './resolvers/Comment.ts';
import { LifeAccount } from './resolvers/LifeAccount.ts';
import { LiveStream } from './resolvers/LiveStream.ts';
import { Merchant } from './resolvers/Merchant.ts';
import { Mutation } from './resolvers/Mutation.ts';
import { Post } from './resolvers/Post.ts';
import { PublishingMutations } from './resolvers/Publishing.ts';
import { Query } from './resolvers/Query.ts';
import { User } from './resolvers/User.ts';
import { FeaturedOffer, PostAttachment } from './resolvers/unions.ts';
import { contentJobs } from './rules/live-streams.ts';
import * as tables from './tables.ts';

const mutations = { ...Mutation, ...PublishingMutations };

/** The content subgraph: life accounts, posts, comments and live streams. */
export const content = defineSubgraph(new URL('.', import.meta.url), {
  name: 'content',
  tables,
  resolvers: {
    Query,
    Mutation: mutations,
    LifeAccount,
    Post,
    Comment,
    LiveStream,
    Merchant,
    User,
    PostAttachment,
    FeaturedOffer,
  },
  createLoaders,
  // Interim: the resolvers still clear their loaders by hand (converted next).
  invalidations: Object.fromEntries(Object.keys(mutations).map((name) => [name, []])),
  jobs: contentJobs,
});
