import type { SearchEdgeRow, SearchNode } from './edges.ts';

/** Where promoted results go on a page, 1-based (issue 13: positions 1 and 4), hence at most two a page. */
export const PROMOTED_POSITIONS = [1, 4] as const;

/** A paid placement Lights serves for this search, and the entity it promotes (a search result like any). */
export interface PromotedSlot<Slot> {
  promotion: Slot;
  node: SearchNode;
}

/**
 * The seam for Lights: a page of organic edges with the promoted slots placed at positions 1 and 4 (after the
 * organic ones when the page is shorter), the first two slots only, each marked `promoted`. Promoted edges come on
 * top of `first` and do not count toward paging: each carries the cursor of the organic edge before it
 * (`cursorBefore` — the page's `after`, or the start — for one placed first), so `after` it continues the organic
 * results where they were.
 */
export function mergePromoted<Slot>(
  organic: readonly SearchEdgeRow<Slot>[],
  slots: readonly PromotedSlot<Slot>[],
  cursorBefore: string,
): SearchEdgeRow<Slot>[] {
  const edges = [...organic];
  PROMOTED_POSITIONS.forEach((position, i) => {
    const slot = slots[i];
    if (!slot) return;
    const at = Math.min(position - 1, edges.length);
    const cursor = at === 0 ? cursorBefore : (edges[at - 1] as SearchEdgeRow<Slot>).cursor;
    edges.splice(at, 0, { cursor, node: slot.node, promoted: true, promotion: slot.promotion, distanceMeters: null });
  });
  return edges;
}
