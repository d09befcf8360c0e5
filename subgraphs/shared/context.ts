import type { Identity } from '../contract/identity.ts';

/** The clock every rule reads; tests and `npm run jobs` inject their own to move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Hooks tests use to inject a failure between two writes of a rule. */
export interface RuleOptions {
  afterStep?: (step: string) => void;
}

/** What every resolver of every subgraph receives. `loaders` are created fresh for each request. */
export interface SubgraphContext<TDb, TLoaders> {
  identity: Identity;
  db: TDb;
  loaders: TLoaders;
  clock: Clock;
  /** The gateway-subgraph secret, for keys derived from it for one purpose (Lights' slot tokens). */
  subgraphSecret: string;
}
