import { describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { SEED_EPOCH } from '../../seeds/world.ts';
import type { Identity } from '../../subgraphs/contract/identity.ts';
import { type As, createTestClock, denials, useTestGraph, withKey } from '../support/graph.ts';
import { KFC_STAFF, staff } from '../support/identities.ts';
import { querySubgraph } from '../support/subgraph.ts';

/**
 * The merchants mutations that change facts other subgraphs use (issue 12, item 4), through the real gateway: each
 * happy path and the event it records, validation as user errors, idempotent creates, and every refusal, at the
 * gateway and again at the subgraph itself (a signed identity sent straight to it). A refused call writes nothing.
 */
const clock = createTestClock(new Date(SEED_EPOCH.getTime() + 60_000));
const graph = useTestGraph({ clock });

/** KFC staff who runs its stores and mini programs. */
const KFC_PROFILE = staff('usr_0003', ['merchant:profile'], ['mer_kfc']);
/** New Hope staff with the same scope: an outsider to everything KFC. */
const NEWHOPE_PROFILE = staff('usr_0003', ['merchant:profile'], ['mer_newhope']);
/** A platform operator, who sets settlement rates (and acts for no merchant). */
const OPERATOR = staff('usr_0004', ['platform:admin'], []);

const STORE_FIELDS = 'id name address city location { lat lng } openingHours status closedAt merchant { id }';
const CREATE = `#graphql
  mutation Create($input: CreateStoreInput!) {
    createStore(input: $input) { store { ${STORE_FIELDS} } userErrors { code field message } } }`;
const UPDATE = `#graphql
  mutation Update($id: ID!, $input: UpdateStoreInput!) {
    updateStore(id: $id, input: $input) { store { ${STORE_FIELDS} } userErrors { code field } } }`;
const CLOSE = `#graphql
  mutation Close($id: ID!) { closeStore(id: $id) { store { id status closedAt } userErrors { code field } } }`;
const PUBLISH = `#graphql
  mutation Publish($input: PublishMiniProgramInput!) {
    publishMiniProgram(input: $input) {
      miniProgram { id appId name onlineSince merchant { id consumptionCircleEligibleAt } }
      userErrors { code field } } }`;
const SET_RATE = `#graphql
  mutation SetRate($merchantId: ID!, $rateBps: Int!) {
    setSettlementRate(merchantId: $merchantId, rateBps: $rateBps) {
      merchant { id settlementRateBps } userErrors { code field message } } }`;
const NEAR = `#graphql
  query Near($location: GeoPointInput!) { storesNear(location: $location, radiusMeters: 50, first: 5) {
    edges { node { id } } } }`;

const store = (extra: Record<string, unknown> = {}) => ({
  merchantId: 'mer_kfc',
  name: '  KFC Binjiang 9 ',
  address: '9 Jiangnan Avenue, Binjiang District, Hangzhou',
  city: 'Hangzhou',
  location: { lat: 30.2101, lng: 120.2102 },
  openingHours: '10:00-14:00,17:00-22:00',
  ...extra,
});

const merchantsDb = () => graph.subgraphs.merchants.database.sqlite;
const scalar = (sql: string, ...params: unknown[]) =>
  Object.values(
    merchantsDb()
      .prepare(sql)
      .get(...params) as Record<string, unknown>,
  )[0];
/** Every row the mutations write: what a refused call must leave as it was. */
const footprint = () => ({
  stores: scalar('select count(*) from stores'),
  closed: scalar('select count(*) from stores where closed_at is not null'),
  miniPrograms: scalar('select count(*) from mini_programs'),
  rates: scalar('select group_concat(settlement_rate_bps) from merchants'),
  storeNames: scalar('select group_concat(name) from stores'),
  events: scalar('select count(*) from outbox_events'),
});
/** The events recorded about `entityId`, oldest first, payloads parsed. */
const eventsOf = (entityId: string) =>
  (
    merchantsDb().prepare('select type, payload from outbox_events where entity_id = ? order by id').all(entityId) as {
      type: string;
      payload: string;
    }[]
  ).map((e) => ({ type: e.type, payload: JSON.parse(e.payload) }));

async function ok(query: string, variables: Record<string, unknown>, as: As = KFC_PROFILE) {
  const { status, body } = await graph.query(query, { variables, as });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return body.data;
}

describe('createStore', () => {
  it('opens a store at once: readable, found nearby, with its store.created event', async () => {
    const { createStore } = await ok(CREATE, { input: store() });
    expect(createStore.userErrors).toEqual([]);
    expect(createStore.store).toMatchObject({
      name: 'KFC Binjiang 9',
      openingHours: '10:00-14:00, 17:00-22:00',
      location: { lat: 30.2101, lng: 120.2102 },
      status: 'OPEN',
      closedAt: null,
      merchant: { id: 'mer_kfc' },
    });
    const id: string = createStore.store.id;
    expect(id).toMatch(/^sto_/);
    expect((await ok(`{ store(id: "${id}") { name } }`, {})).store.name).toBe('KFC Binjiang 9');
    const near = await ok(NEAR, { location: { lat: 30.2101, lng: 120.2102 } });
    expect(near.storesNear.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(id);
    expect(eventsOf(id)).toEqual([
      {
        type: 'store.created',
        payload: {
          storeId: id,
          merchantId: 'mer_kfc',
          name: 'KFC Binjiang 9',
          address: '9 Jiangnan Avenue, Binjiang District, Hangzhou',
          city: 'Hangzhou',
          lat: 30.2101,
          lng: 120.2102,
          openingHours: '10:00-14:00, 17:00-22:00',
        },
      },
    ]);
  });

  it('reports every bad field as INVALID_INPUT at once and creates nothing', async () => {
    const before = footprint();
    const input = store({
      name: '',
      address: 'x'.repeat(201),
      city: 'Hang\u202Ezhou',
      location: { lat: 95, lng: 0 },
      openingHours: '9-5',
    });
    const { createStore } = await ok(CREATE, { input });
    expect(createStore.store).toBeNull();
    expect(createStore.userErrors.map((e: { code: string; field: string[] }) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'name']],
      ['INVALID_INPUT', ['input', 'address']],
      ['INVALID_INPUT', ['input', 'city']],
      ['INVALID_INPUT', ['input', 'location']],
      ['INVALID_INPUT', ['input', 'openingHours']],
    ]);
    expect(createStore.userErrors[4].message).toContain('HH:MM-HH:MM');
    expect(footprint()).toEqual(before);
  });

  it('with an idempotency key: a retry returns the first store, another input under the key is refused', async () => {
    const input = store({ name: 'KFC Binjiang 10', idempotencyKey: 'open-binjiang-10' });
    const first = (await ok(CREATE, { input })).createStore;
    const afterFirst = footprint();
    const retry = (await ok(CREATE, { input })).createStore;
    expect(retry).toEqual(first);
    expect(footprint()).toEqual(afterFirst);
    const reused = (await ok(CREATE, { input: { ...input, name: 'KFC Binjiang 11' } })).createStore;
    expect(reused.store).toBeNull();
    expect(reused.userErrors.map((e: { code: string }) => e.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(footprint()).toEqual(afterFirst);
  });

  it('an unknown merchant is NOT_FOUND (for a caller who acts for it)', async () => {
    const as = staff('usr_0003', ['merchant:profile'], ['mer_nope']);
    const { createStore } = await ok(CREATE, { input: store({ merchantId: 'mer_nope' }) }, as);
    expect(createStore).toMatchObject({
      store: null,
      userErrors: [{ code: 'NOT_FOUND', field: ['input', 'merchantId'] }],
    });
  });
});

describe('updateStore and closeStore', () => {
  it('update changes only the given fields and records the whole store; the same values again record nothing', async () => {
    // The seed may have recorded the store's creation: only what the update adds counts.
    const seeded = eventsOf('sto_kfc_hz_2').length;
    const { updateStore } = await ok(UPDATE, {
      id: 'sto_kfc_hz_2',
      input: { name: 'KFC Xixi', openingHours: '08:00-23:00' },
    });
    expect(updateStore.userErrors).toEqual([]);
    expect(updateStore.store).toMatchObject({ id: 'sto_kfc_hz_2', name: 'KFC Xixi', openingHours: '08:00-23:00' });
    const [event, ...more] = eventsOf('sto_kfc_hz_2').slice(seeded);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ type: 'store.updated', payload: { storeId: 'sto_kfc_hz_2', name: 'KFC Xixi' } });
    expect(event?.payload.address).toBe(updateStore.store.address);
    const before = footprint();
    const again = (await ok(UPDATE, { id: 'sto_kfc_hz_2', input: { name: 'KFC Xixi' } })).updateStore;
    expect(again.userErrors).toEqual([]);
    expect(footprint()).toEqual(before);
  });

  it('user errors: nothing to change, a bad field, an unknown store', async () => {
    const before = footprint();
    const empty = (await ok(UPDATE, { id: 'sto_kfc_hz_2', input: {} })).updateStore;
    expect(empty.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input'] }]);
    const bad = (await ok(UPDATE, { id: 'sto_kfc_hz_2', input: { name: 'ok', openingHours: '25:00-26:00' } }))
      .updateStore;
    expect(bad.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'openingHours'] }]);
    expect(bad.store.name).toBe('KFC Xixi');
    const unknown = (await ok(UPDATE, { id: 'sto_nope', input: { name: 'x' } })).updateStore;
    expect(unknown).toEqual({ store: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'] }] });
    expect(footprint()).toEqual(before);
  });

  it('close: CLOSED from now on, gone from storesNear, store.closed recorded; closing again or updating is refused', async () => {
    const location = { lat: 30.2201, lng: 120.2202 };
    const id = (await ok(CREATE, { input: store({ name: 'KFC Closing Soon', location }) })).createStore.store.id;
    const { closeStore } = await ok(CLOSE, { id });
    expect(closeStore).toEqual({
      store: { id, status: 'CLOSED', closedAt: clock.now().toISOString() },
      userErrors: [],
    });
    const near = await ok(NEAR, { location });
    expect(near.storesNear.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(id);
    expect(eventsOf(id).map((e) => e.type)).toEqual(['store.created', 'store.closed']);
    expect(eventsOf(id)[1]?.payload).toEqual({
      storeId: id,
      merchantId: 'mer_kfc',
      closedAt: clock.now().toISOString(),
    });

    const before = footprint();
    const again = (await ok(CLOSE, { id })).closeStore;
    expect(again.userErrors).toEqual([{ code: 'ALREADY_CLOSED', field: ['id'] }]);
    const update = (await ok(UPDATE, { id, input: { name: 'Reopened?' } })).updateStore;
    expect(update.userErrors).toEqual([{ code: 'STORE_CLOSED', field: ['id'] }]);
    expect(footprint()).toEqual(before);
    // Closed stores stay in their merchant's list, marked.
    const listed = await ok(`{ merchant(id: "mer_kfc") { stores(first: 100) { edges { node { id status } } } } }`, {});
    expect(listed.merchant.stores.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ id, status: 'CLOSED' });
  });
});

