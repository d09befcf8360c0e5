import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLResponseBody } from './graph.ts';

/** What a test subscriber has received so far, and how it ended. */
export interface Received {
  events: GraphQLResponseBody[];
  /** Resolves when the server completes the subscription (or the connection ends it with an error). */
  done: Promise<{ error?: unknown }>;
  stop(): void;
}

/** A graphql-ws client on the gateway's /graphql (http URL), with `connectionParams` sent in connection_init. */
export function wsClient(httpUrl: string, connectionParams?: Record<string, string>, lazy = true): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy,
    retryAttempts: 0,
    // graphql-ws prints a non-lazy client's close to the console; the tests observe it through `on('closed')`.
    onNonLazyError: () => {},
  });
}

/** Subscribes over a graphql-ws client and collects every result (`extensions`: e.g. a persisted query's id). */
export function subscribeWs(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
  extensions?: Record<string, unknown>,
): Received {
  const events: GraphQLResponseBody[] = [];
  let stop = () => {};
  const done = new Promise<{ error?: unknown }>((resolve) => {
    stop = client.subscribe(
      { query, variables, extensions },
      {
        next: (result) => events.push(result as GraphQLResponseBody),
        error: (error) => resolve({ error }),
        complete: () => resolve({}),
      },
    );
  });
  return { events, done, stop: () => stop() };
}

/** Subscribes over Server-Sent Events (graphql-sse distinct connections: POST with Accept: text/event-stream). */
export function subscribeSse(
  httpUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
  extensions?: Record<string, unknown>,
): Received & { status: Promise<number> } {
  const events: GraphQLResponseBody[] = [];
  const abort = new AbortController();
  let setStatus: (status: number) => void = () => {};
  const status = new Promise<number>((resolve) => {
    setStatus = resolve;
  });
  const done = (async () => {
    try {
      const response = await fetch(httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query, variables, extensions }),
        signal: abort.signal,
      });
      setStatus(response.status);
      if (!response.ok || !response.body) return { error: await response.text() };
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(message)?.[1];
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (event === 'next' && data) events.push(JSON.parse(data));
          if (event === 'complete') return {};
          end = buffer.indexOf('\n\n');
        }
      }
      return {};
    } catch (error) {
      return { error };
    }
  })();
  return { events, done, status, stop: () => abort.abort() };
}

/** Waits until `check` passes (polling every 20 ms), or fails with its last error after `ms`. */
export async function within<T>(ms: number, check: () => T | Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The sum of a Prometheus counter over its labels, from a /metrics text. */
export function counterTotal(metricsText: string, name: string, labelFilter = ''): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
