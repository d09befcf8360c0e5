import { BRANDS } from './fixtures.ts';
import { createRandom } from './random.ts';
import { buildAccounts, buildContentStoreDirectory, buildLiveStreams, buildPosts } from './world/content.ts';
import type { SeedContext } from './world/context.ts';
import { buildLights } from './world/lights.ts';
import { buildMerchants } from './world/merchants.ts';
import { buildOffers } from './world/offers.ts';
import { buildPeople, buildSocialMoney, generatedUserIds } from './world/social.ts';

/**
 * The seed world: the rows of every table of every subgraph, built in memory by pure functions from a fixed seed
 * and a fixed epoch, so the same `--scale` always gives the same rows, ids and all. The parts are built in
 * `world/<subgraph>.ts` from the fixed ids and names of `fixtures.ts`; each subgraph's writer
 * (`write-<subgraph>.ts`) stores its own tables.
 */
export type World = ReturnType<typeof buildWorld>;

/** All seed timestamps are offsets from this instant, never from "now". */
export const SEED_EPOCH = new Date('2026-11-01T00:00:00.000Z');
const RANDOM_SEED = 20261101;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Builds the whole seed world. `scale` multiplies the generated volume; the fixed records are always there. */
export function buildWorld(scale = 1) {
  if (!Number.isInteger(scale) || scale < 1) throw new Error('scale must be a positive integer');
  const context: SeedContext = {
    random: createRandom(RANDOM_SEED),
    at: (days, hours = 0) => new Date(SEED_EPOCH.getTime() + days * DAY + hours * HOUR),
    scale,
  };
  // Every part draws from the one random sequence, so they are built in this order: a change of order (or of what
  // one part draws) changes every row built after it.
  const people = buildPeople(context);
  const crowd = generatedUserIds(people.users);
  const merchants = buildMerchants(context);
  const accounts = buildAccounts(context, merchants.merchants, crowd);
  const offers = buildOffers(context, merchants, crowd);
  const posts = buildPosts(context, accounts.lifeAccounts, merchants.stores, crowd);
  const liveStreams = buildLiveStreams(context, merchants.merchants.slice(0, BRANDS.length));
  return {
    ...merchants,
    ...accounts,
    ...buildContentStoreDirectory(merchants.stores),
    ...posts,
    ...liveStreams,
    ...offers,
    ...buildLights(context, crowd),
    ...people,
    ...buildSocialMoney(context, merchants.stores),
  };
}
