import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/identity.ts';
import { createTestClock, type GraphQLResponseBody, useTestGraph } from '../support/graph.ts';
import { ALICE, BOB, CAROL, NEWHOPE_OFFERS_STAFF, staff } from '../support/identities.ts';

/**
 * Access to the social subgraph's private surface (issue #3), through the real gateway. The gateway refuses
 * `@authenticated` fields for anonymous callers; the subgraph itself shows an IOU to its two parties only, a group
 * payment to its members only, a friend list, IOU list and group payment list to the user only, and takes user
 * mutations from users only (not from partner keys). Every row checks the HTTP status, each error's code and path,
 * the data that did come back, and that a refused call left the social database as it was.
 */
let keys: ApiKeyStore;
let partnerKey: string;
const graph = useTestGraph({ clock: createTestClock(SEED_EPOCH) });
beforeAll(() => {
  keys = new ApiKeyStore(graph.dataDir);
  partnerKey = keys.create({
    name: 'kfc partner',
    scopes: ['merchant:offers', 'merchant:content', 'merchant:finance'],
    merchants: ['mer_kfc'],
    expiresAt: null,
  }).key;
});
afterAll(() => {
  keys?.close();
});

/** The KFC partner key made above, with every merchant scope. */
const PARTNER = 'the KFC partner key';
/** Who calls: an identity (a user's JWT, or nobody for ANONYMOUS) or the partner key. */
type Caller = Identity | typeof PARTNER;
const send = (query: string, caller: Caller, variables?: Record<string, unknown>) =>
  caller === PARTNER
    ? graph.query(query, { variables, headers: { 'x-api-key': partnerKey } })
    : graph.query(query, { variables, as: caller });
const denials = (body: GraphQLResponseBody) =>
  (body.errors ?? []).map((e) => [e.extensions?.code, e.path?.join('.')]).sort();

/** Every row the social rules write, straight from the SQLite file: equal before and after a refused call. */
const socialRows = () => {
  const sqlite = graph.subgraphs.social.database.sqlite;
  const tables = ['friendships', 'friend_requests', 'ious', 'iou_repayments', 'group_payments', 'group_payment_shares'];
  return {
    ...Object.fromEntries(tables.map((table) => [table, sqlite.prepare(`select * from ${table}`).all()])),
    // A keyed mutation refused with a user error stores that refusal under its key (to replay it for the same
    // key and input) and nothing else; every other key row must stay as it was.
    idempotency_keys: sqlite
      .prepare(`select * from idempotency_keys where response_json not like '{"refused":%'`)
      .all(),
  };
};

/** Merchant scopes do not open anyone's private social data. */
const KFC_STAFF_ALL_SCOPES = staff(
  'usr_0001',
  ['merchant:offers', 'merchant:content', 'merchant:finance'],
  ['mer_kfc'],
);

