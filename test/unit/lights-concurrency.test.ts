import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeOffers } from '../../seeds/write-offers.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { createPromotionCampaign } from '../../subgraphs/offers/lights/campaigns.ts';
import { recordImpression } from '../../subgraphs/offers/lights/charge.ts';
import { campaignStatus } from '../../subgraphs/offers/lights/status.ts';
import { signSlotToken } from '../../subgraphs/offers/lights/tokens.ts';
import { promotionCampaigns, promotionClicks, promotionDailySpend } from '../../subgraphs/offers/tables.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { testDataDir } from '../support/temp.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const SECRET = 'concurrency-secret';
const NOW = SEED_EPOCH.getTime() + 2 * 86_400_000;

// Each process clicks its share of the 200 slots, every click its own immediate transaction on its own connection.
const WORKER = `
import { readFileSync } from 'node:fs';
import { offers } from '${root}subgraphs/offers/index.ts';
import { recordClick } from '${root}subgraphs/offers/lights/charge.ts';
import { openSubgraphDatabase } from '${root}subgraphs/shared/server.ts';
const [dir, file] = process.argv.slice(2);
const { db } = openSubgraphDatabase(offers, dir);
const slots = JSON.parse(readFileSync(file, 'utf8'));
let counted = 0;
for (const s of slots) if (recordClick(db, new Date(${NOW}), '${SECRET}', s.viewer, s.token).counted) counted++;
console.log(counted);
`;

describe('Lights charging under concurrent processes', () => {
  it('200 concurrent clicks on a campaign with budget for 37 charge exactly 37 and leave it EXHAUSTED', async () => {
    const dir = testDataDir('lg-lights-conc-');
    const database = openSubgraphDatabase(offers, dir);
    const { db } = database;
    writeOffers(db, buildWorld(1));
    const now = new Date(NOW);
    const actor = {
      kind: 'merchant' as const,
      merchantId: 'mer_kfc',
      scope: 'merchant:promotion' as const,
      callerId: 'usr_k',
    };
    const { campaign } = createPromotionCampaign(db, now, actor, {
      merchantId: 'mer_kfc',
      name: 'Race',
      placements: ['HOME_FEED'],
      targetId: 'cpt_kfc_2',
      bidding: 'CPC',
      bidFen: 10,
      dailyBudgetFen: 370,
      totalBudgetFen: 370,
      startsAt: now,
      endsAt: new Date(NOW + 86_400_000 * 10),
      idempotencyKey: 'race',
    });
    if (!campaign) throw new Error('campaign not created');
    // 200 served slots, each seen once (a CPC impression costs nothing), at 10 fen a click.
    const slots = Array.from({ length: 200 }, (_, i) => {
      const viewer = `usr_c${i}`;
      const token = signSlotToken(SECRET, {
        slotId: `slt_race_${i}`,
        campaignId: campaign.id,
        placement: 'HOME_FEED',
        viewer,
        priceFen: 10,
        expiresAt: NOW + 600_000,
      });
      expect(recordImpression(db, now, SECRET, viewer, token).counted).toBe(true);
      return { viewer, token };
    });
    const script = join(dir, 'worker.ts');
    writeFileSync(script, WORKER);
    const shares = [0, 1, 2, 3].map((w) => {
      const file = join(dir, `slots-${w}.json`);
      writeFileSync(file, JSON.stringify(slots.filter((_, i) => i % 4 === w)));
      return file;
    });
    const outputs = await Promise.all(
      shares.map((file) => run(process.execPath, ['--import', 'tsx', script, dir, file], { cwd: root })),
    );
    const counted = outputs.reduce((sum, o) => sum + Number(o.stdout.trim()), 0);
    expect(counted).toBe(37);
    const clicks = db.select().from(promotionClicks).where(eq(promotionClicks.campaignId, campaign.id)).all();
    expect(clicks).toHaveLength(37);
    const after = db.select().from(promotionCampaigns).where(eq(promotionCampaigns.id, campaign.id)).get();
    const charged = clicks.reduce((sum, c) => sum + c.chargedMilliFen, 0);
    expect(after?.spentMilliFen).toBe(charged);
    expect(charged).toBe(370_000);
    const today = db
      .select({
        spent: sql<number>`sum(${promotionDailySpend.spentMilliFen})`,
        clicks: sql<number>`sum(${promotionDailySpend.clicks})`,
      })
      .from(promotionDailySpend)
      .where(eq(promotionDailySpend.campaignId, campaign.id))
      .get();
    expect(today).toEqual({ spent: 370_000, clicks: 37 });
    expect(after && campaignStatus(after, today?.spent ?? 0, now)).toBe('EXHAUSTED');
    database.close();
  }, 120_000);
});
