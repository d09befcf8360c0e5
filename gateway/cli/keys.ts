import { parseCommandLine, resolveDataDir, SCOPES } from '../../subgraphs/contract/index.ts';
import { parseDuration } from '../duration.ts';
import { type KeyRateLimit, limitRule, RATE_LIMIT_BOUNDS, rateLimitProblem } from '../keys/limits.ts';
import { ApiKeyStore, type UsageTotals } from '../keys/store.ts';
import { parseList } from './args.ts';

/**
 * `npm run keys -- create --name NAME --scopes a,b [--merchants ID,ID] [--expires-in 90d] [--rate N --bucket N]
 * [--json]`, `npm run keys -- list [--json]`, `npm run keys -- revoke ID`, `npm run keys -- usage ID [--json]`.
 */
const { pointsPerSecond: RATE, bucketPoints: BUCKET } = RATE_LIMIT_BOUNDS;
const USAGE = `Usage:
  npm run keys -- create --name NAME --scopes a,b [--merchants ID,ID] [--expires-in 90d]
                         [--rate POINTS_PER_SECOND --bucket POINTS] [--json]
  npm run keys -- list [--json]
  npm run keys -- revoke ID
  npm run keys -- usage ID [--json]      requests, cost points spent and throttled requests, last hour and day
Scopes: ${Object.values(SCOPES).join(', ')}
--rate (${RATE.min}-${RATE.max}) and --bucket (${BUCKET.min}-${BUCKET.max}, at least --rate) give the key its own cost-point
bucket; without them it gets the gateway's default limits for partners.`;

const { values, positionals } = parseCommandLine({
  command: 'npm run keys',
  usage: USAGE,
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    scopes: { type: 'string', default: '' },
    merchants: { type: 'string', default: '' },
    'expires-in': { type: 'string' },
    rate: { type: 'string' },
    bucket: { type: 'string' },
    json: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
  },
});
const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};

/** The key's own limits from `--rate` and `--bucket` (both or neither), or null for the partner defaults. */
function rateLimitFromFlags(rate: string | undefined, bucket: string | undefined): KeyRateLimit | null {
  if (rate === undefined && bucket === undefined) return null;
  if (rate === undefined || bucket === undefined)
    fail(
      `${rate === undefined ? '--rate' : '--bucket'} is missing: --rate and --bucket go together. Give both ` +
        '(e.g. --rate 50 --bucket 1000), or neither for the default limits for partners.',
    );
  const wholeNumber = (text: string, field: keyof KeyRateLimit) =>
    /^\d+$/.test(text.trim()) ? Number(text) : fail(`${limitRule(field)} (got "${text}").`);
  const limits = {
    pointsPerSecond: wholeNumber(rate as string, 'pointsPerSecond'),
    bucketPoints: wholeNumber(bucket as string, 'bucketPoints'),
  };
  const problem = rateLimitProblem(limits);
  return problem ? fail(problem) : limits;
}

const describeLimits = (limits: KeyRateLimit | null) =>
  limits ? `${limits.pointsPerSecond}/s, bucket ${limits.bucketPoints}` : 'default limits';
const usageLine = (window: string, u: UsageTotals) => [window, u.requests, u.costPoints, u.throttled].join('\t');

const store = new ApiKeyStore(resolveDataDir(values['data-dir']));
try {
  const [command, arg] = positionals;
  if (command === 'create') {
    if (!values.name) fail(`--name is required.\n${USAGE}`);
    const scopes = parseList(values.scopes);
    const known = new Set<string>(Object.values(SCOPES));
    // A key without scopes can do nothing a partner needs; an empty list is a mistake (a typo, an unset variable).
    if (scopes.length === 0) {
      fail(`--scopes is required: give at least one of ${[...known].join(', ')} (comma-separated).\n${USAGE}`);
    }
    const unknown = scopes.filter((s) => !known.has(s));
    if (unknown.length) fail(`Unknown scope(s): ${unknown.join(', ')}. Known: ${[...known].join(', ')}.`);
    let expiresAt: Date | null = null;
    if (values['expires-in']) {
      const ms = parseDuration(values['expires-in']) ?? fail(`--expires-in must look like 30m, 12h, 90d or 2w.`);
      expiresAt = new Date(Date.now() + ms);
    }
    const rateLimit = rateLimitFromFlags(values.rate, values.bucket);
    const { key, summary } = store.create({
      name: values.name as string,
      scopes,
      merchants: parseList(values.merchants),
      expiresAt,
      rateLimit,
    });
    if (values.json) {
      const { id, name, merchants } = summary;
      console.log(JSON.stringify({ id, key, name, scopes, merchants, expiresAt, rateLimit }));
    } else {
      console.log(key);
      console.error(`Created ${summary.id} ("${summary.name}"). The key is shown only this once: store it now.`);
    }
  } else if (command === 'list') {
    const keys = store.list();
    if (values.json) console.log(JSON.stringify(keys));
    for (const k of values.json ? [] : keys) {
      const state = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= new Date() ? 'expired' : 'active';
      console.log(
        [
          k.id,
          k.name,
          `${k.prefix}…${k.lastFour}`,
          state,
          k.scopes.join(',') || '-',
          k.merchants.join(',') || '-',
          describeLimits(k.rateLimit),
          `last used ${k.lastUsedAt?.toISOString() ?? 'never'}`,
        ].join('\t'),
      );
    }
  } else if (command === 'revoke') {
    if (!arg) fail(`revoke needs a key id (see keys list).\n${USAGE}`);
    if (!store.revoke(arg as string)) fail(`No key with id ${arg}: see \`npm run keys -- list\`.`);
    console.log(`revoked ${arg}`);
  } else if (command === 'usage') {
    if (!arg) fail(`usage needs a key id (see keys list).\n${USAGE}`);
    const key = store.list().find((k) => k.id === arg) ?? fail(`No key with id ${arg}: see \`npm run keys -- list\`.`);
    const { lastHour, lastDay } = store.usage(key.id);
    if (values.json) console.log(JSON.stringify({ id: key.id, name: key.name, lastHour, lastDay }));
    else {
      console.log(['window', 'requests', 'cost points', 'throttled'].join('\t'));
      console.log(usageLine('last hour', lastHour));
      console.log(usageLine('last day', lastDay));
    }
  } else {
    fail(USAGE);
  }
} finally {
  store.close();
}
