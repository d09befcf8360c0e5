import { content } from './content/index.ts';
import type { SubgraphName } from './contract/settings.ts';
import { merchants } from './merchants/index.ts';
import { offers } from './offers/index.ts';
import type { SubgraphDefinition } from './shared/server.ts';
import { social } from './social/index.ts';

/** Every subgraph definition by name, in start and composition order. */
// biome-ignore lint/suspicious/noExplicitAny: the registry erases each subgraph's own table and loader types
export const SUBGRAPHS: Record<SubgraphName, SubgraphDefinition<any, any>> = { merchants, content, offers, social };
