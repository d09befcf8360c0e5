import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier, signUserToken } from '../../gateway/auth/user-token.ts';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { loadSecrets, SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { splitCost } from '../support/cost.ts';
import { type GraphQLResponseBody, TEST_SECRETS, useTestGraph } from '../support/graph.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Issue 7 part 9 in production mode: masked errors are logged whole under a request id the client also
 * gets; no schema suggestions; user tokens must expire within the maximum lifetime; production refuses weak
 * secrets; the data directory and every file in it are private to the user running the graph.
 */
const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
/** The uid and gid of `nobody`. */
const NOBODY = 65534;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface LogLine {
  msg: string;
  requestId?: string;
  message?: string;
  stack?: string;
  path?: (string | number)[];
  code?: string;
}

const graph = useTestGraph();
let production: RunningGateway;
let keys: ApiKeyStore;
const logs: LogLine[] = [];

beforeAll(async () => {
  keys = new ApiKeyStore(testDataDir());
  // The production gateway over the same subgraphs, with a logger the test reads.
  production = await startGateway(
    {
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphSecret: TEST_SECRETS.subgraphSecret,
      authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret }), keys),
      urlOverrides: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, graph.subgraphs[name].url])),
      production: true,
      // Masking is tested with operations no frontend lists; trusted-documents.test.ts covers the enforcing production default.
      trustedDocuments: 'allow',
      logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
    },
    0,
  );
});
afterAll(async () => {
  await production?.stop();
  keys?.close();
});

async function post(url: string, query: string, options: { variables?: object; token?: string } = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return {
    status: response.status,
    requestId: response.headers.get('x-request-id'),
    // Without extensions.cost, which rate-limits.test.ts asserts.
    body: splitCost((await response.json()) as GraphQLResponseBody, response.status).body,
  };
}

