import type { IncomingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { type Dispatcher, Pool } from 'undici';

/** A subgraph's HTTP answer with its body read as text. */
export interface SubgraphHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

// The gateway does not ask for compressed answers (the subgraphs are next to it, where compression only costs
// CPU); a subgraph that compresses anyway is still understood.
const DECODERS: Record<string, (compressed: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

/**
 * The gateway's HTTP client for its subgraphs: one undici keep-alive `Pool` per subgraph origin, a string body
 * out and a string body back. Each fetch is dispatched with a small handler that collects the answer's chunks:
 * no Request object, no body stream and no web streams per fetch (undici's `fetch`, Apollo's node-fetch Request
 * and then undici's `request` with its Readable body were the largest costs in the gateway's profile).
 */
export class SubgraphFetcher {
  private readonly pools = new Map<string, Pool>();
  /** Origin and path of each subgraph URL (a data source posts to the same URL object every time). */
  private readonly targets = new WeakMap<URL, { origin: string; path: string }>();
  private closed = false;

  /**
   * POSTs `body` to `url`; `signal` aborts both the request and the reading of the answer (the promise rejects
   * with the signal's reason at once). `headers` is an object or a flat `[name, value, ...]` array.
   */
  post(
    url: URL,
    body: string,
    headers: Record<string, string> | string[],
    signal: AbortSignal,
  ): Promise<SubgraphHttpResponse> {
    if (signal.aborted) return Promise.reject(signal.reason);
    let target = this.targets.get(url);
    if (!target) {
      target = { origin: url.origin, path: `${url.pathname}${url.search}` };
      this.targets.set(url, target);
    }
    let pool: Pool;
    try {
      pool = this.pool(target.origin);
    } catch (error) {
      return Promise.reject(error);
    }
    const path = target.path;
    return new Promise<SubgraphHttpResponse>((resolve, reject) => {
      pool.dispatch({ method: 'POST', path, headers, body }, new TextResponseHandler(resolve, reject, signal));
    });
  }

  /** Closes every pool once the fetches on it have ended; fetches after this fail. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      if (this.closed) throw new Error('the subgraph fetcher is closed');
      // No undici timeouts: the data source's abort signal (LIFEGRAPH_SUBGRAPH_TIMEOUT_MS) is the only bound.
      pool = new Pool(origin, { headersTimeout: 0, bodyTimeout: 0 });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

/**
 * One fetch's undici handler (the controller API of undici 7): keeps the status and headers, collects the body's
 * chunks and settles the fetch's promise once, with the text (decompressed if need be) or the error. It is also
 * the abort listener of the fetch's signal (`handleEvent`), so a fetch allocates no closure for it.
 */
class TextResponseHandler implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private settled = false;

  constructor(
    private readonly resolve: (response: SubgraphHttpResponse) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', this, { once: true });
  }

  /** The signal aborted: the caller is told at once, and the request is cut off (or, still queued, when it starts). */
  handleEvent(): void {
    this.fail(this.signal.reason);
    this.controller?.abort(this.signal.reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(this.signal.aborted ? this.signal.reason : new Error('fetch abandoned'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx answers come before the real one: only the last status and headers count, as with `request`.
    this.status = statusCode;
    this.headers = headers;
    this.chunks = [];
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    const encoding = this.headers['content-encoding'];
    const chunks = this.chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    if (encoding === undefined || encoding === 'identity') {
      this.succeed(bytes.toString('utf8'));
      return;
    }
    const decode = typeof encoding === 'string' ? DECODERS[encoding.trim().toLowerCase()] : undefined;
    if (!decode) {
      this.fail(new Error(`unsupported content-encoding ${JSON.stringify(encoding)}`));
      return;
    }
    decode(bytes).then(
      (decoded) => this.succeed(decoded.toString('utf8')),
      (error: unknown) => this.fail(error),
    );
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  private succeed(body: string): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.removeEventListener('abort', this);
    this.resolve({ status: this.status, headers: this.headers, body });
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.removeEventListener('abort', this);
    this.chunks = [];
    this.reject(error);
  }
}
