import { eq } from 'drizzle-orm';
import { type Projection, UnknownEventVersion } from '../shared/events/projection.ts';
import type { DeliveredEvent, EventPayloads } from '../shared/events/types.ts';
import type { SyncSqlite } from '../shared/idempotency.ts';
import { storeDirectory } from './tables.ts';

/**
 * Social's directory of open stores (where a group payment may be held), maintained from merchants' events; a
 * closed store is removed, so a new group payment cannot name it.
 */
export const socialProjection: Projection = {
  tables: ['store_directory'],
  sources: { merchants: applyMerchantsEvent },
};

function applyMerchantsEvent(tx: SyncSqlite, event: DeliveredEvent): void {
  if (event.version > 1) throw new UnknownEventVersion(event, 1);
  switch (event.type) {
    case 'store.created': {
      const { storeId, merchantId } = event.payload as EventPayloads['store.created'];
      tx.insert(storeDirectory)
        .values({ storeId, merchantId })
        .onConflictDoUpdate({ target: storeDirectory.storeId, set: { merchantId } })
        .run();
      return;
    }
    case 'store.updated': {
      const { storeId, merchantId } = event.payload as EventPayloads['store.updated'];
      tx.update(storeDirectory).set({ merchantId }).where(eq(storeDirectory.storeId, storeId)).run();
      return;
    }
    case 'store.closed': {
      const { storeId } = event.payload as EventPayloads['store.closed'];
      tx.delete(storeDirectory).where(eq(storeDirectory.storeId, storeId)).run();
      return;
    }
  }
}
