import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { type SpawnedProcess, spawnTsx } from '../support/processes.ts';
import { testDataDir } from '../support/temp.ts';

// Where each serving command listens: loopback in development, every interface in production, or what
// --host / LIFEGRAPH_HOST says. Checked by connecting, as another machine on the network would, to this one's
// non-loopback address.

/** This machine's first non-internal IPv4 address: what another machine on the network would connect to. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

const SECRETS = {
  LIFEGRAPH_JWT_SECRET: 'host-binding-jwt-secret-0123456789abcdef',
  LIFEGRAPH_SUBGRAPH_SECRET: 'host-binding-subgraph-secret-0123456789',
};

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const running: SpawnedProcess[] = [];
afterAll(async () => {
  for (const process of running) {
    process.killGroup('SIGKILL');
    await process.exited;
  }
});

/** Starts a command on port 0 and resolves with the port its ready line names. */
async function serve(script: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  const spawned = spawnTsx(script, [...args, '--port', '0', '--data-dir', testDataDir('lifegraph-host-')], {
    ...SECRETS,
    LIFEGRAPH_HOST: '',
    NODE_ENV: '',
    ...env,
  });
  running.push(spawned);
  const [, port] = await spawned.waitFor(/ http:\/\/\S+:(\d+)\/graphql/);
  return Number(port);
}

describe.skipIf(external === undefined)('the address a process binds', () => {
  const address = external as string;

  it('a subgraph binds loopback in development: reachable at 127.0.0.1, not from the network', async () => {
    const port = await serve('subgraphs/cli.ts', ['merchants']);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    expect(await accepts(address, port)).toBe(false);
  });

  it('LIFEGRAPH_HOST=0.0.0.0 makes a subgraph reachable from the network', async () => {
    const port = await serve('subgraphs/cli.ts', ['content'], { LIFEGRAPH_HOST: '0.0.0.0' });
    expect(await accepts(address, port)).toBe(true);
  });

  it('the gateway binds loopback in development', async () => {
    const loopback = await serve('gateway/cli/gateway.ts', []);
    expect(await accepts('127.0.0.1', loopback)).toBe(true);
    expect(await accepts(address, loopback)).toBe(false);
  });

  it('--host beats LIFEGRAPH_HOST', async () => {
    const told = await serve('gateway/cli/gateway.ts', ['--host', address], { LIFEGRAPH_HOST: '127.0.0.1' });
    expect(await accepts(address, told)).toBe(true);
    expect(await accepts('127.0.0.1', told)).toBe(false);
  });

  it('in production the gateway binds every interface unless told', async () => {
    const port = await serve('gateway/cli/gateway.ts', [], { NODE_ENV: 'production' });
    expect(await accepts(address, port)).toBe(true);
    expect(await accepts('127.0.0.1', port)).toBe(true);
  });
});
