import { viewerOf } from '../../shared/actors.ts';
import { type PageArgs, parsePage, toConnection } from '../../shared/connection.ts';
import type { GeoPoint } from '../../shared/geo.ts';
import type { ContentContext, LifeAccountRow, LiveStreamRow } from '../context.ts';
import { selectLifeAccounts, selectLiveStreams } from '../rules/catalog.ts';
import { selectFeed } from '../rules/feed.ts';

type IdArgs = { id: string };

export const Query = {
  lifeAccount: (_: unknown, { id }: IdArgs, ctx: ContentContext) => ctx.loaders.lifeAccountById.load(id),
  lifeAccounts: (_: unknown, args: PageArgs & { kind?: LifeAccountRow['kind'] | null }, ctx: ContentContext) => {
    const page = parsePage(args);
    return toConnection(selectLifeAccounts(ctx.db, args.kind ?? null, page), page);
  },
  post: (_: unknown, { id }: IdArgs, ctx: ContentContext) => ctx.loaders.postById.load(id),
  lifeChannelFeed: (_: unknown, args: PageArgs & { near?: GeoPoint | null }, ctx: ContentContext) => {
    const page = parsePage(args);
    const rows = selectFeed(ctx.db, { viewerId: (viewerOf(ctx.identity)?.userId ?? null), near: args.near ?? null }, page);
    for (const row of rows) ctx.loaders.postById.prime(row.id, row);
    return toConnection(rows, page);
  },
  liveStream: (_: unknown, { id }: IdArgs, ctx: ContentContext) => ctx.loaders.liveStreamById.load(id),
  liveStreams: (_: unknown, args: PageArgs & { status?: LiveStreamRow['status'] | null }, ctx: ContentContext) => {
    const page = parsePage(args);
    return toConnection(selectLiveStreams(ctx.db, args.status ?? null, page), page);
  },
};
