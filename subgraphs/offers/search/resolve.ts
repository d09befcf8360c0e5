import type { QuerySearchArgs } from '../__generated__/resolvers-types.ts';
import type { OffersContext, PromotionSlotRow } from '../context.ts';
import { promotedSlots } from '../lights/search-slots.ts';
import { encodeSearchCursor, START } from './cursor.ts';
import { loadSearchNode, type SearchEdgeRow } from './edges.ts';
import { mergePromoted } from './promoted.ts';
import { search } from './query.ts';

/** `Query.search`: a page of ranked results, nodes loaded for the whole page at once, promoted slots placed. */
export async function searchConnection(ctx: OffersContext, args: QuerySearchArgs) {
  const page = search(ctx.db, args);
  const nodes = await Promise.all(page.hits.map((hit) => loadSearchNode(ctx, hit)));
  const organic = page.hits.flatMap((hit, i): SearchEdgeRow<PromotionSlotRow>[] => {
    const node = nodes[i];
    if (!node) return [];
    return [
      { cursor: encodeSearchCursor(hit), node, promoted: false, promotion: null, distanceMeters: hit.distanceMeters },
    ];
  });
  // Lights: SEARCH campaigns whose keywords match the query, at most two, placed at positions 1 and 4.
  const edges = mergePromoted<PromotionSlotRow>(
    organic,
    await promotedSlots(ctx, args),
    args.after ?? encodeSearchCursor(START),
  );
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: organic[0]?.cursor ?? null,
      endCursor: organic.at(-1)?.cursor ?? null,
    },
  };
}
