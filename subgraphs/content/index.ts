import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '../shared/server.ts';
import { createLoaders, type Loaders } from './loaders.ts';
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

/** The content subgraph: life accounts, posts, comments and live streams. */
export const content = {
  name: 'content',
  schemaFile: fileURLToPath(new URL('./schema.graphql', import.meta.url)),
  tables,
  migrationsFolder: fileURLToPath(new URL('./migrations', import.meta.url)),
  resolvers: {
    Query,
    Mutation: { ...Mutation, ...PublishingMutations },
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
  jobs: contentJobs,
} satisfies SubgraphDefinition<typeof tables, Loaders>;
