import type { Config } from 'drizzle-kit';

export default {
  dialect: 'sqlite',
  schema: './subgraphs/merchants/tables.ts',
  out: './subgraphs/merchants/migrations',
} satisfies Config;
