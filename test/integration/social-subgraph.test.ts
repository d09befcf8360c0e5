import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeSocial } from '../../seeds/write-social.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/identity.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { social } from '../../subgraphs/social/index.ts';
import type * as tables from '../../subgraphs/social/tables.ts';
import { ALICE, BOB, CAROL, user } from '../support/identities.ts';
import { postToSubgraph, querySubgraph, SUBGRAPH_TEST_SECRET, startSeededSubgraph } from '../support/subgraph.ts';

let subgraph: StartedSubgraph<typeof tables>;

beforeAll(async () => {
  subgraph = await startSeededSubgraph(social, (db) => writeSocial(db, buildWorld(1)), {
    clock: { now: () => SEED_EPOCH },
  });
});
afterAll(async () => {
  await subgraph?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by shape
async function gql(query: string, variables: Record<string, unknown> = {}, as: Identity = ALICE): Promise<any> {
  return (await querySubgraph(subgraph.url, SUBGRAPH_TEST_SECRET, as, { query, variables })).body;
}

const ids = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((e) => e.node.id);
const errorCodes = (body: { errors?: { extensions: { code: string } }[] }) =>
  (body.errors ?? []).map((e) => e.extensions.code);

const ME = /* GraphQL */ `#graphql
  query {
    me { id nickname avatarUrl realNameVerified createdAt friendCount viewerIsFriend
      friends(first: 2) { edges { cursor node { id viewerIsFriend } } pageInfo { hasNextPage endCursor } }
      ious { edges { node { id status principal { fen yuan currency } annualRateBps dueDate repaid { fen }
        outstanding { fen } lender { id } borrower { id } repayments { id amount { fen } paidAt } reminders { id }
        createdAt } } }
      groupPayments { edges { node { id title status total { fen } store { id } paidCount createdAt settledAt
        organizer { id } shares { user { id } amount { fen } paid paidAt } } } }
    }
  }
`;

describe('social subgraph queries', () => {
  it('answers me with friends, IOUs and group payments', async () => {
    const body = await gql(ME);
    expect(body.errors).toBeUndefined();
    const me = body.data.me;
    expect(me).toMatchObject({ id: 'usr_alice', nickname: 'Alice', realNameVerified: true, viewerIsFriend: false });
    expect(me.friendCount).toBe(4);
    expect(me.friends.edges).toHaveLength(2);
    expect(me.friends.pageInfo.hasNextPage).toBe(true);
    expect(me.friends.edges.every((e: { node: { viewerIsFriend: boolean } }) => e.node.viewerIsFriend)).toBe(true);
    expect(me.ious.edges.map((e: { node: unknown }) => e.node)).toEqual([
      expect.objectContaining({
        id: 'iou_bob_alice',
        status: 'ACTIVE',
        principal: { fen: 8800, yuan: '88.00', currency: 'CNY' },
        outstanding: { fen: 8800 },
        lender: { id: 'usr_bob' },
        borrower: { id: 'usr_alice' },
        repayments: [],
      }),
    ]);
    expect(me.groupPayments.edges[0].node).toMatchObject({
      id: 'gpy_bob_kfc',
      status: 'OPEN',
      total: { fen: 15_800 },
      store: { id: 'sto_kfc_hz_1' },
      paidCount: 1,
      settledAt: null,
      organizer: { id: 'usr_bob' },
      shares: [
        { user: { id: 'usr_bob' }, amount: { fen: 5267 }, paid: true },
        { user: { id: 'usr_alice' }, amount: { fen: 5267 }, paid: false, paidAt: null },
        { user: { id: 'usr_carol' }, amount: { fen: 5266 }, paid: false },
      ],
    });
  });

  it('pages friends with after', async () => {
    const q = `query($after: String) { me { friends(first: 2, after: $after) { edges { node { id } } } } }`;
    const first = await gql(`{ me { friends(first: 4) { edges { cursor node { id } } } } }`);
    const all = ids(first.data.me.friends);
    expect(all).toContain('usr_bob');
    const second = await gql(q, { after: first.data.me.friends.edges[1].cursor });
    expect(ids(second.data.me.friends)).toEqual(all.slice(2));
  });

  it('shows IOU details with repayments to the lender and filters by status', async () => {
    const body = await gql(
      `{ iou(id: "iou_bob_carol") { id status repaid { fen } outstanding { fen } repayments { amount { fen } } }
         me { active: ious(status: ACTIVE) { edges { node { id } } } overdue: ious(status: OVERDUE) { edges { node { id } } } } }`,
      {},
      BOB,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.iou).toEqual({
      id: 'iou_bob_carol',
      status: 'ACTIVE',
      repaid: { fen: 10_000 },
      outstanding: { fen: 40_000 },
      repayments: [{ amount: { fen: 10_000 } }],
    });
    expect(ids(body.data.me.active).sort()).toEqual(['iou_bob_alice', 'iou_bob_carol']);
    expect(body.data.me.overdue.edges).toEqual([]);
  });

  it('keeps private data to its parties: FORBIDDEN and null for others', async () => {
    const body = await gql(
      `{ iou(id: "iou_bob_carol") { id } user(id: "usr_bob") { id friends { edges { node { id } } } } }`,
    );
    expect(body.data.iou).toBeNull();
    expect(body.data.user).toEqual({ id: 'usr_bob', friends: null });
    expect(errorCodes(body)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    const gp = await gql(`{ groupPayment(id: "gpy_bob_kfc") { id } }`, {}, user('usr_0001'));
    expect(gp.data.groupPayment).toBeNull();
    expect(errorCodes(gp)).toEqual(['FORBIDDEN']);
    const mine = await gql(`{ groupPayment(id: "gpy_bob_kfc") { id } }`);
    expect(mine.data.groupPayment).toEqual({ id: 'gpy_bob_kfc' });
  });

  it('answers public profiles anonymously, viewer fields false; me is UNAUTHENTICATED', async () => {
    const body = await gql(`{ user(id: "usr_bob") { id nickname friendCount viewerIsFriend } }`, {}, ANONYMOUS);
    expect(body.errors).toBeUndefined();
    expect(body.data.user).toEqual({ id: 'usr_bob', nickname: 'Bob', friendCount: 2, viewerIsFriend: false });
    const me = await gql(`{ me { id } }`, {}, ANONYMOUS);
    expect(me.data.me).toBeNull();
    expect(errorCodes(me)).toEqual(['UNAUTHENTICATED']);
  });

  it('returns null for unknown ids', async () => {
    const body = await gql(
      `{ user(id: "usr_nobody") { id } iou(id: "iou_nobody") { id } groupPayment(id: "gpy_x") { id } }`,
    );
    expect(body).toEqual({ data: { user: null, iou: null, groupPayment: null } });
  });

  it('rejects first: 0 and first: 101 with BAD_USER_INPUT', async () => {
    for (const first of [0, 101]) {
      const body = await gql(`query($first: Int) { me { friends(first: $first) { edges { node { id } } } } }`, {
        first,
      });
      expect(errorCodes(body)).toEqual(['BAD_USER_INPUT']);
      const requests = await gql(`query($first: Int) { friendRequests(first: $first) { edges { cursor } } }`, {
        first,
      });
      expect(errorCodes(requests)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('resolves every entity type through _entities, unknown ids as null', async () => {
    const body = await gql(
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on User { id nickname }
        ... on Iou { id principal { fen } }
        ... on GroupPayment { id title }
        ... on FriendRequest { id from { id } }
      } }`,
      {
        r: [
          { __typename: 'User', id: 'usr_bob' },
          { __typename: 'Iou', id: 'iou_bob_alice' },
          { __typename: 'GroupPayment', id: 'gpy_bob_kfc' },
          { __typename: 'FriendRequest', id: 'frq_0004_alice' },
          { __typename: 'User', id: 'usr_nobody' },
        ],
      },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toEqual([
      { id: 'usr_bob', nickname: 'Bob' },
      { id: 'iou_bob_alice', principal: { fen: 8800 } },
      { id: 'gpy_bob_kfc', title: 'KFC family bucket night' },
      { id: 'frq_0004_alice', from: { id: 'usr_0004' } },
      null,
    ]);
  });

  it('costs the same number of SQL statements for 5 or 50 users', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id friendCount viewerIsFriend } } }`;
    const statementsFor = async (n: number) => {
      const r = Array.from({ length: n }, (_, i) => ({
        __typename: 'User',
        id: `usr_${String(i + 1).padStart(4, '0')}`,
      }));
      const before = subgraph.database.stats.statements;
      const body = await gql(q, { r });
      expect(body.data._entities).toHaveLength(n);
      return subgraph.database.stats.statements - before;
    };
    expect(await statementsFor(50)).toBe(await statementsFor(5));
    const wallet = async () => {
      const before = subgraph.database.stats.statements;
      await gql(ME);
      return subgraph.database.stats.statements - before;
    };
    // A guard against regressions: the whole wallet is a fixed handful of batched statements.
    expect(await wallet()).toBeLessThanOrEqual(20);
  });

  it('refuses a request without the signed identity header with HTTP 401', async () => {
    const res = await postToSubgraph(subgraph.url, { query: '{ user(id: "usr_bob") { id } }' });
    expect(res.status).toBe(401);
  });
});

const REQUEST = `mutation($id: ID!) { requestFriend(userId: $id) {
  friendRequest { id status from { id } to { id } createdAt respondedAt } userErrors { code message field } } }`;
const RESPOND = (name: string) =>
  `mutation($id: ID!) { ${name}(requestId: $id) { friendRequest { id status } userErrors { code } } }`;
const REMOVE = `mutation($id: ID!) { removeFriend(userId: $id) { user { id friendCount } userErrors { code } } }`;
const COUNTS = `{ a: user(id: "usr_0010") { friendCount } b: user(id: "usr_0020") { friendCount viewerIsFriend } }`;

describe('social subgraph mutations', () => {
  it('request → incoming list → accept, with exact counts under repeats', async () => {
    const before = (await gql(COUNTS, {}, user('usr_0010'))).data;
    const sent = await gql(REQUEST, { id: 'usr_0020' }, user('usr_0010'));
    expect(sent.data.requestFriend).toMatchObject({
      friendRequest: { status: 'PENDING', from: { id: 'usr_0010' }, to: { id: 'usr_0020' }, respondedAt: null },
      userErrors: [],
    });
    const requestId = sent.data.requestFriend.friendRequest.id;
    const repeat = await gql(REQUEST, { id: 'usr_0020' }, user('usr_0010'));
    expect(repeat.data.requestFriend).toMatchObject({ friendRequest: null, userErrors: [{ code: 'REQUEST_PENDING' }] });

    const outgoing = await gql(
      `{ friendRequests(direction: OUTGOING) { edges { node { id } } } }`,
      {},
      user('usr_0010'),
    );
    expect(ids(outgoing.data.friendRequests)).toEqual([requestId]);
    const incoming = await gql(`{ friendRequests { edges { node { id from { id } } } } }`, {}, user('usr_0020'));
    expect(ids(incoming.data.friendRequests)).toEqual([requestId]);

    const wrongUser = await gql(RESPOND('acceptFriendRequest'), { id: requestId }, user('usr_0010'));
    expect(wrongUser.data.acceptFriendRequest.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
    const accepted = await gql(RESPOND('acceptFriendRequest'), { id: requestId }, user('usr_0020'));
    expect(accepted.data.acceptFriendRequest).toEqual({
      friendRequest: { id: requestId, status: 'ACCEPTED' },
      userErrors: [],
    });
    const again = await gql(RESPOND('acceptFriendRequest'), { id: requestId }, user('usr_0020'));
    expect(again.data.acceptFriendRequest.userErrors).toEqual([{ code: 'NOT_PENDING' }]);
    const afterRequest = await gql(REQUEST, { id: 'usr_0010' }, user('usr_0020'));
    expect(afterRequest.data.requestFriend.userErrors[0].code).toBe('ALREADY_FRIENDS');

    const after = (await gql(COUNTS, {}, user('usr_0010'))).data;
    expect(after.a.friendCount).toBe(before.a.friendCount + 1);
    expect(after.b).toEqual({ friendCount: before.b.friendCount + 1, viewerIsFriend: true });

    const removed = await gql(REMOVE, { id: 'usr_0020' }, user('usr_0010'));
    expect(removed.data.removeFriend).toEqual({
      user: { id: 'usr_0020', friendCount: before.b.friendCount },
      userErrors: [],
    });
    const removedAgain = await gql(REMOVE, { id: 'usr_0020' }, user('usr_0010'));
    expect(removedAgain.data.removeFriend).toEqual({ user: null, userErrors: [{ code: 'NOT_FRIENDS' }] });
    expect((await gql(COUNTS, {}, user('usr_0010'))).data).toEqual({
      a: before.a,
      b: { friendCount: before.b.friendCount, viewerIsFriend: false },
    });
  });

  it('reports missing ids as user errors and changes nothing', async () => {
    const before = await gql(`{ friendRequests { edges { node { id } } } me { friendCount } }`);
    const request = await gql(REQUEST, { id: 'usr_nobody' });
    expect(request.data.requestFriend.userErrors).toEqual([
      { code: 'NOT_FOUND', message: expect.stringContaining('usr_nobody'), field: ['userId'] },
    ]);
    for (const name of ['acceptFriendRequest', 'declineFriendRequest', 'cancelFriendRequest']) {
      const body = await gql(RESPOND(name), { id: 'frq_nobody' });
      expect(body.data[name]).toEqual({ friendRequest: null, userErrors: [{ code: 'NOT_FOUND' }] });
    }
    expect((await gql(REMOVE, { id: 'usr_nobody' })).data.removeFriend.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
    expect((await gql(REQUEST, { id: 'usr_alice' })).data.requestFriend.userErrors[0].code).toBe('CANNOT_FRIEND_SELF');
    expect(await gql(`{ friendRequests { edges { node { id } } } me { friendCount } }`)).toEqual(before);
  });

  it('declines an incoming request', async () => {
    const body = await gql(RESPOND('declineFriendRequest'), { id: 'frq_0004_alice' });
    expect(body.data.declineFriendRequest).toEqual({
      friendRequest: { id: 'frq_0004_alice', status: 'DECLINED' },
      userErrors: [],
    });
    expect((await gql(`{ friendRequests { edges { node { id } } } }`)).data.friendRequests.edges).toEqual([]);
  });

  it('requires a user identity for mutations', async () => {
    const body = await gql(REQUEST, { id: 'usr_bob' }, ANONYMOUS);
    // Payloads are nullable (a refused mutation is null at its path, the rest of the operation still runs).
    expect(body.data).toEqual({ requestFriend: null });
    expect(errorCodes(body)).toEqual(['UNAUTHENTICATED']);
  });

  it('creates, confirms and repays an IOU with idempotency keys', async () => {
    const CREATE = `mutation($input: CreateIouInput!) { createIou(input: $input) {
      iou { id status principal { fen } annualRateBps dueDate lender { id } borrower { id } } userErrors { code field } } }`;
    const input = {
      lenderId: 'usr_bob',
      principalFen: 20_000,
      annualRateBps: null,
      dueDate: '2026-12-31T00:00:00.000Z',
      idempotencyKey: 'create-1',
    };
    const created = await gql(CREATE, { input }, CAROL);
    expect(created.data.createIou).toMatchObject({
      iou: { status: 'PENDING', principal: { fen: 20_000 }, dueDate: input.dueDate, lender: { id: 'usr_bob' } },
      userErrors: [],
    });
    const iouId = created.data.createIou.iou.id;
    expect((await gql(CREATE, { input }, CAROL)).data.createIou.iou.id).toBe(iouId);
    const reused = await gql(CREATE, { input: { ...input, principalFen: 1 } }, CAROL);
    expect(reused.data.createIou.userErrors).toEqual([
      { code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] },
    ]);
    const notFriends = await gql(CREATE, { input: { ...input, lenderId: 'usr_alice', idempotencyKey: 'x' } }, CAROL);
    expect(notFriends.data.createIou.userErrors[0].code).toBe('NOT_FRIENDS');

    const confirm = `mutation($id: ID!) { confirmIou(iouId: $id) { iou { id status } userErrors { code } } }`;
    expect((await gql(confirm, { id: iouId }, CAROL)).data.confirmIou.userErrors).toEqual([{ code: 'NOT_LENDER' }]);
    expect((await gql(confirm, { id: iouId }, BOB)).data.confirmIou).toEqual({
      iou: { id: iouId, status: 'ACTIVE' },
      userErrors: [],
    });

    const REPAY = `mutation($input: RepayIouInput!) { repayIou(input: $input) {
      iou { status repaid { fen } outstanding { fen } repayments { id } } repayment { id amount { fen } } userErrors { code } } }`;
    const pay = { iouId, amountFen: 5_000, idempotencyKey: 'pay-1' };
    const paid = await gql(REPAY, { input: pay }, CAROL);
    expect(paid.data.repayIou).toMatchObject({
      iou: { status: 'ACTIVE', repaid: { fen: 5_000 }, outstanding: { fen: 15_000 } },
      repayment: { amount: { fen: 5_000 } },
      userErrors: [],
    });
    const replay = await gql(REPAY, { input: pay }, CAROL);
    expect(replay.data.repayIou.repayment.id).toBe(paid.data.repayIou.repayment.id);
    expect(replay.data.repayIou.iou.repayments).toHaveLength(1);
    const over = await gql(REPAY, { input: { ...pay, amountFen: 15_001, idempotencyKey: 'pay-2' } }, CAROL);
    expect(over.data.repayIou).toEqual({ iou: null, repayment: null, userErrors: [{ code: 'OVERPAYMENT' }] });
    const rest = await gql(REPAY, { input: { ...pay, amountFen: 15_000, idempotencyKey: 'pay-3' } }, CAROL);
    expect(rest.data.repayIou.iou).toMatchObject({ status: 'REPAID', outstanding: { fen: 0 } });
  });
});
