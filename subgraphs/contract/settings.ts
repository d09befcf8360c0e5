import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';

/** The four subgraphs, in the order they are started and composed. */
export const SUBGRAPH_NAMES = ['merchants', 'content', 'offers', 'social'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const DEFAULT_PORTS: Record<SubgraphName | 'gateway', number> = {
  gateway: 4000,
  merchants: 4001,
  content: 4002,
  offers: 4003,
  social: 4004,
};

/** Reads an environment variable once, failing fast with a readable message when it is required. */
export function readEnv(key: string, options: { defaultValue?: string } = {}): string {
  const value = process.env[key];
  if (value !== undefined && value !== '') return value;
  if (options.defaultValue !== undefined) return options.defaultValue;
  throw new Error(`Environment variable ${key} is required but not set.`);
}

/**
 * Reads a whole-number setting (unset or empty = `defaultValue`), failing fast with a message naming the
 * variable when it is not plain digits from `min` to `max`: "1e3", "0x10", "2s" and "-1" are refused.
 */
export function readIntegerEnv(
  key: string,
  options: { defaultValue: number; min: number; max?: number; env?: NodeJS.ProcessEnv },
): number {
  const raw = (options.env ?? process.env)[key]?.trim();
  if (raw === undefined || raw === '') return options.defaultValue;
  const { min, max = Number.MAX_SAFE_INTEGER } = options;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${key} must be a whole number ${range} (got "${raw}"); unset it to use ${options.defaultValue}.`);
  }
  return value;
}

/**
 * The port for a process: `--port` flag beats `LIFEGRAPH_<NAME>_PORT`, which beats the spec default. A value that is
 * not a whole number from 0 to 65535 fails fast, naming the flag or variable.
 */
export function resolvePort(name: SubgraphName | 'gateway', flag?: string): number {
  const key = `LIFEGRAPH_${name.toUpperCase()}_PORT`;
  if (flag === undefined) return readIntegerEnv(key, { defaultValue: DEFAULT_PORTS[name], min: 0, max: 65535 });
  const port = /^\d+$/.test(flag.trim()) ? Number(flag) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new Error(`--port must be a whole number from 0 to 65535 (got "${flag}"); 0 picks any free port.`);
  }
  return port;
}

/** Where a process's port was chosen, for messages: the flag when given, else its variable (or its default). */
export function portSource(name: SubgraphName | 'gateway', flag?: string): string {
  return flag !== undefined ? '--port' : `LIFEGRAPH_${name.toUpperCase()}_PORT or its default`;
}

/** Where a process listens unless told: loopback in development (nothing else on the network reaches it), all interfaces in production. */
export const DEFAULT_HOSTS = { development: '127.0.0.1', production: '0.0.0.0' } as const;
/** A host name as DNS writes it: labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * The address a process binds: `--host` beats `LIFEGRAPH_HOST`, which beats 127.0.0.1 in development and 0.0.0.0
 * under `NODE_ENV=production`. Anything but an IP address or a host name fails fast, naming the flag or variable.
 */
export function resolveHost(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.LIFEGRAPH_HOST?.trim();
  const source = flag !== undefined ? '--host' : 'LIFEGRAPH_HOST';
  const host = flag?.trim() ?? (fromEnv || DEFAULT_HOSTS[env.NODE_ENV === 'production' ? 'production' : 'development']);
  if (isIP(host) === 0 && !HOST_NAME.test(host)) {
    throw new Error(
      `${source} must be an IP address or a host name to listen on, such as 127.0.0.1, 0.0.0.0 or :: (got "${host}").`,
    );
  }
  return host;
}

/** How a ready line names where a process listens: `localhost` for loopback or every interface, else the host itself. */
export function displayHost(host: string): string {
  if (['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host)) return 'localhost';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** Most workers one command runs: past the machine's cores more only costs memory. */
export const MAX_WORKERS = 64;

/**
 * How many processes serve `name` on its port (see workers.ts): `--workers` beats `LIFEGRAPH_<NAME>_WORKERS`,
 * which beats 1. A value that is not a whole number from 1 to MAX_WORKERS fails fast, naming the flag or variable.
 */
export function resolveWorkers(name: SubgraphName | 'gateway', flag?: string): number {
  const key = `LIFEGRAPH_${name.toUpperCase()}_WORKERS`;
  if (flag === undefined) return readIntegerEnv(key, { defaultValue: 1, min: 1, max: MAX_WORKERS });
  const value = /^\d+$/.test(flag.trim()) ? Number(flag) : Number.NaN;
  if (!(value >= 1 && value <= MAX_WORKERS)) {
    throw new Error(`--workers must be a whole number from 1 to ${MAX_WORKERS} (got "${flag}").`);
  }
  return value;
}

/**
 * The data directory (`--data-dir` flag, then `LIFEGRAPH_DATA_DIR`, then `./data`), created if missing and
 * made private to this user (see `makePrivate`). Every command that owns the data directory calls this.
 */
export function resolveDataDir(flag?: string): string {
  const dir = path.resolve(flag ?? readEnv('LIFEGRAPH_DATA_DIR', { defaultValue: 'data' }));
  makePrivate(dir);
  return dir;
}

/** The files the graph keeps in its data directory: its SQLite databases (with their side files) and secrets. */
const GRAPH_FILE = /^(?:[^/]+\.sqlite(?:-wal|-shm|-journal)?|secrets\.json)$/;
/** The graph's own folder in the data directory (running processes, see running.ts). */
export const RUN_DIR = 'run';

/**
 * The data directory holds users' IOUs, key hashes and secrets: the directory is made 0700, the graph's own
 * files in it 0600 and its `run/` folder 0700 (anything else in it is left as it is), and the process umask
 * becomes 077 so that files created later (SQLite's -wal and -shm files, new databases) are private too.
 * A directory that is plainly not the graph's own (shared like /tmp, a home directory, a project root) is
 * refused. A file this user may not chmod (a volume owned by someone else) is warned about, not fatal.
 */
export function makePrivate(dir: string, warn: (message: string) => void = (m) => console.warn(m)) {
  process.umask(0o077);
  refuseForeignDir(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700, warn);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isFile() && GRAPH_FILE.test(entry.name)) tighten(file, 0o600, warn);
    else if (entry.isDirectory() && entry.name === RUN_DIR) {
      tighten(file, 0o700, warn);
      for (const inner of readdirSync(file, { withFileTypes: true })) {
        if (inner.isFile()) tighten(path.join(file, inner.name), 0o600, warn);
      }
    }
  }
}

/** Refuses a data directory whose other contents a chmod (or `seed --reset`) would hurt. */
function refuseForeignDir(dir: string) {
  if (!existsSync(dir)) return;
  const ownDir = (name = 'lifegraph') => `give the graph one of its own (e.g. ${path.join(dir, name)})`;
  // A sticky directory (/tmp) is shared by everyone: tightening it would break other users.
  if (statSync(dir).mode & 0o1000) throw new Error(`The data directory ${dir} is a shared directory: ${ownDir()}.`);
  const real = realpathSync(dir);
  if (real === realpathOrSelf(homedir())) {
    throw new Error(`The data directory ${dir} is your home directory: ${ownDir()}.`);
  }
  if (real === path.parse(real).root) throw new Error(`The data directory ${dir} is the filesystem root: ${ownDir()}.`);
  const marker = ['package.json', '.git'].find((name) => existsSync(path.join(dir, name)));
  if (marker) {
    throw new Error(
      `The data directory ${dir} looks like a project folder (it has ${marker}), not a data directory: ` +
        `${ownDir('data')}.`,
    );
  }
}

function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** Takes group and other permissions away from `file` unless it has none already. */
function tighten(file: string, mode: number, warn: (message: string) => void) {
  if ((statSync(file).mode & 0o077) === 0) return;
  try {
    chmodSync(file, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM') throw new Error(`Cannot make ${file} private (${code}): fix its permissions by hand.`);
    warn(
      `Cannot make ${file} private: it belongs to another user. Anyone with access to it may read the graph's data; ` +
        'run the graph as its owner or restrict the directory yourself.',
    );
  }
}

