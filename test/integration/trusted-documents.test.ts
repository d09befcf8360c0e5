import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { NOT_IN_LIST_MESSAGE } from '../../gateway/plugins/trusted-documents.ts';
import { documentId, readTrustedDocuments } from '../../gateway/plugins/trusted-documents-manifest.ts';
import { type GatewayOptions, type RunningGateway, startGateway } from '../../gateway/server.ts';
import { SUPERGRAPH_FILE } from '../../gateway/supergraph.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/index.ts';
import { type GraphQLResponseBody, TEST_SECRETS, useTestGraph } from '../support/graph.ts';
import { postBothWays } from '../support/lean-path.ts';

// Issue 10 item 5: callers without an API key run only the frontends' listed documents when enforcing (the
// production default); partners run anything; `allow` resolves listed ids and runs anything else; `off` is APQ as
// before. Every request is sent each way the gateway reads one: a lean POST, a POST through Express, and a GET.

const graph = useTestGraph({ production: true });
let keys: ApiKeyStore;
let partnerKey: string;
const extraGateways: RunningGateway[] = [];
beforeAll(() => {
  keys = new ApiKeyStore(graph.dataDir);
  partnerKey = keys.create({ name: 'trusted documents test', scopes: [], merchants: [], expiresAt: null }).key;
});
afterAll(async () => {
  for (const gateway of extraGateways) await gateway.stop();
  keys?.close();
});

/** Another gateway over the test graph's subgraphs and key store, with its own options. */
async function gatewayWith(options: Partial<GatewayOptions>): Promise<RunningGateway> {
  const gateway = await startGateway(
    {
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphSecret: TEST_SECRETS.subgraphSecret,
      authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret }), keys),
      urlOverrides: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, graph.subgraphs[name].url])),
      logger: pino({ level: 'silent' }),
      ...options,
    },
    0,
  );
  extraGateways.push(gateway);
  return gateway;
}

const LISTED = Object.fromEntries(readTrustedDocuments().map((document) => [document.name, document]));
const MERCHANT_PAGE = { id: LISTED.MerchantPage?.id as string, body: LISTED.MerchantPage?.body as string };
const WALLET_ID = LISTED.Wallet?.id as string;
const KFC = { id: 'mer_kfc' };
const UNLISTED = '{ merchant(id: "mer_kfc") { id name } }';

/** The APQ extension naming a document by its id. */
const byId = (id: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } });

/** An answer's data and errors: `extensions.cost`, on every answer that ran, is the demand-control suites' subject. */
function withoutCost({ extensions: _cost, ...result }: GraphQLResponseBody): GraphQLResponseBody {
  return result;
}

interface Answer {
  way: string;
  status: number;
  body: GraphQLResponseBody;
}

/** A GraphQL request as a GET: `query` as it is, `variables` and `extensions` as JSON, as Apollo reads them. */
function searchOf(request: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(request)) {
    search.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return search.toString();
}

/** The same request as a lean POST, a POST through Express (gzipped) and a GET, each answer named by its way. */
async function everyWay(url: string, request: Record<string, unknown>, headers: Record<string, string> = {}) {
  const [lean, express] = await postBothWays(url, JSON.stringify(request), headers);
  // Apollo's CSRF prevention asks a GET for a header a browser's simple request cannot carry.
  const get = await fetch(`${url}?${searchOf(request)}`, {
    headers: { 'apollo-require-preflight': 'true', ...headers },
  });
  const answers: Answer[] = [];
  for (const [way, response] of [
    ['lean POST', lean],
    ['Express POST', express],
    ['GET', get],
  ] as const) {
    answers.push({ way, status: response.status, body: withoutCost((await response.json()) as GraphQLResponseBody) });
  }
  return answers;
}

/** One POST (the lean path), for the requests whose ways are shown alike above. */
async function post(url: string, request: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(request),
  });
  return { status: response.status, body: withoutCost((await response.json()) as GraphQLResponseBody) };
}

const REFUSED = {
  status: 400,
  body: { errors: [{ message: NOT_IN_LIST_MESSAGE, extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }] },
};
const codes = (body: GraphQLResponseBody) => body.errors?.map((error) => error.extensions?.code);
const asAlice = async () => ({ authorization: `Bearer ${await graph.tokenFor('usr_alice')}` });
const withKey = () => ({ 'x-api-key': partnerKey });

