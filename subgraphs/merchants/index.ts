import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '../shared/server.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers/index.ts';
import * as tables from './tables.ts';

/** The merchants subgraph: merchants, stores, mini programs, service providers and categories (port 4001). */
export const merchants = {
  name: 'merchants',
  schemaFile: fileURLToPath(new URL('./schema.graphql', import.meta.url)),
  tables,
  migrationsFolder: fileURLToPath(new URL('./migrations', import.meta.url)),
  resolvers,
  createLoaders,
  // No deadlines: consumption-circle eligibility is computed from `now` on every read, never stored.
  jobs: [],
} satisfies SubgraphDefinition<typeof tables, Loaders>;
