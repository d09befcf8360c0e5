import type { Config } from 'drizzle-kit';

export default {
  dialect: 'sqlite',
  schema: './subgraphs/offers/tables.ts',
  out: './subgraphs/offers/migrations',
} satisfies Config;
