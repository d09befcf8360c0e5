import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { testDataDir } from '../support/temp.ts';

// Bad settings and command lines, as an operator meets them: real processes, one line on stderr, the exit code.

const exec = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const dataDir = testDataDir('lifegraph-settings-');

/** Runs a command to its end: exit code, stdout and stderr (never rejects). */
async function run(script: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(tsx, [script, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The only line of `text`: a message that took more (a stack) fails here. */
const onlyLine = (text: string) => {
  const lines = text.trimEnd().split('\n');
  expect(lines, text).toHaveLength(1);
  return lines[0];
};

describe('a bad setting stops the command with one line naming it, its value and what is allowed', () => {
  it.each([
    [
      'gateway/cli/gateway.ts',
      { LIFEGRAPH_MAX_QUERY_COST: 'abc' },
      /^LIFEGRAPH_MAX_QUERY_COST must be a whole number .*\(got "abc"\)/,
    ],
    [
      'gateway/cli/gateway.ts',
      { LIFEGRAPH_GATEWAY_PORT: '99999' },
      /^LIFEGRAPH_GATEWAY_PORT must be a whole number from 0 to 65535 \(got "99999"\)/,
    ],
    ['gateway/cli/gateway.ts', { LOG_LEVEL: 'nonsense' }, /^LOG_LEVEL="nonsense" is not allowed: use one of .*info/],
    ['gateway/cli/gateway.ts', { LIFEGRAPH_CORS_ORIGINS: 'example.com' }, /^LIFEGRAPH_CORS_ORIGINS has "example.com"/],
    [
      'gateway/cli/gateway.ts',
      { LIFEGRAPH_COMPRESSION_THRESHOLD_BYTES: '1k' },
      /^LIFEGRAPH_COMPRESSION_THRESHOLD_BYTES .*"1k"/,
    ],
    ['subgraphs/cli.ts', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL="loud" is not allowed/],
    [
      'subgraphs/cli.ts',
      { LIFEGRAPH_HOST: 'not a host' },
      /^LIFEGRAPH_HOST must be an IP address or a host name .*"not a host"/,
    ],
    ['gateway/cli/start.ts', { LIFEGRAPH_MAX_QUERY_DEPTH: '-1' }, /^LIFEGRAPH_MAX_QUERY_DEPTH .*"-1"/],
  ] as const)('%s with %o', async (script, env, message) => {
    const args = script === 'subgraphs/cli.ts' ? ['merchants'] : [];
    const result = await run(script, [...args, '--port', '0', '--data-dir', dataDir], { LOG_LEVEL: '', ...env });
    expect(result.code).toBe(2);
    expect(onlyLine(result.stderr)).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('a bad --port names the flag', async () => {
    const result = await run('subgraphs/cli.ts', ['offers', '--port', 'x', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(onlyLine(result.stderr)).toMatch(/^--port must be a whole number from 0 to 65535 \(got "x"\)/);
  });
});

describe('a port in use', () => {
  const holder = net.createServer();
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it.each([
    ['gateway/cli/gateway.ts', [], 'LIFEGRAPH_GATEWAY_PORT'],
    ['subgraphs/cli.ts', ['social'], 'LIFEGRAPH_SOCIAL_PORT'],
  ] as const)('%s: one line naming the port and its variable, exit 1', async (script, args, variable) => {
    if (!holder.listening) await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const result = await run(script, [...args, '--data-dir', dataDir], { [variable]: String(port) });
    expect(result.code).toBe(1);
    expect(onlyLine(result.stderr)).toBe(
      `Port ${port} on 127.0.0.1 is already in use (${variable} or its default): stop what listens there, or choose another port.`,
    );
  });
});

describe('--help and unknown flags', () => {
  it.each([
    ['gateway/cli/gateway.ts', 'npm run gateway'],
    ['subgraphs/cli.ts', 'npm run subgraph'],
    ['gateway/cli/start.ts', 'npm start'],
    ['gateway/cli/keys.ts', 'npm run keys'],
    ['gateway/cli/token.ts', 'npm run token'],
    ['seeds/cli.ts', 'npm run seed'],
    ['subgraphs/jobs-cli.ts', 'npm run jobs'],
    ['subgraphs/events-cli.ts', 'npm run events'],
    ['schema/compose.ts', 'npm run compose'],
    ['schema/codegen.ts', 'npm run codegen'],
    ['schema/trusted-documents.ts', 'npm run trusted-documents'],
  ])(
    '%s --help prints its usage on stdout, exit 0; an unknown flag is one line and exit 2',
    async (script, command) => {
      const help = await run(script, ['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage:\\s+${command}`));
      expect(help.stderr).toBe('');
      const unknown = await run(script, ['--nope']);
      expect(unknown.code).toBe(2);
      expect(onlyLine(unknown.stderr)).toBe(`${command}: Unknown option '--nope'. Run it with --help for its usage.`);
      expect(unknown.stdout).toBe('');
    },
  );
});

describe('Apollo usage telemetry', () => {
  it('is off in the gateway commands unless asked for', async () => {
    const probe = "import './gateway/cli/apollo-telemetry.ts'; console.log(process.env.APOLLO_TELEMETRY_DISABLED);";
    const read = (env: Record<string, string>) =>
      exec(tsx, ['--eval', probe], { env: { ...process.env, ...env } }).then((r) => r.stdout.trim());
    const { APOLLO_TELEMETRY_DISABLED: _, ...withoutIt } = process.env;
    expect((await exec(tsx, ['--eval', probe], { env: withoutIt as Record<string, string> })).stdout.trim()).toBe(
      'true',
    );
    expect(await read({ APOLLO_TELEMETRY_DISABLED: 'false' })).toBe('false');
  });
});
