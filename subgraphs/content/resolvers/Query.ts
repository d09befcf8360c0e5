import { viewerOf } from '../../shared/actors.ts';
import { parsePage, toConnection } from '../../shared/connection.ts';
import type { QueryResolvers } from '../__generated__/resolvers-types.ts';
import { selectLifeAccounts, selectLiveStreams } from '../rules/catalog.ts';
import { selectFeed } from '../rules/feed.ts';

export const Query: QueryResolvers = {
  lifeAccount: (_, { id }, ctx) => ctx.loaders.lifeAccountById.load(id),
  lifeAccounts: (_, args, ctx) => {
    const page = parsePage(args);
    return toConnection(selectLifeAccounts(ctx.db, args.kind ?? null, page), page);
  },
  post: (_, { id }, ctx) => ctx.loaders.postById.load(id),
  lifeChannelFeed: (_, args, ctx) => {
    const page = parsePage(args);
    return toConnection(selectFeed(ctx.db, viewerOf(ctx.identity), args, page), page);
  },
  liveStream: (_, { id }, ctx) => ctx.loaders.liveStreamById.load(id),
  liveStreams: (_, args, ctx) => {
    const page = parsePage(args);
    return toConnection(selectLiveStreams(ctx.db, args.status ?? null, page), page);
  },
};
