import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeOffers } from '../../seeds/write-offers.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { coupons, couponTemplates } from '../../subgraphs/offers/tables.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { testDataDir } from '../support/temp.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

// Each process claims for its own users; together they ask for far more than the stock.
const WORKER = `
import { offers } from '${root}subgraphs/offers/index.ts';
import { claimCoupon } from '${root}subgraphs/offers/rules/claim-coupon.ts';
import { openSubgraphDatabase } from '${root}subgraphs/shared/server.ts';
const [dir, worker] = process.argv.slice(2);
const { db } = openSubgraphDatabase(offers, dir);
const now = new Date(${SEED_EPOCH.getTime() + 86_400_000});
let won = 0;
for (let i = 0; i < 40; i++) {
  const actor = { kind: 'user' as const, userId: 'usr_w' + worker + '_' + (i % 10) };
  if (claimCoupon(db, now, actor, { templateId: 'cpt_kfc_1', idempotencyKey: 'k' + i }).coupon) won++;
}
console.log(won);
`;

describe('claimCoupon under concurrent processes', () => {
  it('never exceeds the stock or a per-user limit', async () => {
    const dir = testDataDir('lg-');
    const database = openSubgraphDatabase(offers, dir);
    writeOffers(database.db, buildWorld(1));
    database.db.update(couponTemplates).set({ remainingStock: 25 }).where(eq(couponTemplates.id, 'cpt_kfc_1')).run();
    const before = database.db.select().from(coupons).where(eq(coupons.templateId, 'cpt_kfc_1')).all().length;
    const script = join(dir, 'worker.ts');
    writeFileSync(script, WORKER);
    const outputs = await Promise.all(
      [1, 2, 3, 4].map((w) => run(process.execPath, ['--import', 'tsx', script, dir, String(w)], { cwd: root })),
    );
    const won = outputs.reduce((sum, o) => sum + Number(o.stdout.trim()), 0);
    const rows = database.db.select().from(coupons).where(eq(coupons.templateId, 'cpt_kfc_1')).all();
    const perUser = new Map<string, number>();
    for (const c of rows) perUser.set(c.userId, (perUser.get(c.userId) ?? 0) + 1);
    expect(won).toBe(25);
    expect(rows.length - before).toBe(25);
    expect(Math.max(...perUser.values())).toBeLessThanOrEqual(2);
    const t = database.db.select().from(couponTemplates).where(eq(couponTemplates.id, 'cpt_kfc_1')).get();
    expect(t?.remainingStock).toBe(0);
    database.close();
  }, 60_000);
});
