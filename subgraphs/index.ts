import { content } from './content/index.ts';
import type { SubgraphName } from './contract/settings.ts';
import { merchants } from './merchants/index.ts';
import { offers } from './offers/index.ts';
import type { Subgraph } from './shared/server.ts';
import { social } from './social/index.ts';

/** Every subgraph by name, in start and composition order. Each keeps its own types; see `defineSubgraph`. */
export const SUBGRAPHS: Record<SubgraphName, Subgraph> = { merchants, content, offers, social };
