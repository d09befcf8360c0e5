import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SUPERGRAPH_FILE } from '../../gateway/supergraph.ts';
import { eventually, type SpawnedProcess, spawnTsx } from '../support/processes.ts';
import { testDataDir } from '../support/temp.ts';

// `npm run gateway` as an operator runs it: what a failed start says, and a supergraph file reloaded for real.

const exec = promisify(execFile);
const SUPERGRAPH = readFileSync(SUPERGRAPH_FILE, 'utf8');
const dataDir = testDataDir('lg-gateway-cli-');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Runs the gateway command to its end (these starts all fail): exit code and stderr. */
async function failedStart(args: string[], env: Record<string, string> = {}) {
  try {
    await exec('node_modules/.bin/tsx', ['gateway/cli/gateway.ts', '--port', '0', '--data-dir', dataDir, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    throw new Error('the gateway started');
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr: stderr.trimEnd() };
  }
}

/** A port where nothing listens (one just freed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a gateway that cannot start says what failed, in one line', () => {
  it('names the supergraph file only when the supergraph is the fault', async () => {
    const file = join(dataDir, 'half.graphql');
    writeFileSync(file, SUPERGRAPH.slice(0, Math.floor(SUPERGRAPH.length / 2)));
    const { code, stderr } = await failedStart(['--supergraph', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^The gateway could not load "${file}": it is not GraphQL: Syntax Error: .*$`));
  });

  it('names the address and its flag when it cannot listen there, not the supergraph', async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine.
    const { code, stderr } = await failedStart(['--host', '192.0.2.1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^The gateway cannot listen on 192\.0\.2\.1 \(--host\): .*EADDRNOTAVAIL.*; use 0\.0\.0\.0, /,
    );
    expect(stderr).not.toContain('could not load');
  });

  it.each([
    [['--admin-port', 'x'], {}, /^--admin-port must be a whole number from 0 to 65535 \(got "x"\)/],
    [[], { LIFEGRAPH_ADMIN_PORT: 'abc' }, /^LIFEGRAPH_ADMIN_PORT must be a whole number from 0 to 65535 \(got "abc"\)/],
    [[], { LIFEGRAPH_SUPERGRAPH_URL: 'ftp://x' }, /^LIFEGRAPH_SUPERGRAPH_URL="ftp:\/\/x" is not allowed: use the http/],
    [[], { LIFEGRAPH_SUPERGRAPH_POLL_MS: '5' }, /^LIFEGRAPH_SUPERGRAPH_POLL_MS must be a whole number from 100 /],
    [
      ['--supergraph', SUPERGRAPH_FILE],
      { LIFEGRAPH_SUPERGRAPH_URL: 'http://127.0.0.1:9/supergraph.graphql' },
      /^Give --supergraph FILE or LIFEGRAPH_SUPERGRAPH_URL, not both/,
    ],
  ])('a bad setting %s %o: exit 2', async (args, env, message) => {
    const { code, stderr } = await failedStart(args, env);
    expect(code).toBe(2);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('names the supergraph URL when nothing answers there', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/s.graphql`;
    const { code, stderr } = await failedStart([], { LIFEGRAPH_SUPERGRAPH_URL: `${url}?key=k` });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `The gateway could not load "${url}" (LIFEGRAPH_SUPERGRAPH_URL): GET ${url}: connect ECONNREFUSED 127.0.0.1:${port}.`,
    );
    expect(stderr).not.toContain('key=k');
  });
});

describe('npm run gateway -- --supergraph FILE --admin-port 0', () => {
  const file = join(dataDir, 'supergraph.graphql');
  let gateway: SpawnedProcess | undefined;
  afterAll(async () => {
    gateway?.killGroup('SIGTERM');
    await gateway?.exited;
  });

  it('prints where its admin listener is, and reloads the file when it changes', async () => {
    writeFileSync(file, SUPERGRAPH);
    gateway = spawnTsx(
      'gateway/cli/gateway.ts',
      ['--supergraph', file, '--port', '0', '--admin-port', '0', '--data-dir', dataDir],
      {
        LOG_LEVEL: 'warn',
      },
    );
    await gateway.waitFor(new RegExp(`^gateway http://localhost:\\d+/graphql serving ${file}$`, 'm'));
    const adminLine = /^gateway admin (http:\/\/127\.0\.0\.1:\d+) serving \/metrics, \/readyz$/m;
    await eventually(() => adminLine.test(gateway?.stderr() ?? ''), 'the admin line on stderr');
    const admin = gateway.stderr().match(adminLine)?.[1];
    expect(admin, gateway.stderr()).toBeDefined();
    const hash = async () =>
      ((await (await fetch(`${admin}/readyz`)).json()) as { supergraph: { hash: string } }).supergraph.hash;
    expect(await hash()).toBe(sha256(SUPERGRAPH));
    // A changed description is a new supergraph all the same.
    const changed = SUPERGRAPH.replace(
      '"""A merchant by id; null when no merchant has this id."""',
      '"""A merchant by id."""',
    );
    expect(changed).not.toBe(SUPERGRAPH);
    writeFileSync(file, changed);
    await eventually(async () => (await hash()) === sha256(changed), 'the reload', 20_000);
  });
});
