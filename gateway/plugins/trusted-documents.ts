import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, DocumentStore } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Identity } from '../../subgraphs/contract/index.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import type { GatewayContext } from '../context.ts';
import { PinnedDocumentStore } from './pinned-document-store.ts';
import { readTrustedDocuments, type TrustedDocument } from './trusted-documents-manifest.ts';

export const TRUSTED_DOCUMENTS_MODES = ['enforce', 'allow', 'off'] as const;
/**
 * `enforce`: callers without an API key run only listed documents; `allow`: listed ids are resolved and anything
 * else runs too; `off`: the manifest is not read.
 */
export type TrustedDocumentsMode = (typeof TRUSTED_DOCUMENTS_MODES)[number];

/** `LIFEGRAPH_TRUSTED_DOCUMENTS`: `enforce` in production and `allow` otherwise when unset; a typo stops the start. */
export function trustedDocumentsFromEnv(
  production: boolean,
  env: NodeJS.ProcessEnv = process.env,
): TrustedDocumentsMode {
  const raw = env.LIFEGRAPH_TRUSTED_DOCUMENTS?.trim();
  if (raw === undefined || raw === '') return production ? 'enforce' : 'allow';
  if ((TRUSTED_DOCUMENTS_MODES as readonly string[]).includes(raw)) return raw as TrustedDocumentsMode;
  throw new Error(
    `LIFEGRAPH_TRUSTED_DOCUMENTS must be "enforce", "allow" or "off" (got "${raw}"); unset it for the default ` +
      '(enforce in production, allow otherwise).',
  );
}

/** Told to a caller without an API key whose document is not listed, with what to send instead. */
export const NOT_IN_LIST_MESSAGE =
  "This operation is not in the gateway's list of trusted documents, the only ones callers without an API key may " +
  'run. Send a listed document by its id, as extensions.persistedQuery = { version: 1, sha256Hash: <id> } (its text ' +
  'is optional), and ask the platform team to list a new operation (schema/trusted-documents.json, written by ' +
  '`npm run trusted-documents`). Partners run any operation with their API key (x-api-key).';

const notInList = () =>
  new GraphQLError(NOT_IN_LIST_MESSAGE, { extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 400 } } });

/** What a request asks to run, in Apollo's terms: its `query` text and its `extensions` (`persistedQuery`). */
interface RequestedDocument {
  query?: unknown;
  extensions?: unknown;
}

