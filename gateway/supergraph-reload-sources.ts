import { type FSWatcher, type Stats, unwatchFile, watch, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { readIntegerEnv } from '../subgraphs/contract/index.ts';

/** Where new versions of the supergraph come from: a file (watched, and its mtime polled) or a URL (polled). */
export type SupergraphSource = ({ file: string } | { url: string }) & {
  /** How often the URL is fetched, or the file's mtime checked (fs.watch tells of most changes at once). */
  pollMs: number;
  /** Quiet time after a file event before the file is read, so one write is read once, whole. */
  debounceMs?: number;
};

export const DEFAULT_SUPERGRAPH_POLL_MS = 10_000;
/** The gateway reads a file event's file this long after the last event: writers finish a file in a few writes. */
const DEFAULT_DEBOUNCE_MS = 200;
/** A fetch of the supergraph URL gives up after this long (the poll after it tries again). */
const FETCH_TIMEOUT_MS = 10_000;
/** Larger answers are refused: our supergraph is about 90 KB, and a URL must not make the gateway buffer anything. */
const MAX_SUPERGRAPH_BYTES = 32 * 2 ** 20;

/**
 * `LIFEGRAPH_SUPERGRAPH_URL` (an http(s) URL the gateway loads its supergraph from and polls, in place of a file)
 * and `LIFEGRAPH_SUPERGRAPH_POLL_MS` (how often, default 10 s; also the file's mtime check). Fails fast on a bad value.
 */
export function supergraphReloadFromEnv(env: NodeJS.ProcessEnv = process.env): { url?: string; pollMs: number } {
  const pollMs = readIntegerEnv('LIFEGRAPH_SUPERGRAPH_POLL_MS', {
    defaultValue: DEFAULT_SUPERGRAPH_POLL_MS,
    min: 100,
    max: 86_400_000,
    env,
  });
  const raw = env.LIFEGRAPH_SUPERGRAPH_URL?.trim();
  if (!raw) return { pollMs };
  let protocol = '';
  try {
    protocol = new URL(raw).protocol;
  } catch {}
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new Error(
      `LIFEGRAPH_SUPERGRAPH_URL="${raw}" is not allowed: use the http:// or https:// URL of a composed supergraph, or unset it to serve --supergraph FILE.`,
    );
  }
  return { url: raw, pollMs };
}

/** A URL as logs show it: no user, password or query (where tokens go). */
export function displayUrl(url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    return `${origin}${pathname}`;
  } catch {
    return '(bad URL)';
  }
}

/** Fetches the supergraph at `url` once; throws with a one-line reason (for the CLI's first load). */
export async function fetchSupergraph(url: string): Promise<string> {
  const answer = await getSupergraph(url, {});
  if (answer.kind !== 'text') throw new Error(answer.kind === 'failed' ? answer.reason : 'no content');
  return answer.text;
}

interface Handlers {
  /** A version as read: the reloader decides whether it is new and whether it is good. */
  onText(text: string): void;
  onUnreadable(reason: string): void;
  logger: Logger;
}

/** Starts watching `source`; returns what stops it. The source is read once right away (it may have changed since the first read). */
export function watchSupergraph(source: SupergraphSource, handlers: Handlers): () => void {
  return 'url' in source ? pollUrl(source.url, source.pollMs, handlers) : watchPath(source, handlers);
}

function watchPath(source: { file: string; pollMs: number; debounceMs?: number }, handlers: Handlers): () => void {
  const { file } = source;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const read = () => {
    timer = undefined;
    readFile(file, 'utf8').then(
      (text) => closed || handlers.onText(text),
      (error: NodeJS.ErrnoException) => closed || handlers.onUnreadable(error.code ?? error.message),
    );
  };
  const soon = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(read, source.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  };
  // The directory, not the file: an editor's or `kubectl`'s atomic replace (a rename over it, a ConfigMap's
  // `..data` symlink swap) ends a watch on the file itself. Any event reads the file; unchanged text is ignored.
  let watcher: FSWatcher | undefined;
  const stopWatching = (error: Error) => {
    handlers.logger.warn(
      { file, err: error },
      `supergraph: cannot watch ${path.dirname(file)} (${error.message}); checking its mtime every ${source.pollMs} ms instead`,
    );
    watcher?.close();
    watcher = undefined;
  };
  try {
    watcher = watch(path.dirname(file), { persistent: false }, soon);
    watcher.on('error', stopWatching);
  } catch (error) {
    stopWatching(error as Error);
  }
  // The fallback where fs.watch tells nothing (some network and container file systems).
  const polled = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) soon();
  };
  watchFile(file, { interval: source.pollMs, persistent: false }, polled);
  soon();
  return () => {
    closed = true;
    clearTimeout(timer);
    watcher?.close();
    unwatchFile(file, polled);
  };
}

function pollUrl(url: string, pollMs: number, handlers: Handlers): () => void {
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let validators: Validators = {};
  let last: string | undefined;
  const poll = async () => {
    const answer = await getSupergraph(url, validators);
    if (closed) return;
    if (answer.kind === 'text') {
      last = answer.text;
      validators = answer.validators;
      handlers.onText(answer.text);
    } else if (answer.kind === 'unchanged') {
      // Offered again: a version refused for a reason that may pass (a new subgraph not up yet) is tried again.
      if (last !== undefined) handlers.onText(last);
    } else {
      handlers.onUnreadable(answer.reason);
    }
    // The next poll is timed from the end of this one: a slow server never has two polls at once.
    timer = setTimeout(poll, pollMs);
  };
  timer = setTimeout(poll, 0);
  return () => {
    closed = true;
    clearTimeout(timer);
  };
}

type Validators = { etag?: string; lastModified?: string };
type Answer =
  | { kind: 'text'; text: string; validators: Validators }
  | { kind: 'unchanged' }
  | { kind: 'failed'; reason: string };

/** One conditional GET (ETag / Last-Modified, so an unchanged supergraph costs a 304). */
async function getSupergraph(url: string, validators: Validators): Promise<Answer> {
  const shown = displayUrl(url);
  try {
    const headers: Record<string, string> = { accept: 'application/graphql, text/plain, */*' };
    if (validators.etag) headers['if-none-match'] = validators.etag;
    if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (response.status === 304) return { kind: 'unchanged' };
    if (!response.ok) {
      await response.body?.cancel();
      return { kind: 'failed', reason: `GET ${shown} answered HTTP ${response.status}` };
    }
    if (Number(response.headers.get('content-length') ?? 0) > MAX_SUPERGRAPH_BYTES) {
      await response.body?.cancel();
      return { kind: 'failed', reason: `GET ${shown} answered more than ${MAX_SUPERGRAPH_BYTES} bytes` };
    }
    const text = await response.text();
    if (text.length > MAX_SUPERGRAPH_BYTES) {
      return { kind: 'failed', reason: `GET ${shown} answered more than ${MAX_SUPERGRAPH_BYTES} bytes` };
    }
    return {
      kind: 'text',
      text,
      validators: {
        etag: response.headers.get('etag') ?? undefined,
        lastModified: response.headers.get('last-modified') ?? undefined,
      },
    };
  } catch (error) {
    const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
    if (name === 'TimeoutError')
      return { kind: 'failed', reason: `GET ${shown}: no answer within ${FETCH_TIMEOUT_MS} ms` };
    return { kind: 'failed', reason: `GET ${shown}: ${cause?.message ?? cause?.code ?? message}` };
  }
}
