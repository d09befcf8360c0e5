import { defineSubgraph } from '../shared/server.ts';
import { createLoaders, invalidations } from './loaders.ts';
import { resolvers } from './resolvers/index.ts';
import * as tables from './tables.ts';

/** The merchants subgraph: merchants, stores, mini programs, service providers and categories (port 4001). */
export const merchants = defineSubgraph(new URL('.', import.meta.url), {
  name: 'merchants',
  tables,
  resolvers,
  createLoaders,
  invalidations,
  // No deadlines: consumption-circle eligibility is computed from `now` on every read, never stored.
  jobs: [],
});