type Share = (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<boolean>;
type ContextFunction = (req: IncomingMessage, res: ServerResponse, rawBody?: Buffer) => Promise<GatewayContext>;

export interface TrustedDocuments {
  mode: TrustedDocumentsMode;
  /**
   * Gives a request that sent only a listed id its body (no APQ cache, no PERSISTED_QUERY_NOT_FOUND round trip),
   * and stops an unlisted document that reached Apollo without `admitting` or `sharing`.
   */
  plugin: ApolloServerPlugin<GatewayContext>;
  /** Apollo Server's `documentStore`: listed documents pinned, so each is parsed and validated once; undefined when off. */
  documentStore: DocumentStore | undefined;
  /**
   * The gateway's context function, refusing (HTTP 400 `PERSISTED_QUERY_NOT_IN_LIST`) a caller without an API key
   * whose document is not listed, when enforcing: nothing is parsed or executed, no subgraph called, no cost paid.
   */
  admitting(context: ContextFunction): ContextFunction;
  /**
   * Request sharing (LIFEGRAPH_DEDUP_REQUESTS) runs Apollo with a context of its own: when enforcing, it only
   * takes documents the caller may run, and leaves every other request to the context that refuses it.
   */
  sharing(share: Share, authenticate: Authenticator): Share;
  /**
   * The text a live subscription (WebSocket or SSE, gateway/subscriptions) runs, by the rule HTTP follows: a listed
   * id stands for its body (the text may then be empty), and when enforcing a caller without an API key runs only
   * a listed document; otherwise the `PERSISTED_QUERY_NOT_IN_LIST` error to answer.
   */
  subscriptionText(identity: Identity, request: { query: string; extensions?: unknown }): string | GraphQLError;
}

/**
 * Trusted documents (a persisted-query safelist) for the app's own frontends, from the committed manifest
 * (`documents`, read from schema/trusted-documents.json unless given). Partners, who hold API keys, are never
 * restricted; with `off` nothing changes at all.
 */
export function trustedDocuments(
  mode: TrustedDocumentsMode,
  documents: readonly TrustedDocument[] = mode === 'off' ? [] : readTrustedDocuments(),
): TrustedDocuments {
  if (mode === 'off') {
    return {
      mode,
      plugin: {},
      documentStore: undefined,
      admitting: (context) => context,
      sharing: (share) => share,
      subscriptionText: (_identity, { query }) => query,
    };
  }
  const byId = new Map(documents.map((document) => [document.id, document]));
  // A text counts as listed when it is a listed body, i.e. when its sha256 is a listed id; a Set of the bodies
  // answers that with the string's own hash instead of a sha256 per request.
  const bodies = new Set(documents.map((document) => document.body));
  const isListed = ({ query, extensions }: RequestedDocument): boolean => {
    if (typeof query === 'string') return bodies.has(query);
    // A query that is neither a string nor missing is refused by Apollo before anything runs.
    if (query !== undefined && query !== null) return true;
    const persisted = persistedQueryOf(extensions);
    // No text and no id: Apollo answers with what to send, and nothing runs.
    if (persisted === undefined) return true;
    return typeof persisted.sha256Hash === 'string' && byId.has(persisted.sha256Hash);
  };
  const mayRun = (identity: Identity, request: RequestedDocument) =>
    mode !== 'enforce' || identity.kind === 'partner' || isListed(request);

  return {
    mode,
    subscriptionText: (identity, { query, extensions }) => {
      const persisted = persistedQueryOf(extensions);
      const listed = typeof persisted?.sha256Hash === 'string' ? byId.get(persisted.sha256Hash) : undefined;
      // Both transports require a text: an empty one with a listed id is "the id alone", as HTTP takes it.
      if (query === '' && listed) return listed.body;
      // A listed id with another document's text is refused, as Apollo refuses the hash mismatch over HTTP.
      const matches = persisted?.sha256Hash === undefined || listed?.body === query;
      if (mode === 'enforce' && identity.kind !== 'partner' && !(bodies.has(query) && matches)) return notInList();
      return query;
    },
    documentStore: new PinnedDocumentStore((queryHash) => byId.has(queryHash)),
    plugin: {
      // Apollo reads `request.query` and the APQ extension right after requestDidStart: the place to put the body.
      async requestDidStart({ request, contextValue }) {
        const persisted = persistedQueryOf(request.extensions);
        const listed =
          request.query === undefined && persisted?.version === 1 && typeof persisted.sha256Hash === 'string'
            ? byId.get(persisted.sha256Hash)
            : undefined;
        if (listed) {
          request.query = listed.body;
          // Without the extension Apollo treats it as the plain text it now is, instead of registering it in the
          // APQ cache again on every request.
          const { persistedQuery: _resolved, ...rest } = request.extensions as Record<string, unknown>;
          request.extensions = rest;
        }
        // Every HTTP path goes through admitting() or sharing(); a request that got here another way must not run.
        // Queries generated for live subscriptions (gateway/subscriptions) are the gateway's own.
        if (contextValue.subscription === undefined && !mayRun(contextValue.identity, request)) {
          throw new Error('A document outside the trusted list reached Apollo without the context refusing it.');
        }
      },
    },
    admitting: (context) => {
      if (mode !== 'enforce') return context;
      return async (req, res, rawBody) => {
        const built = await context(req, res, rawBody);
        // A partner's request is not read a second time: only callers without a key pay for the check.
        if (built.identity.kind !== 'partner' && !isListed(requestedOver(req, rawBody))) throw notInList();
        return built;
      };
    },
    sharing: (share, authenticate) => {
      if (mode !== 'enforce') return share;
      return async (req, res, body) => {
        if (!isListed(isRecord(body) ? body : {})) {
          let identity: Identity;
          try {
            identity = await authenticate(req.headers);
          } catch {
            // Apollo answers a credentials failure as it always does.
            return false;
          }
          if (identity.kind !== 'partner') return false;
        }
        return share(req, res, body);
      };
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The APQ extension of a request (`{ version, sha256Hash }`), if it has one. */
function persistedQueryOf(extensions: unknown): { version?: unknown; sha256Hash?: unknown } | undefined {
  const persisted = isRecord(extensions) ? extensions.persistedQuery : undefined;
  return isRecord(persisted) ? persisted : undefined;
}

/**
 * The document an HTTP request asks for, read as Apollo Server will read it: GET from the query string (the
 * `extensions` parameter is JSON), a POST from the body Express parsed, or from the raw body of the lean path
 * (parsed as it parses it: a leading byte-order mark dropped, an empty body an empty object). Anything that is not
 * a JSON object (a batch, no body) is refused by Apollo itself, so it asks for nothing here.
 */
function requestedOver(req: IncomingMessage & { body?: unknown }, rawBody?: Buffer): RequestedDocument {
  if (req.method === 'GET') {
    const search = new URL(req.url ?? '/', 'http://gateway').searchParams;
    return { query: search.get('query') ?? undefined, extensions: jsonOrUndefined(search.get('extensions') ?? '') };
  }
  let body = req.body;
  if (rawBody) {
    const text = rawBody.toString('utf8');
    const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    body = json.trim() === '' ? {} : jsonOrUndefined(json);
  }
  return isRecord(body) ? body : {};
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
