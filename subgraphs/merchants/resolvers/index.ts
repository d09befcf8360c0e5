import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { Category } from './Category.ts';
import { Merchant } from './Merchant.ts';
import { MiniProgram } from './MiniProgram.ts';
import { Mutation } from './Mutation.ts';
import { Query } from './Query.ts';
import { ServiceProvider } from './ServiceProvider.ts';
import { Store } from './Store.ts';

/** Every resolver of the merchants subgraph, one file per type. */
export const resolvers = {
  Query,
  Mutation,
  Merchant,
  Store,
  MiniProgram,
  ServiceProvider,
  Category,
} satisfies Resolvers;