describe('publishMiniProgram', () => {
  it('puts a mini program online now, with its mini_program.published event', async () => {
    const input = { merchantId: 'mer_kfc', appId: 'wxkfcdelivery', name: ' KFC Delivery ', idempotencyKey: 'mp-1' };
    const { publishMiniProgram } = await ok(PUBLISH, { input });
    expect(publishMiniProgram.userErrors).toEqual([]);
    expect(publishMiniProgram.miniProgram).toMatchObject({
      appId: 'wxkfcdelivery',
      name: 'KFC Delivery',
      onlineSince: clock.now().toISOString(),
      merchant: { id: 'mer_kfc' },
    });
    const id = publishMiniProgram.miniProgram.id;
    expect(eventsOf(id)).toEqual([
      {
        type: 'mini_program.published',
        payload: {
          miniProgramId: id,
          merchantId: 'mer_kfc',
          appId: 'wxkfcdelivery',
          name: 'KFC Delivery',
          onlineSince: clock.now().toISOString(),
        },
      },
    ]);
    const before = footprint();
    expect((await ok(PUBLISH, { input })).publishMiniProgram).toEqual(publishMiniProgram);
    expect(footprint()).toEqual(before);
  });

  it('user errors: a taken or malformed app id, a bad name, more than five per merchant', async () => {
    const before = footprint();
    const taken = (await ok(PUBLISH, { input: { merchantId: 'mer_kfc', appId: 'wxkfcdelivery', name: '\u3164' } }))
      .publishMiniProgram;
    expect(taken.userErrors).toEqual([
      { code: 'APP_ID_TAKEN', field: ['input', 'appId'] },
      { code: 'INVALID_INPUT', field: ['input', 'name'] },
    ]);
    const malformed = (await ok(PUBLISH, { input: { merchantId: 'mer_kfc', appId: '1-abc', name: 'KFC' } }))
      .publishMiniProgram;
    expect(malformed.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'appId'] }]);
    expect(footprint()).toEqual(before);
    // KFC has its seeded mini program and the one above: three more reach the limit of five.
    for (const n of [3, 4, 5]) {
      const input = { merchantId: 'mer_kfc', appId: `wxkfc${n}`, name: `KFC ${n}` };
      expect((await ok(PUBLISH, { input })).publishMiniProgram.userErrors).toEqual([]);
    }
    const sixth = (await ok(PUBLISH, { input: { merchantId: 'mer_kfc', appId: 'wxkfc6', name: 'KFC 6' } }))
      .publishMiniProgram;
    expect(sixth.userErrors).toEqual([{ code: 'LIMIT_REACHED', field: ['input', 'merchantId'] }]);
  });
});