describe('enforce (the default in production)', () => {
  it('refuses an unlisted query to anonymous callers and to users: 400, PERSISTED_QUERY_NOT_IN_LIST, no data, no subgraph called', async () => {
    for (const headers of [{}, await asAlice()]) {
      const before = graph.statementCount();
      for (const { way, status, body } of await everyWay(graph.gateway.url, { query: UNLISTED }, headers)) {
        expect({ way, status, body }).toEqual({ way, ...REFUSED });
      }
      expect(graph.statementCount()).toBe(before);
    }
  });

  it('runs a listed document by its id alone, by its text, and by both', async () => {
    for (const request of [
      { ...byId(MERCHANT_PAGE.id), variables: KFC },
      { query: MERCHANT_PAGE.body, variables: KFC },
      { query: MERCHANT_PAGE.body, ...byId(MERCHANT_PAGE.id), variables: KFC },
    ]) {
      for (const { way, status, body } of await everyWay(graph.gateway.url, request)) {
        expect({ way, status, errors: body.errors }).toEqual({ way, status: 200, errors: undefined });
        expect(body.data).toMatchObject({ merchant: { id: 'mer_kfc', name: 'KFC' } });
      }
    }
    // A user's listed operation by id, as the wallet sends it.
    for (const { way, status, body } of await everyWay(graph.gateway.url, byId(WALLET_ID), await asAlice())) {
      expect({ way, status, errors: body.errors, me: body.data?.me?.id }).toEqual({
        way,
        status: 200,
        errors: undefined,
        me: 'usr_alice',
      });
    }
  });

  it('refuses registering an unlisted query as an automatic persisted query, and its id alone: nothing is registered', async () => {
    const query = '{ merchant(id: "mer_kfc") { category { name } } }';
    const id = documentId(query);
    for (const request of [{ query, ...byId(id) }, byId(id)]) {
      for (const { way, status, body } of await everyWay(graph.gateway.url, request)) {
        expect({ way, status, body }).toEqual({ way, ...REFUSED });
      }
    }
    // A partner, who may use APQ, finds nothing under the id: the refused registration left nothing behind.
    const partner = await post(graph.gateway.url, byId(id), withKey());
    expect([partner.status, codes(partner.body)]).toEqual([200, ['PERSISTED_QUERY_NOT_FOUND']]);
  });

  it("refuses a listed id sent with some other document's text", async () => {
    const { status, body } = await post(graph.gateway.url, { query: UNLISTED, ...byId(MERCHANT_PAGE.id) });
    expect({ status, body }).toEqual(REFUSED);
  });

  it('a partner key runs any operation and registers automatic persisted queries, which stay closed to others', async () => {
    for (const { way, status, body } of await everyWay(graph.gateway.url, { query: UNLISTED }, withKey())) {
      expect({ way, status, body }).toEqual({
        way,
        status: 200,
        body: { data: { merchant: { id: 'mer_kfc', name: 'KFC' } } },
      });
    }
    const query = '{ merchant(id: "mer_newhope") { id } }';
    const id = documentId(query);
    const unknown = await post(graph.gateway.url, byId(id), withKey());
    expect(codes(unknown.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const registered = await post(graph.gateway.url, { query, ...byId(id) }, withKey());
    expect(registered).toEqual({ status: 200, body: { data: { merchant: { id: 'mer_newhope' } } } });
    const byHash = await post(graph.gateway.url, byId(id), withKey());
    expect(byHash).toEqual({ status: 200, body: { data: { merchant: { id: 'mer_newhope' } } } });
    // Registered by a partner is not listed: anonymous callers and users still may not run it.
    for (const headers of [{}, await asAlice()]) {
      expect(await post(graph.gateway.url, byId(id), headers)).toEqual(REFUSED);
    }
  });

  it('credentials are checked first, and a request with no operation still gets what to send', async () => {
    const badToken = await post(graph.gateway.url, { query: UNLISTED }, { authorization: 'Bearer not-a-token' });
    expect([badToken.status, codes(badToken.body)]).toEqual([401, ['UNAUTHENTICATED']]);
    const empty = await post(graph.gateway.url, { variables: {} });
    expect([empty.status, codes(empty.body)]).toEqual([400, ['BAD_REQUEST']]);
  });

  it('with request sharing on, unlisted documents are still refused to callers without a key, and run for partners', async () => {
    const sharing = await gatewayWith({ production: true, dedupRequests: true });
    const refused = await Promise.all([1, 2, 3].map(() => post(sharing.url, { query: UNLISTED })));
    for (const answer of refused) expect(answer).toEqual(REFUSED);
    const listed = await Promise.all(
      [1, 2].map(() => post(sharing.url, { query: MERCHANT_PAGE.body, variables: KFC })),
    );
    for (const { status, body } of listed) expect([status, body.data?.merchant?.id]).toEqual([200, 'mer_kfc']);
    const partner = await post(sharing.url, { query: UNLISTED }, withKey());
    expect(partner).toEqual({ status: 200, body: { data: { merchant: { id: 'mer_kfc', name: 'KFC' } } } });
  });
});

describe('allow (the default elsewhere)', () => {
  let allow: RunningGateway;
  beforeAll(async () => {
    allow = await gatewayWith({ trustedDocuments: 'allow' });
  });

  it('runs a listed id alone at once (no PERSISTED_QUERY_NOT_FOUND round trip), and any other query', async () => {
    for (const { way, status, body } of await everyWay(allow.url, { ...byId(MERCHANT_PAGE.id), variables: KFC })) {
      expect({ way, status, errors: body.errors, id: body.data?.merchant?.id }).toEqual({
        way,
        status: 200,
        errors: undefined,
        id: 'mer_kfc',
      });
    }
    for (const { way, status, body } of await everyWay(allow.url, { query: UNLISTED })) {
      expect({ way, status, body }).toEqual({
        way,
        status: 200,
        body: { data: { merchant: { id: 'mer_kfc', name: 'KFC' } } },
      });
    }
  });

  it('keeps APQ for everyone: an unknown id is PERSISTED_QUERY_NOT_FOUND until the query is registered', async () => {
    const query = '{ merchant(id: "mer_kfc") { status } }';
    const id = documentId(query);
    expect(codes((await post(allow.url, byId(id))).body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await post(allow.url, { query, ...byId(id) })).body.errors).toBeUndefined();
    expect(await post(allow.url, byId(id))).toMatchObject({ status: 200, body: { data: { merchant: {} } } });
  });
});

describe('off', () => {
  it('does not read the manifest: a listed id is as unknown as any other, and APQ works as before', async () => {
    const off = await gatewayWith({ production: true, trustedDocuments: 'off' });
    const unknown = await post(off.url, { ...byId(MERCHANT_PAGE.id), variables: KFC });
    expect(unknown).toEqual({
      status: 200,
      body: { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] },
    });
    expect((await post(off.url, { query: UNLISTED })).body).toEqual({
      data: { merchant: { id: 'mer_kfc', name: 'KFC' } },
    });
    await post(off.url, { query: MERCHANT_PAGE.body, ...byId(MERCHANT_PAGE.id), variables: KFC });
    const registered = await post(off.url, { ...byId(MERCHANT_PAGE.id), variables: KFC });
    expect([registered.status, registered.body.data?.merchant?.id]).toEqual([200, 'mer_kfc']);
  });
});

describe('LIFEGRAPH_TRUSTED_DOCUMENTS', () => {
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('a value other than enforce, allow or off stops the gateway at start, naming the setting and the choices', async () => {
    vi.stubEnv('LIFEGRAPH_TRUSTED_DOCUMENTS', 'strict');
    await expect(gatewayWith({ production: true })).rejects.toThrow(
      'LIFEGRAPH_TRUSTED_DOCUMENTS must be "enforce", "allow" or "off" (got "strict")',
    );
    vi.unstubAllEnvs();
  });

  it('chooses the mode when the options do not: allow in production admits an unlisted query, enforce in development refuses it', async () => {
    vi.stubEnv('LIFEGRAPH_TRUSTED_DOCUMENTS', 'allow');
    const production = await gatewayWith({ production: true });
    vi.stubEnv('LIFEGRAPH_TRUSTED_DOCUMENTS', 'enforce');
    const development = await gatewayWith({ production: false });
    vi.unstubAllEnvs();
    expect((await post(production.url, { query: UNLISTED })).status).toBe(200);
    expect(await post(development.url, { query: UNLISTED })).toEqual(REFUSED);
  });
});