describe("reading an IOU, a group payment and a user's private lists", () => {
  // bob lent alice 88.00 (iou_bob_alice); bob, alice and carol split gpy_bob_kfc.
  const READ = `#graphql
    query Private {
      iou(id: "iou_bob_alice") { id principal { fen } }
      groupPayment(id: "gpy_bob_kfc") { id title }
      user(id: "usr_bob") {
        id nickname
        friends(first: 1) { edges { node { id } } }
        ious(first: 1) { edges { node { id } } }
        groupPayments(first: 1) { edges { node { id } } }
      }
    }`;
  const IOU = { id: 'iou_bob_alice', principal: { fen: 8800 } };
  const GP = { id: 'gpy_bob_kfc', title: 'KFC family bucket night' };
  const bobPrivateNull = { id: 'usr_bob', nickname: 'Bob', friends: null, ious: null, groupPayments: null };
  const privateDenied = (code: string) => [
    [code, 'user.friends'],
    [code, 'user.groupPayments'],
    [code, 'user.ious'],
  ];

  const rows: [string, Caller, Record<string, unknown>, (string | undefined)[][]][] = [
    [
      'anonymous: refused at the gateway',
      ANONYMOUS,
      { iou: null, groupPayment: null, user: bobPrivateNull },
      [['UNAUTHENTICATED', 'groupPayment'], ['UNAUTHENTICATED', 'iou'], ...privateDenied('UNAUTHENTICATED')].sort(),
    ],
    [
      'a partner key (no user): refused by the subgraph',
      PARTNER,
      { iou: null, groupPayment: null, user: bobPrivateNull },
      [['UNAUTHENTICATED', 'groupPayment'], ['UNAUTHENTICATED', 'iou'], ...privateDenied('UNAUTHENTICATED')].sort(),
    ],
    [
      "alice (borrower, participant) reads both but not bob's lists",
      ALICE,
      { iou: IOU, groupPayment: GP, user: bobPrivateNull },
      privateDenied('FORBIDDEN'),
    ],
    [
      'carol reading the IOU between bob and alice: FORBIDDEN at ["iou"]',
      CAROL,
      { iou: null, groupPayment: GP, user: bobPrivateNull },
      [['FORBIDDEN', 'iou'], ...privateDenied('FORBIDDEN')].sort(),
    ],
    [
      'staff of another merchant with merchant:offers',
      NEWHOPE_OFFERS_STAFF,
      { iou: null, groupPayment: null, user: bobPrivateNull },
      [['FORBIDDEN', 'groupPayment'], ['FORBIDDEN', 'iou'], ...privateDenied('FORBIDDEN')].sort(),
    ],
    [
      'KFC staff with every merchant scope',
      KFC_STAFF_ALL_SCOPES,
      { iou: null, groupPayment: null, user: bobPrivateNull },
      [['FORBIDDEN', 'groupPayment'], ['FORBIDDEN', 'iou'], ...privateDenied('FORBIDDEN')].sort(),
    ],
  ];

  it.each(rows)('%s', async (_, caller, data, errors) => {
    const before = socialRows();
    const { status, body } = await send(READ, caller);
    expect(status).toBe(200);
    expect(body.data).toEqual(data);
    expect(denials(body)).toEqual(errors);
    expect(socialRows()).toEqual(before);
  });

  it('bob (the owner, lender and organizer) reads everything', async () => {
    const { status, body } = await send(READ, BOB);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.iou).toEqual(IOU);
    expect(body.data.groupPayment).toEqual(GP);
    expect(body.data.user.friends.edges).toHaveLength(1);
    expect(body.data.user.ious.edges).toHaveLength(1);
    expect(body.data.user.groupPayments.edges).toEqual([{ node: { id: 'gpy_bob_kfc' } }]);
  });

  it('me and friendRequests need a user; viewerIsFriend is false, not an error, for anonymous callers', async () => {
    const query = '{ me { id } friendRequests { edges { node { id } } } user(id: "usr_bob") { viewerIsFriend } }';
    const anonymous = await send(query, ANONYMOUS);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.data).toEqual({ me: null, friendRequests: null, user: { viewerIsFriend: false } });
    expect(denials(anonymous.body)).toEqual([
      ['UNAUTHENTICATED', 'friendRequests'],
      ['UNAUTHENTICATED', 'me'],
    ]);
    const partner = await send(query, PARTNER);
    expect(partner.body.data).toEqual({ me: null, friendRequests: null, user: { viewerIsFriend: false } });
    expect(denials(partner.body)).toEqual([
      ['UNAUTHENTICATED', 'friendRequests'],
      ['UNAUTHENTICATED', 'me'],
    ]);
    const alice = await send(query, ALICE);
    expect(alice.body.errors).toBeUndefined();
    expect(alice.body.data).toMatchObject({ me: { id: 'usr_alice' }, user: { viewerIsFriend: true } });
  });
});