describe('setSettlementRate', () => {
  it('an operator sets a rate, reads it back, and merchant.settlement_rate_changed is recorded', async () => {
    const { setSettlementRate } = await ok(SET_RATE, { merchantId: 'mer_newhope', rateBps: 75 }, OPERATOR);
    expect(setSettlementRate).toEqual({ merchant: { id: 'mer_newhope', settlementRateBps: 75 }, userErrors: [] });
    expect(eventsOf('mer_newhope').at(-1)).toEqual({
      type: 'merchant.settlement_rate_changed',
      payload: { merchantId: 'mer_newhope', settlementRateBps: 75, previousRateBps: 60 },
    });
    const finance = staff('usr_0001', ['merchant:finance'], ['mer_newhope']);
    expect((await ok(`{ merchant(id: "mer_newhope") { settlementRateBps } }`, {}, finance)).merchant).toEqual({
      settlementRateBps: 75,
    });
  });

  it.each([
    [-1, 'INVALID_INPUT'],
    [10_001, 'INVALID_INPUT'],
  ])('rateBps %i is %s, with the bounds in the message', async (rateBps, code) => {
    const before = footprint();
    const { setSettlementRate } = await ok(SET_RATE, { merchantId: 'mer_kfc', rateBps }, OPERATOR);
    expect(setSettlementRate).toMatchObject({ merchant: null, userErrors: [{ code, field: ['rateBps'] }] });
    expect(setSettlementRate.userErrors[0].message).toContain('0 to 10000');
    expect(footprint()).toEqual(before);
  });

  it('the bounds themselves are fine; an unknown merchant is NOT_FOUND', async () => {
    for (const rateBps of [0, 10_000, 110]) {
      const { setSettlementRate } = await ok(SET_RATE, { merchantId: 'mer_muji', rateBps }, OPERATOR);
      expect(setSettlementRate).toEqual({ merchant: { id: 'mer_muji', settlementRateBps: rateBps }, userErrors: [] });
    }
    const unknown = (await ok(SET_RATE, { merchantId: 'mer_nope', rateBps: 100 }, OPERATOR)).setSettlementRate;
    expect(unknown).toMatchObject({ merchant: null, userErrors: [{ code: 'NOT_FOUND', field: ['merchantId'] }] });
  });
});

