import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkedToStop } from '../../subgraphs/contract/index.ts';

// The event pulls (gateway feed, subgraph consumers) fetch in a loop under one stop signal: it must not collect a
// listener per pull (undici's fetch keeps its own on the signal it is given until the request is collected).

let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/slow') return; // never answers: only an abort ends it
    res.setHeader('content-type', 'application/json');
    res.end('{"events":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('linkedToStop', () => {
  it('leaves no listener on the stop signal after each of 2000 pulls that come back at once', async () => {
    const stop = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 2000; i++) {
        const page = await linkedToStop(stop.signal, async (signal) =>
          (await fetch(`${url}/events`, { signal })).json(),
        );
        expect(page).toEqual({ events: [] });
      }
      expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('aborts the request in flight when stopped, and one started after the stop at once', async () => {
    const stop = new AbortController();
    const pending = linkedToStop(stop.signal, (signal) => fetch(`${url}/slow`, { signal }));
    setTimeout(() => stop.abort(new Error('stopping')), 50);
    await expect(pending).rejects.toThrow('stopping');
    await expect(linkedToStop(stop.signal, (signal) => fetch(`${url}/events`, { signal }))).rejects.toThrow('stopping');
  });
});
