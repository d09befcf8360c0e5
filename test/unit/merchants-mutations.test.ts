import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeMerchants } from '../../seeds/write-merchants.ts';
import { SCOPES } from '../../subgraphs/contract/scopes.ts';
import { merchants } from '../../subgraphs/merchants/index.ts';
import { publishMiniProgram } from '../../subgraphs/merchants/rules/mini-programs.ts';
import { setSettlementRate } from '../../subgraphs/merchants/rules/settlement-rate.ts';
import { checkStoreDetails, normalizedOpeningHours } from '../../subgraphs/merchants/rules/store-input.ts';
import { closeStore, createStore, updateStore } from '../../subgraphs/merchants/rules/stores.ts';
import * as tables from '../../subgraphs/merchants/tables.ts';
import { asMerchant, asOperator } from '../../subgraphs/shared/actors.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { staff } from '../support/identities.ts';
import { testDataDir } from '../support/temp.ts';

const NOW = new Date(SEED_EPOCH.getTime() + 60_000);
const KFC = asMerchant(staff('usr_0003', [SCOPES.profile], ['mer_kfc']), 'mer_kfc', SCOPES.profile);
const OPERATOR = asOperator(staff('usr_0004', [SCOPES.admin], []));
const STORE = {
  merchantId: 'mer_kfc',
  name: 'KFC Binjiang 9',
  address: '9 Jiangnan Avenue, Binjiang District, Hangzhou',
  city: 'Hangzhou',
  location: { lat: 30.21, lng: 120.21 },
  openingHours: '10:00-22:00',
};
/** Fails a rule after its change and its event are both written: the transaction must drop the two together. */
const boom = (step: string) => {
  if (step === 'event') throw new Error('injected failure after the write and its event');
};

let database: SubgraphDatabase<typeof tables>;
beforeAll(() => {
  database = openSubgraphDatabase(merchants, testDataDir('lg-merchants-mutations-'));
  writeMerchants(database.db, buildWorld(1));
});
afterAll(() => database?.close());

/** Rows in the outbox and in `table`: what a failed rule must leave as it found them. */
const counts = () => ({
  events: database.sqlite.prepare('select count(*) as n from outbox_events').get(),
  stores: database.db.select({ n: sql`count(*)` }).from(tables.stores).get(),
  miniPrograms: database.db.select({ n: sql`count(*)` }).from(tables.miniPrograms).get(),
});
const lastEvent = () =>
  database.sqlite.prepare('select type, entity_id, payload from outbox_events order by id desc limit 1').get() as {
    type: string;
    entity_id: string;
    payload: string;
  };

describe('opening hours', () => {
  it.each([
    ['10:00-22:00', '10:00-22:00'],
    [' 07:00-10:00 ,11:00-14:00,17:00-22:00 ', '07:00-10:00, 11:00-14:00, 17:00-22:00'],
    ['00:00-24:00', '00:00-24:00'],
    ['18:00-02:00', '18:00-02:00'],
  ])('%j is stored as %j', (given, stored) => {
    expect(normalizedOpeningHours(given)).toEqual({ text: stored });
  });

  it.each([
    ['', 'is not HH:MM-HH:MM'],
    ['10-22', 'is not HH:MM-HH:MM'],
    ['24:00-02:00', 'is not HH:MM-HH:MM'],
    ['10:60-22:00', 'is not HH:MM-HH:MM'],
    ['10:00-24:30', 'is not HH:MM-HH:MM'],
    ['１０:00-22:00', 'is not HH:MM-HH:MM'],
    ['10:00-10:00', 'opens and closes at the same time'],
    ['00:00-24:00, 10:00-12:00', 'must be the only range'],
    ['01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00', 'has 5 ranges'],
  ])('%j is refused: %s', (given, why) => {
    const result = normalizedOpeningHours(given);
    expect(result).toMatchObject({ error: { code: 'INVALID_INPUT', field: ['input', 'openingHours'] } });
    expect('error' in result && result.error.message).toContain(why);
  });

  it('does not echo a long range back', () => {
    const result = normalizedOpeningHours('x'.repeat(10_000));
    expect('error' in result && result.error.message.length).toBeLessThan(300);
  });
});

describe('store details', () => {
  it('reports every bad field at once and trims the good ones', () => {
    const { details, errors } = checkStoreDetails({
      name: '  KFC  ',
      address: ' ',
      city: 'Hang\u202Ezhou',
      location: { lat: 91, lng: 0 },
      openingHours: 'always',
    });
    expect(details).toEqual({ name: 'KFC' });
    expect(errors.map((e) => e.field?.[1])).toEqual(['address', 'city', 'location', 'openingHours']);
    expect(errors[1]?.message).toContain('U+202E');
  });

  it('counts characters as users see them', () => {
    expect(checkStoreDetails({ name: '🍗'.repeat(100) }).errors).toEqual([]);
    expect(checkStoreDetails({ name: '🍗'.repeat(101) }).errors).toHaveLength(1);
  });
});

