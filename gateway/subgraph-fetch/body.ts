import type { GatewayGraphQLRequest } from '@apollo/server-gateway-interface';
import { LruMap } from '../auth/cache.ts';

/** The JSON of a fetch's fixed part, `{"query":...,"operationName":...`, for the query and name it was built from. */
interface Opening {
  query: string;
  operationName: string | null | undefined;
  json: string;
}

/** Fetches without a parsed document (health checks, schema loading) whose openings are kept, by query text. */
const MAX_QUERIES = 64;

/**
 * Serialises subgraph request bodies. A fetch node sends the same query (and operation name) every time, only
 * its variables change: the JSON of the query, whose whole text `JSON.stringify` would escape again on every
 * fetch, is kept per fetch document (the planner's parsed operation, stable per plan) or, without one, per
 * query text in a small LRU; each fetch then only serialises its variables. The body is what
 * `JSON.stringify({ query, operationName, variables })` gives; a request with any other field (extensions)
 * is serialised whole.
 */
export class RequestBodies {
  private readonly byDocument = new WeakMap<object, Opening>();
  private readonly byQuery = new LruMap<string, Opening>(MAX_QUERIES);

  /** The body of `request` (its `http` part is not sent); `document` is the fetch's parsed operation, if known. */
  serialise(request: GatewayGraphQLRequest, document?: object): string {
    const { query, operationName, variables } = request;
    if (!query) throw new Error('Missing query');
    for (const key in request) {
      if (key !== 'query' && key !== 'operationName' && key !== 'variables' && key !== 'http') {
        const { http: _http, ...operation } = request;
        return JSON.stringify(operation);
      }
    }
    const opening = this.opening(query, operationName, document);
    return variables === undefined ? `${opening}}` : `${opening},"variables":${JSON.stringify(variables)}}`;
  }

  private opening(query: string, operationName: string | null | undefined, document: object | undefined): string {
    const known = document ? this.byDocument.get(document) : this.byQuery.get(query);
    if (known && known.query === query && known.operationName === operationName) return known.json;
    const json = `{"query":${JSON.stringify(query)}${
      operationName === undefined ? '' : `,"operationName":${JSON.stringify(operationName)}`
    }`;
    const opening = { query, operationName, json };
    if (document) this.byDocument.set(document, opening);
    else this.byQuery.set(query, opening);
    return json;
  }
}