describe('masked errors', () => {
  /** A real internal error: the merchants subgraph's categories table is gone, so its SQL fails. */
  async function withoutCategoriesTable<T>(work: () => Promise<T>): Promise<T> {
    const { sqlite } = graph.subgraphs.merchants.database;
    sqlite.exec('alter table categories rename to categories_away');
    try {
      return await work();
    } finally {
      sqlite.exec('alter table categories_away rename to categories');
    }
  }
  const QUERY = '{ merchant(id: "mer_kfc") { name category { name } } }';

  it('are logged with message, stack and path under the request id the client gets', async () => {
    const { status, requestId, body } = await withoutCategoriesTable(() => post(production.url, QUERY));
    expect(status).toBe(200);
    expect(body.errors).toHaveLength(1);
    const [error] = body.errors ?? [];
    expect(error?.message).toMatch(/logged under the requestId .* quote it to the platform team/);
    expect(error?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: expect.stringMatching(UUID) });
    expect(requestId).toBe(error?.extensions?.requestId);
    expect(JSON.stringify(body)).not.toMatch(
      /categories|no such table|select|127\.0\.0\.1|localhost|\.ts\b|stacktrace/i,
    );

    const logged = logs.filter((line) => line.requestId === requestId && line.msg === 'graphql error');
    expect(logged).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/no such table: categories/),
        code: 'INTERNAL_SERVER_ERROR',
        path: ['merchant', 'category'],
        stack: expect.stringContaining('Error'),
      }),
    ]);
  });

  it('in development carry the request id too', async () => {
    const { requestId, body } = await withoutCategoriesTable(() => post(graph.gateway.url, QUERY));
    expect(requestId).toMatch(UUID);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId });
  });

  it('client-facing errors keep their message and get no request id', async () => {
    const { body } = await post(production.url, '{ merchants(first: 500) { edges { node { id } } } }');
    expect(body.errors?.[0]).toEqual({
      message: expect.stringMatching(/between 1 and 100/),
      path: ['merchants'],
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe('schema suggestions', () => {
  const TYPO = '{ merchant(id: "mer_kfc") { nam } }';
  const ENUM = '{ liveStreams(status: LIV) { edges { node { id } } } }';
  const ARGUMENT = '{ merchant(idd: "mer_kfc") { name } }';

  it('are given in development', async () => {
    expect((await post(graph.gateway.url, TYPO)).body.errors?.[0]?.message).toMatch(/Did you mean "name"\?/);
    expect((await post(graph.gateway.url, ENUM)).body.errors?.[0]?.message).toMatch(/Did you mean .*LIVE/);
    expect((await post(graph.gateway.url, ARGUMENT)).body.errors?.[0]?.message).toMatch(/Did you mean "id"\?/);
  });

  it('are never given in production, where the rest of the message stays', async () => {
    const typo = await post(production.url, TYPO);
    expect(typo.status).toBe(400);
    expect(typo.body.errors).toEqual([
      expect.objectContaining({
        message: 'Cannot query field "nam" on type "Merchant".',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
    ]);
    const enumValue = await post(production.url, ENUM);
    expect(enumValue.body.errors?.[0]?.message).toMatch(/LIV/);
    const argument = await post(production.url, ARGUMENT);
    expect(argument.body.errors?.[0]?.message).toMatch(/Unknown argument "idd"/);
    for (const { body } of [typo, enumValue, argument]) {
      expect(JSON.stringify(body)).not.toMatch(/Did you mean|"name"|LIVE\b|"id"/);
    }
  });
});

describe('user tokens in production', () => {
  const secret = new TextEncoder().encode(TEST_SECRETS.jwtSecret);
  const ME = '{ me { id } }';

  it('without exp are refused with 401 saying so', async () => {
    const token = await new SignJWT({ scope: '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('usr_alice')
      .sign(secret);
    const { status, body } = await post(production.url, ME, { token });
    expect(status).toBe(401);
    expect(body).toEqual({
      errors: [
        expect.objectContaining({
          message: expect.stringMatching(/^The bearer token has no expiry \(exp\)/),
          extensions: { code: 'UNAUTHENTICATED' },
        }),
      ],
    });
  });

  it('valid for longer than 24 hours are refused, even with an issue time in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const century = await signUserToken(
      { userId: 'usr_alice', expiresIn: '36500d' },
      { secret: TEST_SECRETS.jwtSecret },
    );
    const futureIat = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('usr_alice')
      .setIssuedAt(now + 99 * 86_400)
      .setExpirationTime(now + 100 * 86_400)
      .sign(secret);
    for (const token of [century, futureIat]) {
      const { status, body } = await post(production.url, ME, { token });
      expect(status).toBe(401);
      expect(body.errors?.[0]?.message).toMatch(/valid for longer than the 24h this gateway accepts/);
    }
    const day = await signUserToken({ userId: 'usr_alice', expiresIn: '24h' }, { secret: TEST_SECRETS.jwtSecret });
    expect(await post(production.url, ME, { token: day })).toMatchObject({
      status: 200,
      body: { data: { me: { id: 'usr_alice' } } },
    });
  });

  it('`npm run token` refuses --expires-in beyond the maximum, and follows LIFEGRAPH_JWT_MAX_LIFETIME', async () => {
    const dataDir = testDataDir();
    const token = (expiresIn: string, env: Record<string, string> = {}) =>
      run(tsx, ['gateway/cli/token.ts', '--user', 'usr_bob', '--expires-in', expiresIn, '--data-dir', dataDir], {
        env: { ...process.env, LIFEGRAPH_JWT_SECRET: '', LIFEGRAPH_SUBGRAPH_SECRET: '', ...env },
      });
    await expect(token('48h')).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--expires-in 48h is longer than the 24h the gateway accepts'),
    });
    expect((await token('48h', { LIFEGRAPH_JWT_MAX_LIFETIME: '72h' })).stdout).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });
});

describe('secrets in production', () => {
  const strong = (c: string) => c.repeat(48);
  const load = (jwt: string, subgraph: string) => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('LIFEGRAPH_JWT_SECRET', jwt);
    vi.stubEnv('LIFEGRAPH_SUBGRAPH_SECRET', subgraph);
    try {
      return loadSecrets(testDataDir());
    } finally {
      vi.unstubAllEnvs();
    }
  };

  it('shorter than 32 bytes, missing, or equal to each other are refused with what to set', () => {
    expect(() => load('x', strong('b'))).toThrow(
      'LIFEGRAPH_JWT_SECRET is 1 bytes; production needs at least 32: generate one with `openssl rand -base64 48`.',
    );
    expect(() => load(strong('a'), 'a'.repeat(31))).toThrow(/LIFEGRAPH_SUBGRAPH_SECRET is 31 bytes/);
    expect(() => load('', strong('b'))).toThrow(/In production LIFEGRAPH_JWT_SECRET must be set: generate one/);
    expect(() => load(strong('a'), strong('a'))).toThrow(/are the same: use two different secrets/);
    // 32 bytes of UTF-8 (11 three-byte characters) is long enough; the length is counted in bytes.
    expect(load('密'.repeat(11), strong('b'))).toEqual({ jwtSecret: '密'.repeat(11), subgraphSecret: strong('b') });
  });

  it('the gateway refuses to start with a weak secret, saying what to set', async () => {
    await expect(
      run(tsx, ['gateway/cli/gateway.ts', '--port', '0', '--data-dir', testDataDir()], {
        env: {
          ...process.env,
          NODE_ENV: 'production',
          LIFEGRAPH_JWT_SECRET: 'short',
          LIFEGRAPH_SUBGRAPH_SECRET: strong('b'),
        },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('LIFEGRAPH_JWT_SECRET is 5 bytes') });
  });
});

describe('the data directory', () => {
  const mode = (file: string) => statSync(file).mode & 0o777;

  it("is 0700 with the graph's files 0600 after `npm start`, and leaves files it does not own alone", async () => {
    const dataDir = path.join(testDataDir(), 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    // An operator's own files: tightening them would break them (run.sh would lose its exec bit).
    const foreign = { 'notes.txt': 0o644, 'run.sh': 0o755, 'backups/': 0o755 };
    for (const [name, fileMode] of Object.entries(foreign)) {
      const file = path.join(dataDir, name);
      if (name.endsWith('/')) mkdirSync(file);
      else writeFileSync(file, 'left by an operator');
      chmodSync(file, fileMode);
    }
    writeFileSync(path.join(dataDir, 'secrets.json'), '{}', { mode: 0o644 });
    chmodSync(path.join(dataDir, 'secrets.json'), 0o644);
    const env = {
      ...process.env,
      LIFEGRAPH_JWT_SECRET: '',
      LIFEGRAPH_SUBGRAPH_SECRET: '',
      ...Object.fromEntries(
        ['GATEWAY', ...SUBGRAPH_NAMES.map((n) => n.toUpperCase())].map((n) => [`LIFEGRAPH_${n}_PORT`, '0']),
      ),
    };
    const child: ChildProcess = spawn(tsx, ['gateway/cli/start.ts', '--data-dir', dataDir], { env, stdio: 'pipe' });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (chunk) => {
          out += chunk;
          const match = /gateway\s+(http:\S+)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}`)));
      });
      // A request, so every database has been read and written through (WAL and shared-memory files exist).
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ merchant(id: "mer_kfc") { name } }' }),
      });
      expect(splitCost((await answer.json()) as object, answer.status).body).toEqual({
        data: { merchant: { name: 'KFC' } },
      });
      const files = readdirSync(dataDir);
      expect(files).toEqual(
        expect.arrayContaining(['secrets.json', 'merchants.sqlite', 'merchants.sqlite-wal', 'gateway.sqlite', 'run']),
      );
      expect(files.some((f) => f.endsWith('-shm'))).toBe(true);
      expect(mode(dataDir).toString(8)).toBe('700');
      // The graph's files 0600 (secrets.json tightened), its run/ folder 0700; the operator's files as they were.
      const graphFiles = files.filter((f) => !(f in foreign) && !(`${f}/` in foreign));
      const modes = (names: string[], expected: (f: string) => string) =>
        Object.fromEntries(names.map((f) => [f, expected(f)]));
      expect(modes(graphFiles, (f) => mode(path.join(dataDir, f)).toString(8))).toEqual(
        modes(graphFiles, (f) => (f === 'run' ? '700' : '600')),
      );
      expect(modes(Object.keys(foreign), (f) => mode(path.join(dataDir, f)).toString(8))).toEqual(
        modes(Object.keys(foreign), (f) => (foreign[f as keyof typeof foreign] & 0o777).toString(8)),
      );
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
    // `npm start` seeds four databases and starts five processes: 8 s alone, several times that beside other tests.
  }, 120_000);

  it('is not a shared directory such as /tmp', async () => {
    const shared = testDataDir();
    chmodSync(shared, 0o1777);
    await expect(run(tsx, ['gateway/cli/keys.ts', 'list', '--data-dir', shared])).rejects.toMatchObject({
      stderr: expect.stringContaining('is a shared directory: give the graph one of its own'),
    });
    expect(mode(shared).toString(8)).toBe('777');
  });

  it('is not a home directory or a project root, and nothing in it changes', async () => {
    const home = testDataDir();
    writeFileSync(path.join(home, 'run.sh'), '#!/bin/sh\n');
    chmodSync(home, 0o755);
    chmodSync(path.join(home, 'run.sh'), 0o755);
    await expect(
      run(tsx, ['gateway/cli/keys.ts', 'list', '--data-dir', home], { env: { ...process.env, HOME: home } }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining(`${home} is your home directory: give the graph one of its own`),
    });
    await expect(run(tsx, ['gateway/cli/keys.ts', 'list', '--data-dir', '.'])).rejects.toMatchObject({
      stderr: expect.stringContaining('looks like a project folder (it has package.json)'),
    });
    expect([mode(home), mode(path.join(home, 'run.sh'))].map((m) => m.toString(8))).toEqual(['755', '755']);
    expect(readdirSync(home)).toEqual(['run.sh']);
  });

  // A volume owned by root and shared with the graph's group (Kubernetes fsGroup): the graph cannot chmod it.
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) console.warn('production-hardening: skipping the chown test: it needs root to give a volume to nobody');
  it.runIf(isRoot)('owned by another user starts with a warning, not a failure', async () => {
    const volume = testDataDir();
    chownSync(volume, 0, NOBODY);
    chmodSync(volume, 0o2775);
    const { stdout, stderr } = await run(tsx, ['gateway/cli/keys.ts', 'list', '--json', '--data-dir', volume], {
      uid: NOBODY,
      gid: NOBODY,
    });
    expect(stdout.trim()).toBe('[]');
    expect(stderr).toContain(`Cannot make ${volume} private: it belongs to another user.`);
    expect(mode(volume).toString(8)).toBe('775');
    // What the graph creates there is its own, and private.
    expect(mode(path.join(volume, 'gateway.sqlite')).toString(8)).toBe('600');
  });
});

describe('a failure while authenticating', () => {
  it('is masked, logged with its stack under a request id, and that id is what the client gets', async () => {
    const { key } = keys.create({ name: 'p', scopes: [], merchants: [], expiresAt: null });
    keys.close(); // the key database can no longer be read
    const response = await fetch(production.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: '{ merchant(id: "mer_kfc") { name } }' }),
    });
    const body = (await response.json()) as GraphQLResponseBody;
    expect(response.status).toBe(500);
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/logged under the requestId/),
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.stringMatching(UUID) },
      },
    ]);
    const requestId = body.errors?.[0]?.extensions?.requestId;
    // Its error line (the request's own line, with status 500, is the other one under that id).
    expect(logs.filter((line) => line.requestId === requestId)).toContainEqual(
      expect.objectContaining({
        msg: 'graphql error',
        message: expect.stringMatching(/database connection is not open/),
        stack: expect.stringContaining('store.ts'),
      }),
    );
  });
});

describe('internal addresses', () => {
  it('never reach a client, in development either (run last: it stops a subgraph)', async () => {
    await graph.subgraphs.content.stop();
    for (const url of [graph.gateway.url, production.url]) {
      const { body } = await post(url, '{ merchant(id: "mer_kfc") { name lifeAccount { id } } }');
      // The merchant is still answered; only the field the content service owns is null, with one error there.
      expect(body).toEqual({
        data: { merchant: { name: 'KFC', lifeAccount: null } },
        errors: [
          expect.objectContaining({
            message: expect.stringMatching(
              /^The content service could not be reached; the rest of the data is complete/,
            ),
            path: ['merchant', 'lifeAccount'],
            extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE' }),
          }),
        ],
      });
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|localhost:\d|http:\/\//);
    }
  });
});
