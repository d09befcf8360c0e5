import type { Config } from 'drizzle-kit';

export default {
  dialect: 'sqlite',
  schema: './subgraphs/content/tables.ts',
  out: './subgraphs/content/migrations',
} satisfies Config;
