import { eq } from 'drizzle-orm';
import { type Projection, UnknownEventVersion } from '../shared/events/projection.ts';
import type { DeliveredEvent, EventPayloads } from '../shared/events/types.ts';
import type { SyncSqlite } from '../shared/idempotency.ts';
import { storeDirectory } from './tables.ts';

/**
 * Content's directory of open stores (merchant and location: what tagging a store in a post needs), maintained from
 * merchants' events. A closed store is removed, so it can no longer be tagged; posts that tagged it keep their copy
 * of its location.
 */
export const contentProjection: Projection = {
  tables: ['store_directory'],
  sources: { merchants: applyMerchantsEvent },
};

function applyMerchantsEvent(tx: SyncSqlite, event: DeliveredEvent): void {
  if (event.version > 1) throw new UnknownEventVersion(event, 1);
  switch (event.type) {
    case 'store.created': {
      const { storeId, merchantId, lat, lng } = event.payload as EventPayloads['store.created'];
      tx.insert(storeDirectory)
        .values({ storeId, merchantId, lat, lng })
        .onConflictDoUpdate({ target: storeDirectory.storeId, set: { merchantId, lat, lng } })
        .run();
      return;
    }
    case 'store.updated': {
      const { storeId, merchantId, lat, lng } = event.payload as EventPayloads['store.updated'];
      tx.update(storeDirectory).set({ merchantId, lat, lng }).where(eq(storeDirectory.storeId, storeId)).run();
      return;
    }
    case 'store.closed': {
      const { storeId } = event.payload as EventPayloads['store.closed'];
      tx.delete(storeDirectory).where(eq(storeDirectory.storeId, storeId)).run();
      return;
    }
  }
}
