import { content } from './content/index.ts';
import { merchants } from './merchants/index.ts';
import { offers } from './offers/index.ts';
import type { SubgraphName } from './shared/config.ts';
import { social } from './social/index.ts';

/** Every subgraph definition by name, in start and composition order. */
export const SUBGRAPHS = { merchants, content, offers, social } as const satisfies Record<SubgraphName, unknown>;
