import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
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
