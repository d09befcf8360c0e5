import { defineSubgraph } from '../shared/server.ts';
import { createLoaders, invalidations } from './loaders.ts';
import { socialProjection } from './projections.ts';
import { resolvers } from './resolvers/index.ts';
import { socialJobs } from './rules/jobs.ts';
import * as tables from './tables.ts';

/** The social subgraph: users, friendships, IOUs and AA group payments (port 4004). */
export const social = defineSubgraph(new URL('.', import.meta.url), {
  name: 'social',
  tables,
  resolvers,
  createLoaders,
  invalidations,
  jobs: socialJobs,
  projection: socialProjection,
});
