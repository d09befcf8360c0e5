import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '../shared/server.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers/index.ts';
import { offersJobs } from './rules/jobs.ts';
import * as tables from './tables.ts';

/** The offers subgraph: coupons, group buys and commissions. */
export const offers = {
  name: 'offers',
  schemaFile: fileURLToPath(new URL('./schema.graphql', import.meta.url)),
  tables,
  migrationsFolder: fileURLToPath(new URL('./migrations', import.meta.url)),
  resolvers,
  createLoaders,
  jobs: offersJobs,
} satisfies SubgraphDefinition<typeof tables, Loaders>;
