import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { testDataDir } from '../support/temp.ts';

/** The command-line tools, run as a user runs them (tsx, fresh process, temporary data directory). */
const run = promisify(execFile);
const dataDir = testDataDir('lifegraph-cli-');
const tsx = path.resolve('node_modules/.bin/tsx');
const cli = (script: string, ...args: string[]) =>
  run(tsx, [script, ...args, '--data-dir', dataDir], {
    env: { ...process.env, LIFEGRAPH_JWT_SECRET: '', LIFEGRAPH_SUBGRAPH_SECRET: '' },
  });

describe('npm run keys', () => {
  it('create --json prints the key once; list shows prefix and last four; revoke marks it revoked', async () => {
    const created = JSON.parse(
      (
        await cli(
          'gateway/cli/keys.ts',
          'create',
          '--name',
          'Youzan',
          '--scopes',
          'merchant:offers,merchant:content',
          '--merchants',
          'mer_kfc',
          '--expires-in',
          '90d',
          '--json',
        )
      ).stdout,
    );
    expect(created).toMatchObject({
      id: expect.stringMatching(/^key_/),
      name: 'Youzan',
      scopes: ['merchant:offers', 'merchant:content'],
      merchants: ['mer_kfc'],
    });
    expect(created.key).toMatch(/^lg_live_[A-Za-z0-9_-]{32}$/);
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(89 * 86_400_000);

    const listed = (await cli('gateway/cli/keys.ts', 'list')).stdout;
    expect(listed).toContain(created.id);
    expect(listed).toContain(`lg_live_…${created.key.slice(-4)}`);
    expect(listed).not.toContain(created.key);

    expect((await cli('gateway/cli/keys.ts', 'revoke', created.id)).stdout.trim()).toBe(`revoked ${created.id}`);
    expect((await cli('gateway/cli/keys.ts', 'list')).stdout).toMatch(/revoked/);
  });

  it('refuses unknown scopes and unknown ids with a non-zero exit and a clear message', async () => {
    await expect(
      cli('gateway/cli/keys.ts', 'create', '--name', 'x', '--scopes', 'merchant:everything'),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown scope(s): merchant:everything'),
    });
    await expect(cli('gateway/cli/keys.ts', 'revoke', 'key_missing')).rejects.toMatchObject({ code: 2 });
  });

  it('create --rate --bucket gives a key its own limits; list shows them, or "default limits"', async () => {
    const create = async (...flags: string[]) =>
      JSON.parse(
        (
          await cli(
            'gateway/cli/keys.ts',
            'create',
            '--name',
            'Limited',
            '--scopes',
            'merchant:offers',
            ...flags,
            '--json',
          )
        ).stdout,
      );
    const limited = await create('--rate', '50', '--bucket', '1000');
    const plain = await create();
    expect(limited.rateLimit).toEqual({ pointsPerSecond: 50, bucketPoints: 1000 });
    expect(plain.rateLimit).toBeNull();

    const lines = (await cli('gateway/cli/keys.ts', 'list')).stdout.split('\n');
    expect(lines.find((line) => line.startsWith(limited.id))).toContain('\t50/s, bucket 1000\t');
    expect(lines.find((line) => line.startsWith(plain.id))).toContain('\tdefault limits\t');
    const listed = JSON.parse((await cli('gateway/cli/keys.ts', 'list', '--json')).stdout) as {
      id: string;
      rateLimit: unknown;
    }[];
    expect(listed.find((k) => k.id === limited.id)?.rateLimit).toEqual({ pointsPerSecond: 50, bucketPoints: 1000 });
    expect(listed.find((k) => k.id === plain.id)?.rateLimit).toBeNull();
  });

  it('create refuses bad --rate/--bucket with exit 2 naming the flag and its range, creating nothing', async () => {
    const cases: [string[], string][] = [
      [
        ['--rate', '0', '--bucket', '10'],
        '--rate must be a whole number of points per second from 1 to 100000 (got 0)',
      ],
      [
        ['--rate', '100001', '--bucket', '200000'],
        '--rate must be a whole number of points per second from 1 to 100000',
      ],
      [
        ['--rate', 'fast', '--bucket', '10'],
        '--rate must be a whole number of points per second from 1 to 100000 (got "fast")',
      ],
      [['--rate', '1.5', '--bucket', '10'], '(got "1.5")'],
      [['--rate', '10', '--bucket', '1e3'], '--bucket must be a whole number of points from 1 to 10000000 (got "1e3")'],
      [['--rate', '10', '--bucket', '10000001'], '--bucket must be a whole number of points from 1 to 10000000'],
      [['--rate', '10', '--bucket', '9'], '--bucket (9) must be at least --rate (10)'],
      [['--rate', '10'], '--bucket is missing: --rate and --bucket go together'],
      [['--bucket', '10'], '--rate is missing: --rate and --bucket go together'],
    ];
    const keyCount = async () => JSON.parse((await cli('gateway/cli/keys.ts', 'list', '--json')).stdout).length;
    const before = await keyCount();
    // Each case is its own CLI process, run concurrently; eleven of them on a shared 2-core machine: a longer timeout.
    const outcomes = await Promise.all(
      cases.map(([flags]) =>
        cli('gateway/cli/keys.ts', 'create', '--name', 'Bad', '--scopes', 'merchant:offers', ...flags).then(
          () => ({ code: 0, stdout: 'created a key', stderr: '' }),
          (error: { code: number; stdout: string; stderr: string }) => error,
        ),
      ),
    );
    outcomes.forEach(({ code, stdout, stderr }, i) => {
      const [flags, message] = cases[i] as [string[], string];
      expect({ flags, code, stdout, stderr }).toEqual({
        flags,
        code: 2,
        stdout: '',
        stderr: expect.stringContaining(message),
      });
    });
    expect(await keyCount()).toBe(before);
  }, 90_000);

  it('usage ID prints requests, cost points and throttled requests for the last hour and day', async () => {
    // A gateway process records and flushes the usage; the CLI is another process reading the file.
    const gateway = new ApiKeyStore(dataDir);
    const { summary } = gateway.create({ name: 'Busy', scopes: ['merchant:offers'], merchants: [], expiresAt: null });
    const now = Date.now();
    gateway.recordUsage(summary.id, { cost: 30, throttled: false }, new Date(now));
    gateway.recordUsage(summary.id, { cost: 0, throttled: true }, new Date(now));
    gateway.recordUsage(summary.id, { cost: 12, throttled: false }, new Date(now - 2 * 3_600_000));
    gateway.recordUsage(summary.id, { cost: 500, throttled: false }, new Date(now - 25 * 3_600_000));
    gateway.close();

    const text = (await cli('gateway/cli/keys.ts', 'usage', summary.id)).stdout;
    expect(text.trim().split('\n')).toEqual([
      'window\trequests\tcost points\tthrottled',
      'last hour\t2\t30\t1',
      'last day\t3\t42\t1',
    ]);
    expect(JSON.parse((await cli('gateway/cli/keys.ts', 'usage', summary.id, '--json')).stdout)).toEqual({
      id: summary.id,
      name: 'Busy',
      lastHour: { requests: 2, costPoints: 30, throttled: 1 },
      lastDay: { requests: 3, costPoints: 42, throttled: 1 },
    });
    await expect(cli('gateway/cli/keys.ts', 'usage', 'key_missing')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('No key with id key_missing: see `npm run keys -- list`'),
    });
  });
});

