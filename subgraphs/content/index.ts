import { defineSubgraph } from '../shared/server.ts';
import { createLoaders, invalidations } from './loaders.ts';
import { contentProjection } from './projections.ts';
import { resolvers } from './resolvers/index.ts';
import { contentJobs } from './rules/jobs.ts';
import * as tables from './tables.ts';

/** The content subgraph: life accounts, posts, comments and live streams (port 4002). */
export const content = defineSubgraph(new URL('.', import.meta.url), {
  name: 'content',
  tables,
  resolvers,
  createLoaders,
  invalidations,
  jobs: contentJobs,
  projection: contentProjection,
});
