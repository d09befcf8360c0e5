import type { Config } from 'drizzle-kit';

export default {
  dialect: 'sqlite',
  schema: './subgraphs/social/tables.ts',
  out: './subgraphs/social/migrations',
} satisfies Config;
