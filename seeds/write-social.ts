import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { splitEvenly } from '../subgraphs/shared/money.ts';
import * as tables from '../subgraphs/social/tables.ts';
import { insertInChunks } from './batch.ts';
import type { World } from './world.ts';

function storeDirectoryRows(world: World) {
  return world.stores.map((s) => ({ storeId: s.id, merchantId: s.merchantId }));
}

/**
 * Fills the social copy of the stores when it is empty in a database seeded before migration 0001 created it
 * (the seed keeps such a database, so without this every group payment naming a store would be NOT_FOUND).
 * Insert-or-ignore of the same world, so it is idempotent. Returns the rows added.
 */
export function fillMissingSocial(db: BetterSQLite3Database<typeof tables>, world: () => World): number {
  if (db.select({ storeId: tables.storeDirectory.storeId }).from(tables.storeDirectory).limit(1).get()) return 0;
  const rows = storeDirectoryRows(world());
  db.transaction((tx) => {
    for (let i = 0; i < rows.length; i += 500)
      tx.insert(tables.storeDirectory)
        .values(rows.slice(i, i + 500))
        .onConflictDoNothing()
        .run();
  });
  return rows.length;
}

/**
 * Stores the social part of the seed world (users, friendships, requests, IOUs, group payments, and the copy of
 * the stores that group payments may name) in one transaction.
 */
export function writeSocial(db: BetterSQLite3Database<typeof tables>, world: World): void {
  db.transaction((tx) => {
    insertInChunks(tx, tables.users, world.users);
    insertInChunks(tx, tables.storeDirectory, storeDirectoryRows(world));
    insertInChunks(
      tx,
      tables.friendships,
      world.friendships.flatMap((f) => [
        { userId: f.userId, friendId: f.friendId, createdAt: f.since },
        { userId: f.friendId, friendId: f.userId, createdAt: f.since },
      ]),
    );
    insertInChunks(
      tx,
      tables.friendRequests,
      world.friendRequests.map((r) => ({ ...r, status: 'PENDING' })),
    );
    insertInChunks(
      tx,
      tables.ious,
      world.ious.map((iou) => {
        const repaidFen = iou.repayments.reduce((sum, r) => sum + r.amountFen, 0);
        const lastRepayment = iou.repayments.at(-1)?.at ?? null;
        const repaid = iou.status === 'ACTIVE' && repaidFen >= iou.principalFen;
        return {
          id: iou.id,
          lenderId: iou.lenderId,
          borrowerId: iou.borrowerId,
          createdById: iou.lenderId,
          status: repaid ? 'REPAID' : iou.status,
          principalFen: iou.principalFen,
          repaidFen,
          annualRateBps: iou.annualRateBps,
          dueAt: iou.dueDate,
          createdAt: iou.createdAt,
          confirmedAt: iou.status === 'ACTIVE' ? iou.createdAt : null,
          repaidAt: repaid ? lastRepayment : null,
        };
      }),
    );
    insertInChunks(
      tx,
      tables.iouRepayments,
      world.ious.flatMap((iou) =>
        iou.repayments.map((r, i) => ({
          id: `iorp_${iou.id.slice(4)}_${i + 1}`,
          iouId: iou.id,
          amountFen: r.amountFen,
          paidAt: r.at,
        })),
      ),
    );
    insertInChunks(
      tx,
      tables.groupPayments,
      world.groupPayments.map((gp) => {
        const settled = gp.participantIds.every((id) => gp.paidIds.includes(id));
        return {
          id: gp.id,
          organizerId: gp.organizerId,
          title: gp.title,
          totalFen: gp.totalFen,
          storeId: gp.storeId,
          status: settled ? 'SETTLED' : 'OPEN',
          createdAt: gp.createdAt,
          settledAt: settled ? gp.createdAt : null,
        };
      }),
    );
    insertInChunks(
      tx,
      tables.groupPaymentShares,
      world.groupPayments.flatMap((gp) => {
        const amounts = splitEvenly(gp.totalFen, gp.participantIds.length);
        return gp.participantIds.map((userId, position) => ({
          groupPaymentId: gp.id,
          userId,
          position,
          amountFen: amounts[position] as number,
          paidAt: gp.paidIds.includes(userId) ? gp.createdAt : null,
        }));
      }),
    );
  });
}
