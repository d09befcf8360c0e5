import { defineSubgraph } from '../shared/server.ts';
import { createLoaders, invalidations } from './loaders.ts';
import { offersProjection } from './projections.ts';
import { resolvers } from './resolvers/index.ts';
import { offersJobs } from './rules/jobs.ts';
import * as tables from './tables.ts';

/** The offers subgraph: coupons, group buys, settlements and commissions (port 4003). */
export const offers = defineSubgraph(new URL('.', import.meta.url), {
  name: 'offers',
  tables,
  resolvers,
  createLoaders,
  invalidations,
  jobs: offersJobs,
  projection: offersProjection,
});
