import type { PageArgs } from '../../shared/connection.ts';
import type { SubgraphContext } from '../../shared/context.ts';
import type { MerchantsDb } from '../db.ts';
import type { Loaders } from '../loaders.ts';

/** What every merchants resolver receives. */
export type Ctx = SubgraphContext<MerchantsDb, Loaders>;

/** An entity reference from the gateway. */
export interface Ref {
  id: string;
}

export type { PageArgs };
