import type DataLoader from 'dataloader';
import type { Connection } from '../../shared/connection.ts';
import type { ChildRef } from '../loaders.ts';

/** Turns a page of child ids into a page of entities, all fetched by one batched entity loader. */
export async function loadNodes<N>(
  page: Connection<ChildRef>,
  loader: DataLoader<string, N | null>,
): Promise<Connection<N>> {
  const nodes = await loader.loadMany(page.edges.map((edge) => edge.node.id));
  const edges = page.edges.flatMap((edge, i) => {
    const node = nodes[i];
    return node && !(node instanceof Error) ? [{ cursor: edge.cursor, node }] : [];
  });
  return { edges, pageInfo: page.pageInfo };
}
