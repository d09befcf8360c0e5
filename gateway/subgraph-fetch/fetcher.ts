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
 * out and a string body back, no web streams and no Request object per fetch (undici's `fetch` and Apollo's
 * node-fetch Request were the largest cost in the gateway's profile).
 */
export class SubgraphFetcher {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  /** POSTs `body` to `url`; `signal` aborts both the request and the reading of the answer. */
  async post(
    url: URL,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<SubgraphHttpResponse> {
    const response = await this.pool(url.origin).request({
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      headers,
      body,
      signal,
    });
    return { status: response.statusCode, headers: response.headers, body: await readText(response) };
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

/** The body as UTF-8 text, decompressed first if the subgraph compressed it. */
async function readText(response: Dispatcher.ResponseData): Promise<string> {
  const encoding = response.headers['content-encoding'];
  if (encoding === undefined || encoding === 'identity') return response.body.text();
  const decode = typeof encoding === 'string' ? DECODERS[encoding.trim().toLowerCase()] : undefined;
  if (!decode) {
    await response.body.dump();
    throw new Error(`unsupported content-encoding ${JSON.stringify(encoding)}`);
  }
  return (await decode(Buffer.from(await response.body.arrayBuffer()))).toString('utf8');
}
