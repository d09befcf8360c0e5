import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../gateway/context.ts';
import { PinnedDocumentStore } from '../../gateway/plugins/pinned-document-store.ts';
import { trustedDocuments, trustedDocumentsFromEnv } from '../../gateway/plugins/trusted-documents.ts';
import {
  documentId,
  readTrustedDocuments,
  TRUSTED_DOCUMENTS_FILE,
} from '../../gateway/plugins/trusted-documents-manifest.ts';
import {
  invalidTrustedDocuments,
  trustedDocumentsFileText,
  trustedDocumentsManifest,
} from '../../schema/trusted-documents.ts';
import { ANONYMOUS } from '../../subgraphs/contract/index.ts';
import { CLIENT_OPERATIONS } from '../support/operations.ts';
import { testDataDir } from '../support/temp.ts';

describe('the trusted documents manifest', () => {
  it('the committed schema/trusted-documents.json is what `npm run trusted-documents` writes now', () => {
    expect(
      readFileSync(TRUSTED_DOCUMENTS_FILE, 'utf8') === trustedDocumentsFileText(),
      'run `npm run trusted-documents` and commit the result',
    ).toBe(true);
  });

  it("lists every client operation by name and type, with its text as the body and the body's sha256 as the id", () => {
    const listed = readTrustedDocuments();
    expect(listed.map(({ name, type }) => `${type} ${name}`)).toEqual([
      'query LifeFeed',
      'query LiveRoom',
      'query LiveRoomPage',
      'subscription LiveRoomUpdates',
      'query MerchantPage',
      'query NearbyDeals',
      'query Wallet',
      'subscription WalletUpdates',
    ]);
    expect(listed.map((document) => document.body).sort()).toEqual([...CLIENT_OPERATIONS].sort());
    for (const { id } of listed) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(listed.map((document) => document.id)).toEqual(listed.map((document) => documentId(document.body)));
  });

  it('every listed document validates against the API schema', () => {
    expect(invalidTrustedDocuments(trustedDocumentsManifest())).toEqual([]);
    // The check itself can fail: a field the API does not have is named.
    const broken = trustedDocumentsManifest(['query Broken { merchant(id: "mer_kfc") { nonsense } }']);
    expect(invalidTrustedDocuments(broken)).toEqual(['Broken: Cannot query field "nonsense" on type "Merchant".']);
  });

  it('the generator refuses anonymous, multi-operation and same-named documents', () => {
    expect(() => trustedDocumentsManifest(['{ __typename }'])).toThrow(/exactly one named operation/);
    expect(() => trustedDocumentsManifest(['query A { __typename } query B { __typename }'])).toThrow(
      /exactly one named operation/,
    );
    expect(() => trustedDocumentsManifest(['query A { __typename }', 'query A { id: __typename }'])).toThrow(
      'Two trusted documents are named A: rename one.',
    );
  });

  it('a manifest of another format, or with an id that is not the sha256 of its body, is refused', () => {
    const dir = testDataDir();
    const write = (content: unknown) => {
      const file = path.join(dir, 'manifest.json');
      writeFileSync(file, JSON.stringify(content));
      return file;
    };
    const body = 'query A { __typename }';
    const good = { format: 'apollo-persisted-query-manifest', version: 1, operations: [] as unknown[] };
    expect(
      readTrustedDocuments(write({ ...good, operations: [{ id: documentId(body), name: 'A', type: 'query', body }] })),
    ).toHaveLength(1);
    expect(() => readTrustedDocuments(write({ ...good, version: 2 }))).toThrow(
      /is not an apollo-persisted-query-manifest of version 1 .*: regenerate it with `npm run trusted-documents`/,
    );
    expect(() =>
      readTrustedDocuments(write({ ...good, operations: [{ id: documentId('x'), name: 'A', type: 'query', body }] })),
    ).toThrow(/lists A under an id that is not the sha256 of its body/);
    expect(() => readTrustedDocuments(write({ ...good, operations: [{ name: 'A', type: 'fetch', body }] }))).toThrow(
      /operation \(number 1\) without a name, a body or a type/,
    );
    expect(() => readTrustedDocuments(path.join(dir, 'missing.json'))).toThrow(/cannot be read/);
  });
});