describe('a rule that fails after its write leaves neither the change nor its event', () => {
  it('createStore', () => {
    const before = counts();
    expect(() => createStore(database.db, NOW, KFC, STORE, { afterStep: boom })).toThrow('injected');
    expect(counts()).toEqual(before);
  });

  it('updateStore and closeStore', () => {
    const before = counts();
    const name = () => database.db.select().from(tables.stores).where(eq(tables.stores.id, 'sto_kfc_hz_1')).get()?.name;
    const original = name();
    expect(() => updateStore(database.db, NOW, KFC, 'sto_kfc_hz_1', { name: 'Renamed' }, { afterStep: boom })).toThrow(
      'injected',
    );
    expect(() => closeStore(database.db, NOW, KFC, 'sto_kfc_hz_1', { afterStep: boom })).toThrow('injected');
    expect(name()).toBe(original);
    expect(counts()).toEqual(before);
    const store = database.db.select().from(tables.stores).where(eq(tables.stores.id, 'sto_kfc_hz_1')).get();
    expect(store?.closedAt).toBeNull();
  });

  it('publishMiniProgram and setSettlementRate', () => {
    const before = counts();
    const input = { merchantId: 'mer_kfc', appId: 'wxkfcnew', name: 'KFC Delivery' };
    expect(() => publishMiniProgram(database.db, NOW, KFC, input, { afterStep: boom })).toThrow('injected');
    const rate = { merchantId: 'mer_kfc', rateBps: 120 };
    expect(() => setSettlementRate(database.db, NOW, OPERATOR, rate, { afterStep: boom })).toThrow('injected');
    expect(counts()).toEqual(before);
    const kfc = database.db.select().from(tables.merchants).where(eq(tables.merchants.id, 'mer_kfc')).get();
    expect(kfc?.settlementRateBps).toBe(110);
  });
});

describe('each change records its event in the same transaction', () => {
  it('store.created, store.updated and store.closed carry the store as it is after the change', () => {
    const { store } = createStore(database.db, NOW, KFC, STORE);
    expect(store).toMatchObject({ merchantId: 'mer_kfc', name: 'KFC Binjiang 9', closedAt: null });
    const id = store?.id ?? '';
    expect(lastEvent()).toEqual({
      type: 'store.created',
      entity_id: id,
      payload: JSON.stringify({
        storeId: id,
        merchantId: 'mer_kfc',
        name: 'KFC Binjiang 9',
        address: STORE.address,
        city: 'Hangzhou',
        lat: 30.21,
        lng: 120.21,
        openingHours: '10:00-22:00',
      }),
    });
    updateStore(database.db, NOW, KFC, id, { openingHours: '09:00-21:00' });
    expect(lastEvent()).toMatchObject({ type: 'store.updated', entity_id: id });
    expect(JSON.parse(lastEvent().payload)).toMatchObject({ name: 'KFC Binjiang 9', openingHours: '09:00-21:00' });
    const before = counts();
    expect(updateStore(database.db, NOW, KFC, id, { openingHours: '09:00-21:00' }).userErrors).toEqual([]);
    expect(counts()).toEqual(before);
    closeStore(database.db, NOW, KFC, id);
    expect(lastEvent()).toEqual({
      type: 'store.closed',
      entity_id: id,
      payload: JSON.stringify({ storeId: id, merchantId: 'mer_kfc', closedAt: NOW.toISOString() }),
    });
  });

  it('merchant.settlement_rate_changed carries the new and the previous rate; the same rate records nothing', () => {
    setSettlementRate(database.db, NOW, OPERATOR, { merchantId: 'mer_newhope', rateBps: 95 });
    const event = lastEvent();
    expect(event.type).toBe('merchant.settlement_rate_changed');
    expect(JSON.parse(event.payload)).toEqual({
      merchantId: 'mer_newhope',
      settlementRateBps: 95,
      previousRateBps: 60,
    });
    const before = counts();
    expect(setSettlementRate(database.db, NOW, OPERATOR, { merchantId: 'mer_newhope', rateBps: 95 })).toMatchObject({
      merchant: { settlementRateBps: 95 },
      userErrors: [],
    });
    expect(counts()).toEqual(before);
  });
});
