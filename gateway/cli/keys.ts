import { parseArgs } from 'node:util';
import { resolveDataDir, SCOPES } from '../../subgraphs/contract/index.ts';
import { parseDuration } from '../duration.ts';
import { ApiKeyStore } from '../keys/store.ts';
import { parseList } from './args.ts';

/**
 * `npm run keys -- create --name NAME --scopes a,b [--merchants ID,ID] [--expires-in 90d] [--json]`,
 * `npm run keys -- list [--json]`, `npm run keys -- revoke ID`.
 */
const USAGE = `Usage:
  npm run keys -- create --name NAME --scopes a,b [--merchants ID,ID] [--expires-in 90d] [--json]
  npm run keys -- list [--json]
  npm run keys -- revoke ID
Scopes: ${Object.values(SCOPES).join(', ')}`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    scopes: { type: 'string', default: '' },
    merchants: { type: 'string', default: '' },
    'expires-in': { type: 'string' },
    json: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
  },
});
const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};

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
    const { key, summary } = store.create({
      name: values.name as string,
      scopes,
      merchants: parseList(values.merchants),
      expiresAt,
    });
    if (values.json) {
      console.log(
        JSON.stringify({ id: summary.id, key, name: summary.name, scopes, merchants: summary.merchants, expiresAt }),
      );
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
          `last used ${k.lastUsedAt?.toISOString() ?? 'never'}`,
        ].join('\t'),
      );
    }
  } else if (command === 'revoke') {
    if (!arg) fail(`revoke needs a key id (see keys list).\n${USAGE}`);
    if (!store.revoke(arg as string)) fail(`No key with id ${arg}: see \`npm run keys -- list\`.`);
    console.log(`revoked ${arg}`);
  } else {
    fail(USAGE);
  }
} finally {
  store.close();
}
