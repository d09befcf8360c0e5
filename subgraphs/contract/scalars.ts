import type { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, SafeIntResolver } from 'graphql-scalars';

/**
 * The custom scalars of the graph, by name, as the subgraphs parse them. The gateway checks client values
 * with the same objects (gateway/plugins/scalars.ts), so it refuses exactly what a subgraph would.
 */
export const CUSTOM_SCALARS: Readonly<Record<string, GraphQLScalarType>> = {
  DateTime: DateTimeResolver,
  SafeInt: SafeIntResolver,
};

/** What to send instead of a refused value, per scalar. */
export const SCALAR_HINTS: Readonly<Record<string, string>> = {
  DateTime: 'send an RFC 3339 date-time string such as "2027-02-28T09:30:00Z"',
  SafeInt: `send a whole number between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
};
