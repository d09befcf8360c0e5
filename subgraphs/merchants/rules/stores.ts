import { and, eq, isNull } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import { type MerchantActor, notActingFor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import type { StorePayload } from '../../shared/events/types.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import type { CreateStoreInput, UpdateStoreInput } from '../__generated__/resolvers-types.ts';
import type { MerchantsDb, MerchantsTx, StoreRow } from '../context.ts';
import { merchants, stores } from '../tables.ts';
import { checkStoreDetails } from './store-input.ts';

export interface StoreResult {
  store: StoreRow | null;
  userErrors: UserError[];
}

const refused = (store: StoreRow | null, ...userErrors: UserError[]): StoreResult => ({ store, userErrors });

/** What consumers of `store.created` / `store.updated` replace their copy with. */
function storePayload(store: StoreRow): StorePayload {
  const { id, merchantId, name, address, city, lat, lng, openingHours } = store;
  return { storeId: id, merchantId, name, address, city, lat, lng, openingHours };
}

/** NOT_FOUND or MERCHANT_SUSPENDED for a merchant that cannot open stores, or null. */
function merchantProblem(tx: MerchantsTx, merchantId: string): UserError | null {
  const merchant = tx.select().from(merchants).where(eq(merchants.id, merchantId)).get();
  if (!merchant) {
    return userError('NOT_FOUND', `No merchant has id "${merchantId}": pass the id of an existing merchant.`, [
      'input',
      'merchantId',
    ]);
  }
  if (merchant.status !== 'ACTIVE') {
    return userError('MERCHANT_SUSPENDED', `${merchant.name} is suspended: contact your service provider.`, [
      'input',
      'merchantId',
    ]);
  }
  return null;
}

/**
 * Opens a store for the actor's merchant (the resolver made the actor: `merchant:profile` for `input.merchantId`) and
 * records `store.created` in the same transaction. Every bad field is reported at once. The key is optional: with one,
 * a retry returns the first store (or the first refusal) and creates nothing, as the offers creates do.
 */
export function createStore(
  db: MerchantsDb,
  now: Date,
  actor: MerchantActor,
  input: CreateStoreInput,
  options: RuleOptions = {},
): StoreResult {
  const { idempotencyKey, ...request } = input;
  const call = { actor, key: idempotencyKey, operation: 'createStore', request, now };
  return idempotentTransaction(db, call, (tx) => ({
    entities: { store: stores },
    refuse: (error) => refused(null, error),
    attempt: () => {
      const { details, errors } = checkStoreDetails(input);
      const merchant = merchantProblem(tx, input.merchantId);
      if (merchant) errors.unshift(merchant);
      if (errors.length > 0) return refused(null, ...errors);
      // Every field of a create is required, so with no errors every detail is there.
      const store = tx
        .insert(stores)
        .values({ id: newId('sto'), merchantId: actor.merchantId, ...(details as Required<typeof details>) })
        .returning()
        .get();
      recordEvent(tx, { type: 'store.created', entityId: store.id, payload: storePayload(store), occurredAt: now });
      // Tests throw here: a failure after both writes must leave neither the change nor its event.
      options.afterStep?.('event');
      return { store, userErrors: [] };
    },
  }));
}

/**
 * The store to change, read inside the rule's transaction; undefined when no store has the id. The resolver made the
 * actor for the store's merchant; a store that belongs to another merchant is FORBIDDEN, so nothing is written.
 */
function actorsStore(tx: MerchantsTx, actor: MerchantActor, id: string): StoreRow | undefined {
  const store = tx.select().from(stores).where(eq(stores.id, id)).get();
  if (store && store.merchantId !== actor.merchantId) throw notActingFor(store.merchantId);
  return store;
}

const storeNotFound = (id: string) => userError('NOT_FOUND', `No store has id "${id}": check the id.`, ['id']);

/**
 * Changes the given details of an open store of the actor's merchant and records `store.updated` with the whole store
 * as it is after the change. Values equal to the stored ones change nothing and record nothing, so a retry is safe.
 */
export function updateStore(
  db: MerchantsDb,
  now: Date,
  actor: MerchantActor,
  id: string,
  input: UpdateStoreInput,
  options: RuleOptions = {},
): StoreResult {
  const { details, errors } = checkStoreDetails(input);
  if (Object.keys(details).length === 0 && errors.length === 0) {
    const message = 'Give at least one of name, address, city, location or openingHours to change.';
    errors.push(userError('INVALID_INPUT', message, ['input']));
  }
  return db.transaction(
    (tx) => {
      const store = actorsStore(tx, actor, id);
      if (!store) return refused(null, storeNotFound(id));
      if (store.closedAt) {
        return refused(store, userError('STORE_CLOSED', `Store ${id} is closed: closed stores cannot change.`, ['id']));
      }
      const merchant = merchantProblem(tx, store.merchantId);
      if (merchant) errors.unshift({ ...merchant, field: ['id'] });
      if (errors.length > 0) return refused(store, ...errors);
      const changed = Object.entries(details).some(([field, value]) => store[field as keyof StoreRow] !== value);
      if (!changed) return { store, userErrors: [] };
      const updated = tx
        .update(stores)
        .set(details)
        .where(and(eq(stores.id, id), isNull(stores.closedAt)))
        .returning()
        .get();
      if (!updated) throw new Error(`store ${id} closed inside an immediate transaction`);
      recordEvent(tx, { type: 'store.updated', entityId: id, payload: storePayload(updated), occurredAt: now });
      // Tests throw here: a failure after both writes must leave neither the change nor its event.
      options.afterStep?.('event');
      return { store: updated, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}

/**
 * Closes a store of the actor's merchant at `now` and records `store.closed`. A second close is the user error
 * ALREADY_CLOSED and keeps the first closing time (retrying is safe without a key: nothing moves money or stock).
 */
export function closeStore(
  db: MerchantsDb,
  now: Date,
  actor: MerchantActor,
  id: string,
  options: RuleOptions = {},
): StoreResult {
  return db.transaction(
    (tx) => {
      const store = actorsStore(tx, actor, id);
      if (!store) return refused(null, storeNotFound(id));
      if (store.closedAt) {
        const when = store.closedAt.toISOString();
        return refused(store, userError('ALREADY_CLOSED', `Store ${id} closed on ${when}; nothing to do.`, ['id']));
      }
      const closed = tx.update(stores).set({ closedAt: now }).where(eq(stores.id, id)).returning().get();
      if (!closed) throw new Error(`store ${id} vanished inside an immediate transaction`);
      recordEvent(tx, {
        type: 'store.closed',
        entityId: id,
        payload: { storeId: id, merchantId: closed.merchantId, closedAt: now.toISOString() },
        occurredAt: now,
      });
      // Tests throw here: a failure after both writes must leave neither the change nor its event.
      options.afterStep?.('event');
      return { store: closed, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}