describe('LIFEGRAPH_TRUSTED_DOCUMENTS', () => {
  it('is enforce in production and allow otherwise when unset or empty', () => {
    expect(trustedDocumentsFromEnv(true, {})).toBe('enforce');
    expect(trustedDocumentsFromEnv(false, {})).toBe('allow');
    expect(trustedDocumentsFromEnv(true, { LIFEGRAPH_TRUSTED_DOCUMENTS: ' ' })).toBe('enforce');
  });

  it('takes enforce, allow and off in any mode', () => {
    for (const mode of ['enforce', 'allow', 'off'] as const) {
      expect(trustedDocumentsFromEnv(true, { LIFEGRAPH_TRUSTED_DOCUMENTS: mode })).toBe(mode);
      expect(trustedDocumentsFromEnv(false, { LIFEGRAPH_TRUSTED_DOCUMENTS: ` ${mode} ` })).toBe(mode);
    }
  });

  it('refuses anything else, naming the variable and the choices', () => {
    for (const raw of ['on', 'ENFORCE', 'true', 'enforce,allow']) {
      expect(() => trustedDocumentsFromEnv(true, { LIFEGRAPH_TRUSTED_DOCUMENTS: raw })).toThrow(
        `LIFEGRAPH_TRUSTED_DOCUMENTS must be "enforce", "allow" or "off" (got "${raw}")`,
      );
    }
  });
});

describe('listed documents are parsed and validated once (Apollo Server with the pinned document store)', () => {
  const LISTED = 'query Hello { hello(n: 0) }';
  const listed = [{ id: documentId(LISTED), name: 'Hello', type: 'query' as const, body: LISTED }];
  const parsed: string[] = [];
  const documents = new Map<string, DocumentNode[]>();
  let resolved = 0;
  const counting: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async parsingDidStart({ source }) {
          parsed.push(source);
        },
        async didResolveOperation({ source, document }) {
          documents.set(source, [...(documents.get(source) ?? []), document]);
        },
      };
    },
  };
  const trusted = trustedDocuments('enforce', listed);
  // Room for about ten one-off documents, so the flood below evicts each of them; Apollo's default holds 30 MiB.
  const store = new PinnedDocumentStore((hash) => hash === listed[0]?.id, 10_000);
  const server = new ApolloServer<GatewayContext>({
    typeDefs: 'type Query { hello(n: Int): String }',
    resolvers: {
      Query: {
        hello: () => {
          resolved += 1;
          return 'hi';
        },
      },
    },
    documentStore: store,
    plugins: [trusted.plugin, counting],
  });
  const contextValue: GatewayContext = { identity: ANONYMOUS, requestId: 'test', clientAddress: '127.0.0.1' };
  const partner: GatewayContext = { ...contextValue, identity: { ...ANONYMOUS, kind: 'partner', subject: 'key_1' } };
  const run = (request: Parameters<typeof server.executeOperation>[0], context = contextValue) =>
    server.executeOperation(request, { contextValue: context });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('a listed document survives a flood of one-off documents that evicts every other one', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await run({ query: LISTED })).body).toMatchObject({ singleResult: { data: { hello: 'hi' } } });
    }
    const oneOff = (n: number) => `query OneOff { hello(n: ${n}) }`;
    for (let n = 1; n <= 100; n++) await run({ query: oneOff(n) }, partner);
    await run({ query: oneOff(1) }, partner);
    await run({ query: LISTED });
    // The listed text was parsed on its first request only; the first one-off document had been pushed out.
    expect(parsed.filter((source) => source === LISTED)).toHaveLength(1);
    expect(parsed.filter((source) => source === oneOff(1))).toHaveLength(2);
    // Every request got the very same document object, which the per-operation caches are keyed by.
    const seen = documents.get(LISTED) ?? [];
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(1);
    expect(store.pinnedCount).toBe(1);
  });

  it('a listed id alone runs the listed body (no APQ cache involved), from the same pinned document', async () => {
    const before = parsed.length;
    const response = await run({ extensions: { persistedQuery: { version: 1, sha256Hash: listed[0]?.id } } });
    expect(response.body).toMatchObject({ kind: 'single', singleResult: { data: { hello: 'hi' } } });
    expect(parsed.length).toBe(before);
    expect(new Set(documents.get(LISTED)).size).toBe(1);
  });

  it('an unlisted document that reaches Apollo without the context check (executeOperation) does not run', async () => {
    const before = resolved;
    // executeOperation skips the HTTP context function (where refusals are answered): the plugin still stops it.
    await expect(run({ query: '{ hello(n: 7) }' })).rejects.toThrow();
    expect(resolved).toBe(before);
  });
});
