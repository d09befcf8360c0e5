import { z } from 'zod';
import { DEFAULT_PORTS, MAX_WORKERS, readIntegerEnv, resolveHost, SUBGRAPH_NAMES } from './settings.ts';

/**
 * The settings every serving process reads from its environment, as one zod schema checked once at start (see
 * `checkEnvironment`), so that a bad value stops the process before anything listens, with one line naming the
 * variable, the value and what is allowed, instead of a stack from wherever it was first read (pino's for
 * LOG_LEVEL) or a silent default. The gateway extends it with its own settings (gateway/settings.ts).
 */

/** pino's levels, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const NODE_ENVS = ['production', 'development', 'test'] as const;

/** An unset variable, or one set to the empty string: both mean "the default". */
const unset = (value: string | undefined) => value === undefined || value.trim() === '';

/** One of `allowed` (or unset). */
export function oneOf(key: string, allowed: readonly string[]) {
  return z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (unset(value) || allowed.includes(value as string)) return;
      ctx.addIssue({ code: 'custom', message: `${key}="${value}" is not allowed: use one of ${allowed.join(', ')}.` });
    });
}

/** A whole number from `min` to `max` (or unset), refused with the message `readIntegerEnv` has always given. */
export function wholeNumber(key: string, options: { defaultValue: number; min: number; max?: number }) {
  return fromReader(key, (env) => readIntegerEnv(key, { ...options, env }));
}

/** A setting whose existing reader checks it: the reader's error (which names the variable) is the issue. */
export function fromReader(key: string, read: (env: NodeJS.ProcessEnv) => unknown) {
  return z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      try {
        read({ [key]: value });
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    });
}

const processNames = ['gateway', ...SUBGRAPH_NAMES] as const;

/** The variables every process shares: mode, log level, address, each process's port and workers. */
export const sharedEnvironment = z.object({
  NODE_ENV: oneOf('NODE_ENV', NODE_ENVS),
  LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS),
  LIFEGRAPH_HOST: fromReader('LIFEGRAPH_HOST', (env) => resolveHost(undefined, env)),
  ...Object.fromEntries(
    processNames.flatMap((name) => {
      const prefix = `LIFEGRAPH_${name.toUpperCase()}`;
      return [
        [`${prefix}_PORT`, wholeNumber(`${prefix}_PORT`, { defaultValue: DEFAULT_PORTS[name], min: 0, max: 65535 })],
        [`${prefix}_WORKERS`, wholeNumber(`${prefix}_WORKERS`, { defaultValue: 1, min: 1, max: MAX_WORKERS })],
      ];
    }),
  ),
});

/**
 * Checks `env` against `schema` (by default the shared settings), throwing the first problem as one line; run it
 * through `orExitOnBadSetting` at the start of a command.
 */
export function checkEnvironment(schema: z.ZodType = sharedEnvironment, env: NodeJS.ProcessEnv = process.env): void {
  const result = schema.safeParse(env);
  if (result.success) return;
  const first = result.error.issues[0];
  throw new Error(first?.message.split('\n')[0] ?? 'The environment is not valid.');
}