describe('who may call them, at the gateway', () => {
  const profileCalls: [string, string, Record<string, unknown>][] = [
    ['createStore', CREATE, { input: store({ name: 'Refused' }) }],
    ['updateStore', UPDATE, { id: 'sto_kfc_hz_1', input: { name: 'Refused' } }],
    ['closeStore', CLOSE, { id: 'sto_kfc_hz_1' }],
    ['publishMiniProgram', PUBLISH, { input: { merchantId: 'mer_kfc', appId: 'wxrefused', name: 'Refused' } }],
  ];
  const callers: [string, string, As | undefined][] = [
    ['anonymous', 'UNAUTHENTICATED', undefined],
    ['a user without scopes', 'FORBIDDEN', 'usr_alice'],
    ['KFC staff with offers and finance scopes only', 'FORBIDDEN', KFC_STAFF],
    ['an operator (platform:admin is not merchant:profile)', 'FORBIDDEN', OPERATOR],
    ['profile staff of another merchant', 'FORBIDDEN', NEWHOPE_PROFILE],
  ];
  describe.each(profileCalls)('%s', (field, query, variables) => {
    it.each(callers)('%s: null with %s at its path, nothing written', async (_, code, as) => {
      const before = footprint();
      const { status, body } = await graph.query(query, { variables, as });
      expect(status).toBe(200);
      expect(body.data).toEqual({ [field]: null });
      expect(denials(body)).toEqual([[code, [field]]]);
      expect(footprint()).toEqual(before);
    });
  });

  it.each([
    ['anonymous', 'UNAUTHENTICATED', undefined],
    ['KFC finance staff', 'FORBIDDEN', staff('usr_0001', ['merchant:finance'], ['mer_kfc'])],
    ['KFC profile staff', 'FORBIDDEN', KFC_PROFILE],
  ] as [string, string, As | undefined][])('setSettlementRate as %s: %s, nothing written', async (_, code, as) => {
    const before = footprint();
    const { status, body } = await graph.query(SET_RATE, { variables: { merchantId: 'mer_kfc', rateBps: 1 }, as });
    expect(status).toBe(200);
    expect(body.data).toEqual({ setSettlementRate: null });
    expect(denials(body)).toEqual([[code, ['setSettlementRate']]]);
    expect(footprint()).toEqual(before);
  });

  it('a partner key with merchant:profile acts for the merchants on its allow-list only', async () => {
    const keys = new ApiKeyStore(graph.dataDir);
    try {
      const key = keys.create({
        name: 'kfc stores',
        scopes: ['merchant:profile'],
        merchants: ['mer_kfc'],
        expiresAt: null,
      });
      const own = await graph.query(UPDATE, {
        variables: { id: 'sto_kfc_hz_3', input: { openingHours: '00:00-24:00' } },
        ...withKey(key.key),
      });
      expect(own.body.errors).toBeUndefined();
      expect(own.body.data.updateStore.store.openingHours).toBe('00:00-24:00');
      const before = footprint();
      const other = await graph.query(CLOSE, { variables: { id: 'sto_newhope_hz_1' }, ...withKey(key.key) });
      expect(denials(other.body)).toEqual([['FORBIDDEN', ['closeStore']]]);
      expect(footprint()).toEqual(before);
    } finally {
      keys.close();
    }
  });
});

