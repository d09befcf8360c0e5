import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { NOT_IN_LIST_MESSAGE } from '../../gateway/plugins/trusted-documents.ts';
import { readTrustedDocuments } from '../../gateway/plugins/trusted-documents-manifest.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { LIVE_ROOM_UPDATES } from '../../gateway/subscriptions/live-room.ts';
import { SUPERGRAPH_FILE } from '../../gateway/supergraph.ts';
import { FIXED } from '../../seeds/fixtures.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/index.ts';
import { type GraphQLResponseBody, TEST_SECRETS, useTestGraph } from '../support/graph.ts';
import { WALLET_UPDATES } from '../support/operations.ts';
import { type Received, subscribeSse, subscribeWs, within, wsClient } from '../support/subscriptions.ts';

// Issue 14 follow-up: subscriptions follow the trusted documents rule of HTTP. A second gateway over the test
// graph's subgraphs enforces it (as production does by default); the test graph's own gateway makes the claims
// that produce the events, since its documents are not the subject here.

const graph = useTestGraph();
const STREAM = FIXED.kfcLiveStream;
let keys: ApiKeyStore;
let partnerKey: string;
let enforcing: RunningGateway;
let template: string;
const opened: { stop(): void }[] = [];

beforeAll(async () => {
  keys = new ApiKeyStore(graph.dataDir);
  partnerKey = keys.create({ name: 'live trusted documents test', scopes: [], merchants: [], expiresAt: null }).key;
  enforcing = await startGateway(
    {
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphSecret: TEST_SECRETS.subgraphSecret,
      authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret }), keys),
      urlOverrides: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, graph.subgraphs[name].url])),
      logger: pino({ level: 'silent' }),
      trustedDocuments: 'enforce',
    },
    0,
  );
  const { body } = await graph.query(
    /* GraphQL */ `query Featured($id: ID!) { liveStream(id: $id) { featuredOffers { ... on CouponTemplate { id } } } }`,
    { variables: { id: STREAM } },
  );
  template = body.data.liveStream.featuredOffers.find((o: { id?: string }) => o?.id?.startsWith('cpt_')).id;
});
afterAll(async () => {
  for (const subscription of opened) subscription.stop();
  await enforcing?.stop();
  keys?.close();
});

let claims = 0;
/** Alice claims a featured coupon from the stream: a stock event on the stream and a wallet event for her. */
async function claim() {
  claims += 1;
  const { body } = await graph.query(
    /* GraphQL */ `mutation Claim($input: ClaimCouponInput!) { claimCoupon(input: $input) { userErrors { code } } }`,
    {
      as: 'usr_alice',
      variables: { input: { templateId: template, liveStreamId: STREAM, idempotencyKey: `live-trusted-${claims}` } },
    },
  );
  expect(body.data.claimCoupon.userErrors).toEqual([]);
}

const UNLISTED = /* GraphQL */ `subscription Mine($id: ID!) { liveStreamUpdated(id: $id) { kind stream { title } } }`;
const LISTED = Object.fromEntries(readTrustedDocuments().map((document) => [document.name, document]));
const byId = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });
const track = <T extends { stop(): void }>(subscription: T) => {
  opened.push(subscription);
  return subscription;
};

/** The error codes a refused subscription answered with, over either transport. */
async function refusal(received: Received): Promise<unknown[]> {
  const { error } = await Promise.race<{ error?: unknown }>([
    received.done,
    within(5000, () => {
      if (received.events.length === 0) throw new Error('no answer yet');
      return {};
    }),
  ]);
  // WebSocket: the error message's errors; SSE: the errors of the answer (a JSON body, or the stream's one event).
  const errors = (
    Array.isArray(error)
      ? error
      : typeof error === 'string'
        ? JSON.parse(error).errors
        : (received.events[0]?.errors ?? [{ message: `accepted: ${String(error)}` }])
  ) as GraphQLResponseBody['errors'];
  return (errors ?? []).map((e) => ({ message: e?.message, code: e?.extensions?.code }));
}
const REFUSED = [{ message: NOT_IN_LIST_MESSAGE, code: 'PERSISTED_QUERY_NOT_IN_LIST' }];

/** Waits for an event of `kind` on a subscription that was accepted. */
const eventOf = (received: Received, field: string, kind: string) =>
  within(10_000, () => {
    const event = received.events.find(
      (e) => (e.data as Record<string, { kind: string }> | undefined)?.[field]?.kind === kind,
    );
    if (!event) throw new Error(`no ${kind} yet: ${JSON.stringify(received.events)}`);
    expect(event.errors).toBeUndefined();
    return event;
  });

describe('trusted documents for live subscriptions (enforce)', () => {
  it('refuses an unlisted subscription to anonymous callers and to users, over SSE and WebSocket, with the HTTP code', async () => {
    const alice = `Bearer ${await graph.tokenFor('usr_alice')}`;
    expect(await refusal(track(subscribeSse(enforcing.url, UNLISTED, { id: STREAM })))).toEqual(REFUSED);
    expect(
      await refusal(track(subscribeSse(enforcing.url, UNLISTED, { id: STREAM }, { authorization: alice }))),
    ).toEqual(REFUSED);
    const anonymous = wsClient(enforcing.url);
    const user = wsClient(enforcing.url, { authorization: alice });
    try {
      expect(await refusal(subscribeWs(anonymous, UNLISTED, { id: STREAM }))).toEqual(REFUSED);
      expect(await refusal(subscribeWs(user, UNLISTED, { id: STREAM }))).toEqual(REFUSED);
      // A listed id with another document's text is refused too (over HTTP Apollo refuses the hash mismatch).
      const mismatch = subscribeWs(anonymous, UNLISTED, { id: STREAM }, byId(LISTED.LiveRoomUpdates?.id as string));
      expect(await refusal(mismatch)).toEqual(REFUSED);
    } finally {
      await anonymous.dispose();
      await user.dispose();
    }
  });

  it('runs listed subscriptions by their text and by their id alone; a partner key runs any', async () => {
    const alice = `Bearer ${await graph.tokenFor('usr_alice')}`;
    const page = track(subscribeSse(enforcing.url, LIVE_ROOM_UPDATES, { id: STREAM }));
    const anonymous = wsClient(enforcing.url);
    const user = wsClient(enforcing.url, { authorization: alice });
    try {
      const listedId = track(subscribeWs(anonymous, '', { id: STREAM }, byId(LISTED.LiveRoomUpdates?.id as string)));
      const wallet = track(subscribeWs(user, WALLET_UPDATES));
      const partner = track(subscribeSse(enforcing.url, UNLISTED, { id: STREAM }, { 'x-api-key': partnerKey }));
      expect(await page.status).toBe(200);
      expect(await partner.status).toBe(200);
      // Let the gateway register the subscriptions before the claim.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await claim();
      const [fromPage] = await Promise.all([
        eventOf(page, 'liveStreamUpdated', 'STOCK'),
        eventOf(listedId, 'liveStreamUpdated', 'STOCK'),
        eventOf(partner, 'liveStreamUpdated', 'STOCK'),
        eventOf(wallet, 'myWallet', 'COUPON_CLAIMED'),
      ]);
      expect(fromPage.data?.liveStreamUpdated).toMatchObject({ stream: { status: expect.any(String) } });
    } finally {
      await anonymous.dispose();
      await user.dispose();
    }
  });
});