export interface Secrets {
  /** HS256 secret that user JWTs are signed with. */
  jwtSecret: string;
  /** HMAC secret shared by the gateway and the subgraphs for the forwarded identity. */
  subgraphSecret: string;
}

/** Secrets shorter than this (in bytes) are refused in production: 32 bytes is HS256's own key size. */
const MIN_SECRET_BYTES = 32;
const GENERATE = 'generate one with `openssl rand -base64 48`';

/** Production takes secrets only from the environment, each long enough, and the two different. */
function checkProductionSecrets(fromEnv: { jwtSecret?: string; subgraphSecret?: string }) {
  for (const [name, value] of [
    ['LIFEGRAPH_JWT_SECRET', fromEnv.jwtSecret],
    ['LIFEGRAPH_SUBGRAPH_SECRET', fromEnv.subgraphSecret],
  ] as const) {
    if (!value) throw new Error(`In production ${name} must be set: ${GENERATE}.`);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes < MIN_SECRET_BYTES) {
      throw new Error(`${name} is ${bytes} bytes; production needs at least ${MIN_SECRET_BYTES}: ${GENERATE}.`);
    }
  }
  if (fromEnv.jwtSecret === fromEnv.subgraphSecret) {
    throw new Error(
      `LIFEGRAPH_JWT_SECRET and LIFEGRAPH_SUBGRAPH_SECRET are the same: use two different secrets (${GENERATE} for each), so a leaked user-token key cannot sign identities for the subgraphs.`,
    );
  }
}

/**
 * Secrets come from the environment; in development, when unset, they are generated once and kept in
 * `<dataDir>/secrets.json` so that `npm start`, `npm run token` and the subgraphs agree without set-up.
 */
export function loadSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  let stored: Partial<Secrets> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
  const fromEnv = {
    jwtSecret: process.env.LIFEGRAPH_JWT_SECRET,
    subgraphSecret: process.env.LIFEGRAPH_SUBGRAPH_SECRET,
  };
  if (process.env.NODE_ENV === 'production') checkProductionSecrets(fromEnv);
  const secrets: Secrets = {
    jwtSecret: fromEnv.jwtSecret || stored.jwtSecret || randomBytes(32).toString('base64url'),
    subgraphSecret: fromEnv.subgraphSecret || stored.subgraphSecret || randomBytes(32).toString('base64url'),
  };
  // Only generated secrets are written to disk; secrets from the environment never are.
  const generated: Partial<Secrets> = {
    jwtSecret: fromEnv.jwtSecret ? stored.jwtSecret : secrets.jwtSecret,
    subgraphSecret: fromEnv.subgraphSecret ? stored.subgraphSecret : secrets.subgraphSecret,
  };
  if (generated.jwtSecret !== stored.jwtSecret || generated.subgraphSecret !== stored.subgraphSecret) {
    writeFileSync(file, JSON.stringify(generated), { mode: 0o600 });
  }
  return secrets;
}