describe('who may call them, at the subgraph itself', () => {
  // Sent straight to the subgraph with a signed identity: its own checks, whatever the gateway let through.
  const direct = (identity: Identity, query: string, variables: Record<string, unknown>) =>
    // biome-ignore lint/suspicious/noExplicitAny: checked by shape
    querySubgraph<any>(graph.subgraphs.merchants.url, graph.secrets.subgraphSecret, identity, { query, variables });
  const key = (scopes: string[], merchantIds: string[]): Identity => ({
    kind: 'partner',
    subject: 'key_test',
    scopes,
    merchantIds,
  });

  it.each([
    ['createStore', CREATE, { input: store({ name: 'Refused' }) }],
    ['updateStore', UPDATE, { id: 'sto_kfc_hz_1', input: { name: 'Refused' } }],
    ['closeStore', CLOSE, { id: 'sto_kfc_hz_1' }],
    ['publishMiniProgram', PUBLISH, { input: { merchantId: 'mer_kfc', appId: 'wxrefused', name: 'Refused' } }],
  ])('%s: FORBIDDEN without the scope, or for a merchant not on the allow-list', async (field, query, variables) => {
    const before = footprint();
    for (const identity of [
      key(['merchant:offers', 'platform:admin'], ['mer_kfc']),
      key(['merchant:profile'], ['mer_newhope']),
    ]) {
      const { status, body } = await direct(identity, query, variables);
      expect(status).toBe(200);
      expect(body.data).toEqual({ [field]: null });
      expect(denials(body)).toEqual([['FORBIDDEN', [field]]]);
    }
    expect(footprint()).toEqual(before);
  });

  it('setSettlementRate: FORBIDDEN without platform:admin, whatever merchant scopes the caller has', async () => {
    const before = footprint();
    const identity = key(['merchant:profile', 'merchant:finance', 'merchant:offers'], ['mer_kfc']);
    const { body } = await direct(identity, SET_RATE, { merchantId: 'mer_kfc', rateBps: 1 });
    expect(body.data).toEqual({ setSettlementRate: null });
    expect(denials(body)).toEqual([['FORBIDDEN', ['setSettlementRate']]]);
    expect(footprint()).toEqual(before);
  });

  it('an unknown store is NOT_FOUND for a caller with the scope, and the subgraph still writes nothing', async () => {
    const before = footprint();
    const { body } = await direct(key(['merchant:profile'], ['mer_kfc']), CLOSE, { id: 'sto_nope' });
    expect(body.data.closeStore).toEqual({ store: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'] }] });
    expect(footprint()).toEqual(before);
  });
});