describe('user mutations', () => {
  const future = new Date(SEED_EPOCH.getTime() + 30 * 86_400_000).toISOString();
  const mutations: [string, string, Record<string, unknown>][] = [
    [
      'createIou',
      `mutation($input: CreateIouInput!) { createIou(input: $input) { iou { id } userErrors { code } } }`,
      { input: { lenderId: 'usr_bob', principalFen: 100, dueDate: future, idempotencyKey: 'acc-1' } },
    ],
    [
      'confirmIou',
      `mutation($id: ID!) { confirmIou(iouId: $id) { iou { id } userErrors { code } } }`,
      { id: 'iou_bob_alice' },
    ],
    [
      'repayIou',
      `mutation($input: RepayIouInput!) { repayIou(input: $input) { iou { id } userErrors { code } } }`,
      { input: { iouId: 'iou_bob_alice', amountFen: 100, idempotencyKey: 'acc-2' } },
    ],
    [
      'createGroupPayment',
      `mutation($input: CreateGroupPaymentInput!) { createGroupPayment(input: $input) { groupPayment { id } userErrors { code } } }`,
      { input: { title: 'Tea', totalFen: 300, participantIds: ['usr_alice'], idempotencyKey: 'acc-3' } },
    ],
    [
      'payGroupPaymentShare',
      `mutation($input: PayGroupPaymentShareInput!) { payGroupPaymentShare(input: $input) { groupPayment { id } userErrors { code } } }`,
      { input: { groupPaymentId: 'gpy_bob_kfc', idempotencyKey: 'acc-4' } },
    ],
    [
      'cancelGroupPayment',
      `mutation($id: ID!) { cancelGroupPayment(id: $id) { groupPayment { id } userErrors { code } } }`,
      { id: 'gpy_bob_kfc' },
    ],
    [
      'requestFriend',
      `mutation($id: ID!) { requestFriend(userId: $id) { friendRequest { id } userErrors { code } } }`,
      { id: 'usr_0042' },
    ],
  ];

  const refused: [string, Caller][] = [
    ['anonymous (refused at the gateway)', ANONYMOUS],
    ['a partner key with every merchant scope (refused by the subgraph: not a user)', PARTNER],
  ];
  describe.each(refused)('%s', (_, caller) => {
    it.each(mutations)(
      '%s: null with UNAUTHENTICATED at its path, nothing written',
      async (field, query, variables) => {
        const before = socialRows();
        const { status, body } = await send(query, caller, variables);
        expect(status).toBe(200);
        expect(body.data).toEqual({ [field]: null });
        expect(denials(body)).toEqual([['UNAUTHENTICATED', field]]);
        expect(socialRows()).toEqual(before);
      },
    );
  });

  // Signed-in users who are not parties get a user error and no data; ids of others' records reveal nothing.
  const outsiders: [string, Caller, string, string][] = [
    ["carol repaying alice's IOU", CAROL, 'repayIou', 'NOT_FOUND'],
    ['carol confirming an IOU she is not in', CAROL, 'confirmIou', 'NOT_FOUND'],
    ['alice (the borrower) confirming her own IOU', ALICE, 'confirmIou', 'NOT_LENDER'],
    ["staff of another merchant paying into bob's split", NEWHOPE_OFFERS_STAFF, 'payGroupPaymentShare', 'NOT_FOUND'],
    ["staff of another merchant cancelling bob's split", NEWHOPE_OFFERS_STAFF, 'cancelGroupPayment', 'NOT_FOUND'],
    ["carol (a participant) cancelling bob's split", CAROL, 'cancelGroupPayment', 'NOT_ORGANIZER'],
    ['staff of another merchant borrowing from bob (not friends)', NEWHOPE_OFFERS_STAFF, 'createIou', 'NOT_FRIENDS'],
  ];
  it.each(outsiders)('%s: %s → %s, nothing written', async (_, caller, field, code) => {
    const [, query, variables] = mutations.find(([name]) => name === field) ?? [];
    const before = socialRows();
    const { status, body } = await send(query as string, caller, variables);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const payload = body.data[field];
    expect(payload.userErrors.map((e: { code: string }) => e.code)).toEqual([code]);
    expect(payload.iou ?? payload.groupPayment ?? null).toBeNull();
    expect(socialRows()).toEqual(before);
  });
});