describe('npm run token', () => {
  it('prints only a JWT with the requested claims, signed with the data directory secret', async () => {
    const { stdout } = await cli(
      'gateway/cli/token.ts',
      '--user',
      'usr_bob',
      '--scopes',
      'merchant:finance',
      '--merchants',
      'mer_kfc',
      '--expires-in',
      '2h',
    );
    const token = stdout.trim();
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(1);
    const { jwtSecret } = JSON.parse(
      (await import('node:fs')).readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'),
    );
    const { payload } = await jwtVerify(token, new TextEncoder().encode(jwtSecret));
    expect(payload).toMatchObject({ sub: 'usr_bob', scope: 'merchant:finance', merchant_ids: ['mer_kfc'] });
    expect((payload.exp as number) - (payload.iat as number)).toBe(7200);
  });
});

describe('npm run seed', () => {
  it('seeds at a scale, keeps a seeded database, and --reset recreates it', async () => {
    const first = await cli('seeds/cli.ts', '--scale', '2');
    expect(first.stdout).toMatch(/social\tseeded\tscale 2/);
    expect(first.stderr).toMatch(/done in/);
    expect((await cli('seeds/cli.ts')).stdout).toMatch(/social\tkept\tscale 2/);
    expect((await cli('seeds/cli.ts', '--reset')).stdout).toMatch(/social\tseeded\tscale 1/);
    await expect(cli('seeds/cli.ts', '--scale', 'zero')).rejects.toMatchObject({ code: 2 });
  });
});
