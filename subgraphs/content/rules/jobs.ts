import { SYSTEM } from '../../shared/actors.ts';
import type { SubgraphJob } from '../../shared/jobs.ts';
import type { ContentDb } from '../context.ts';
import { endNoShowLiveStreams } from './live-streams.ts';

/** The content subgraph's deadline jobs. */
export const contentJobs: SubgraphJob<ContentDb>[] = [
  { name: 'live-stream-no-shows', intervalMs: 5 * 60_000, run: (db, now) => endNoShowLiveStreams(db, now, SYSTEM) },
];
