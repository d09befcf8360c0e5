import { loadSecrets, parseCommandLine, resolveDataDir } from '../../subgraphs/contract/index.ts';
import { formatLifetime, maxLifetimeFromEnv, signUserToken, userTokenConfigFromEnv } from '../auth/user-token.ts';
import { parseDuration } from '../duration.ts';
import { parseList } from './args.ts';

/** `npm run token -- --user ID [--scopes a,b] [--merchants ID,ID] [--expires-in 1h]`: prints a dev user JWT. */
const USAGE = `Usage: npm run token -- --user usr_alice [--scopes a,b] [--merchants mer_kfc] [--expires-in 1h] [--data-dir DIR]
Prints a development user token (a JWT signed with the graph's LIFEGRAPH_JWT_SECRET) on stdout.`;
const { values } = parseCommandLine({
  command: 'npm run token',
  usage: USAGE,
  options: {
    user: { type: 'string' },
    scopes: { type: 'string', default: '' },
    merchants: { type: 'string', default: '' },
    'expires-in': { type: 'string', default: '1h' },
    'data-dir': { type: 'string' },
  },
});
if (!values.user) {
  console.error(USAGE.split('\n')[0]);
  process.exit(2);
}
const lifetimeMs = parseDuration(values['expires-in']);
if (lifetimeMs === null) {
  console.error(`--expires-in must look like 30m, 1h, 7d; got "${values['expires-in']}".`);
  process.exit(2);
}
const maxLifetime = maxLifetimeFromEnv();
if (lifetimeMs / 1000 > maxLifetime) {
  console.error(
    `--expires-in ${values['expires-in']} is longer than the ${formatLifetime(maxLifetime)} the gateway accepts: ` +
      'ask for less, or raise LIFEGRAPH_JWT_MAX_LIFETIME where the gateway runs.',
  );
  process.exit(2);
}
const expiresIn = `${Math.round(lifetimeMs / 1000)}s`;
const config = userTokenConfigFromEnv(loadSecrets(resolveDataDir(values['data-dir'])).jwtSecret);
console.log(
  await signUserToken(
    { userId: values.user, scopes: parseList(values.scopes), merchantIds: parseList(values.merchants), expiresIn },
    config,
  ),
);
