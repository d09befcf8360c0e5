import type { Connection } from '../../shared/connection.ts';
import type { EntityRef } from '../context.ts';
import type { OfferKind } from '../tables.ts';

const TYPENAMES: Record<OfferKind, EntityRef['__typename']> = {
  COUPON_TEMPLATE: 'CouponTemplate',
  GROUP_BUY_CAMPAIGN: 'GroupBuyCampaign',
  MINI_PROGRAM: 'MiniProgram',
};

/** A stored (kind, target id) as a reference the owning subgraph resolves. */
export function offerRef(row: { kind: OfferKind; targetId: string }): EntityRef {
  return { __typename: TYPENAMES[row.kind], id: row.targetId };
}

/** Replaces each edge's node (a link row) by the entity it points at, loaded in one batch. */
export async function mapNodes<A, B>(
  connection: Connection<A>,
  load: (node: A) => Promise<B | null>,
): Promise<Connection<B>> {
  const nodes = await Promise.all(connection.edges.map((edge) => load(edge.node)));
  const edges = connection.edges.flatMap((edge, i) => {
    const node = nodes[i];
    return node ? [{ cursor: edge.cursor, node }] : [];
  });
  return { edges, pageInfo: connection.pageInfo };
}
