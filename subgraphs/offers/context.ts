import type { SubgraphContext } from '../shared/context.ts';
import type { OffersDb } from './db.ts';
import type { Loaders } from './loaders.ts';

/** What every offers resolver receives. */
export type OffersContext = SubgraphContext<OffersDb, Loaders>;

/** A reference to an entity: what `__resolveReference` receives and what stubs return. */
export interface Ref {
  id: string;
}
