import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '../shared/server.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers/index.ts';
import { socialJobs } from './rules/jobs.ts';
import * as tables from './tables.ts';

/** The social subgraph: users, friendships, IOUs and AA group payments. */
export const social: SubgraphDefinition<typeof tables, Loaders> = {
  name: 'social',
  schemaFile: fileURLToPath(new URL('./schema.graphql', import.meta.url)),
  tables,
  migrationsFolder: fileURLToPath(new URL('./migrations', import.meta.url)),
  resolvers,
  createLoaders,
  jobs: socialJobs,
};
