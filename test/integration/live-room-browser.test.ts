import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FIXED } from '../../seeds/fixtures.ts';
import { useTestGraph } from '../support/graph.ts';

// Debian's chromium (.ci/run installs it); without it the suite is skipped, except under CI=true, where it fails.
const CHROMIUM = process.env.LIFEGRAPH_TEST_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') throw new Error(`the live-room browser test needs ${CHROMIUM} in CI`);
if (!available) console.warn(`live room in a browser: no ${CHROMIUM}; skipping`);
/** Where the README's screenshot is written when LIFEGRAPH_SCREENSHOT is set. */
const SCREENSHOT = process.env.LIFEGRAPH_SCREENSHOT;

describe.skipIf(!available)('the live-room page in headless Chromium', () => {
  const graph = useTestGraph();

  it('shows the stream and moves the featured coupon’s stock when one is claimed', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 700 } });
      await page.goto(new URL(`/live/${FIXED.kfcLiveStream}`, graph.gateway.url).href);
      await page.waitForSelector('body[data-subscribed="true"]', { timeout: 10_000 });
      const item = page.locator(`#offers li[data-id="${FIXED.kfcCouponTemplate}"]`);
      const before = await item.textContent();
      expect(before).toMatch(/left$/);
      // Let the gateway register the subscription before the claim.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { body } = await graph.query(
        `mutation($input: ClaimCouponInput!) { claimCoupon(input: $input) { userErrors { code } } }`,
        {
          as: 'usr_0451',
          variables: {
            input: { templateId: FIXED.kfcCouponTemplate, liveStreamId: FIXED.kfcLiveStream, idempotencyKey: 'room-1' },
          },
        },
      );
      expect(body.data.claimCoupon.userErrors).toEqual([]);
      await expect.poll(() => item.textContent(), { timeout: 3000 }).not.toBe(before);
      const after = await item.textContent();
      const left = (text: string | null) => Number(/: (\d+) of/.exec(text ?? '')?.[1]);
      expect(left(after)).toBe(left(before) - 1);
      await expect(page.locator('#log li').first().textContent()).resolves.toMatch(/STOCK$/);
      if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
    } finally {
      await browser.close();
    }
  });
});
