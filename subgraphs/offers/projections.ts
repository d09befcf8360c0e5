import { eq } from 'drizzle-orm';
import { type Projection, UnknownEventVersion } from '../shared/events/projection.ts';
import type { DeliveredEvent, EventPayloads } from '../shared/events/types.ts';
import type { SyncSqlite } from '../shared/idempotency.ts';
import { indexContentEvent, indexMerchantsEvent, indexOffersEvent, SEARCH_TABLES } from './search/projection.ts';
import { merchantTerms, storeMerchants } from './tables.ts';

/**
 * Offers' copies of merchants' facts, maintained from merchants' events: each merchant's settlement rate (the rate
 * of its next commission) and consumption-circle membership, and which merchant each open store belongs to (and where it is:
 * Lights' targeting) (where a coupon can be redeemed). A closed
 * store is removed, so redeeming at it is refused like an unknown store; an update never brings it back.
 * Search: the search index (search/projection.ts) reads merchants', content's and offers' own events.
 */
export const offersProjection: Projection = {
  tables: ['merchant_terms', 'store_merchants', ...SEARCH_TABLES],
  sources: {
    merchants: (tx, event) => {
      applyMerchantsEvent(tx, event);
      indexMerchantsEvent(tx, event);
    },
    content: indexContentEvent,
    offers: indexOffersEvent,
  },
};

function applyMerchantsEvent(tx: SyncSqlite, event: DeliveredEvent): void {
  if (event.version > 1) throw new UnknownEventVersion(event, 1);
  switch (event.type) {
    case 'merchant.created':
    case 'merchant.updated':
    case 'merchant.settlement_rate_changed': {
      const { merchantId, settlementRateBps, joinedCircleAt } = event.payload as EventPayloads['merchant.created'];
      // A rate change carries no circle field: it leaves the membership as it was.
      const circle =
        joinedCircleAt === undefined ? {} : { joinedCircleAt: joinedCircleAt ? new Date(joinedCircleAt) : null };
      tx.insert(merchantTerms)
        .values({ merchantId, settlementRateBps, ...circle })
        .onConflictDoUpdate({ target: merchantTerms.merchantId, set: { settlementRateBps, ...circle } })
        .run();
      return;
    }
    case 'store.created': {
      const { storeId, merchantId, city, lat, lng } = event.payload as EventPayloads['store.created'];
      tx.insert(storeMerchants)
        .values({ storeId, merchantId, city, lat, lng })
        .onConflictDoUpdate({ target: storeMerchants.storeId, set: { merchantId, city, lat, lng } })
        .run();
      return;
    }
    case 'store.updated': {
      const { storeId, merchantId, city, lat, lng } = event.payload as EventPayloads['store.updated'];
      tx.update(storeMerchants).set({ merchantId, city, lat, lng }).where(eq(storeMerchants.storeId, storeId)).run();
      return;
    }
    case 'store.closed': {
      const { storeId } = event.payload as EventPayloads['store.closed'];
      tx.delete(storeMerchants).where(eq(storeMerchants.storeId, storeId)).run();
      return;
    }
  }
}
