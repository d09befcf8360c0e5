import type { Config } from 'drizzle-kit';

export default {
  dialect: 'sqlite',
  schema: './gateway/keys/tables.ts',
  out: './gateway/keys/migrations',
} satisfies Config;
