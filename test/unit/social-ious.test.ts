import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeSocial } from '../../seeds/write-social.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import type { SocialDb } from '../../subgraphs/social/context.ts';
import { social } from '../../subgraphs/social/index.ts';
import { reminderFor, sendIouReminders } from '../../subgraphs/social/rules/iou-reminders.ts';
import { type CreateIouInput, createIou, repayIou, respondToIou } from '../../subgraphs/social/rules/ious.ts';
import { iouReminders, iouRepayments, ious } from '../../subgraphs/social/tables.ts';

const NOW = SEED_EPOCH;
const DUE = new Date(SEED_EPOCH.getTime() + 30 * 86_400_000);
const world = buildWorld(1);
let db: SocialDb;

beforeEach(() => {
  const database = openSubgraphDatabase(social, mkdtempSync(join(tmpdir(), 'lg-')));
  writeSocial(database.db, world);
  db = database.db;
});

const codes = (r: { userErrors: { code: string }[] }) => r.userErrors.map((e) => e.code);
const iouCount = () => db.select({ n: count() }).from(ious).get()?.n;
const terms = (over: Partial<CreateIouInput> = {}): CreateIouInput => ({
  lenderId: 'usr_bob',
  borrowerId: 'usr_carol',
  principalFen: 12_345,
  annualRateBps: 300,
  dueDate: DUE,
  idempotencyKey: 'k1',
  ...over,
});

describe('createIou', () => {
  it('creates a PENDING IOU once per idempotency key', () => {
    const first = createIou(db, NOW, 'usr_bob', terms());
    expect(first.userErrors).toEqual([]);
    expect(first.iou).toMatchObject({ status: 'PENDING', createdById: 'usr_bob', principalFen: 12_345, repaidFen: 0 });
    const before = iouCount();
    const replay = createIou(db, NOW, 'usr_bob', terms());
    expect(replay.iou?.id).toBe(first.iou?.id);
    expect(iouCount()).toBe(before);
    expect(codes(createIou(db, NOW, 'usr_bob', terms({ principalFen: 1 })))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    // Keys are per caller: carol may use "k1" too.
    expect(createIou(db, NOW, 'usr_carol', terms()).iou?.id).not.toBe(first.iou?.id);
  });

  it('reports broken rules and changes nothing', () => {
    const before = iouCount();
    const cases: [string, Partial<CreateIouInput>, string][] = [
      ['usr_alice', {}, 'NOT_A_PARTY'],
      ['usr_bob', { borrowerId: 'usr_bob' }, 'CANNOT_LEND_TO_SELF'],
      ['usr_bob', { borrowerId: 'usr_nobody' }, 'NOT_FOUND'],
      ['usr_alice', { lenderId: 'usr_alice' }, 'NOT_FRIENDS'],
      ['usr_bob', { principalFen: 0 }, 'INVALID_AMOUNT'],
      ['usr_bob', { annualRateBps: 2401 }, 'INVALID_RATE'],
      ['usr_bob', { dueDate: new Date(NOW.getTime() - 1) }, 'INVALID_DUE_DATE'],
      ['usr_bob', { idempotencyKey: ' ' }, 'INVALID_IDEMPOTENCY_KEY'],
    ];
    for (const [viewer, over, code] of cases) {
      expect(
        codes(createIou(db, NOW, viewer, terms({ ...over, idempotencyKey: over.idempotencyKey ?? code }))),
        code,
      ).toEqual([code]);
    }
    expect(iouCount()).toBe(before);
  });
});

describe('confirmIou / declineIou', () => {
  it('lets only the other party confirm, once', () => {
    const id = createIou(db, NOW, 'usr_bob', terms()).iou?.id as string;
    expect(codes(respondToIou(db, NOW, 'usr_bob', { iouId: id, response: 'ACTIVE' }))).toEqual(['NOT_COUNTERPARTY']);
    expect(codes(respondToIou(db, NOW, 'usr_alice', { iouId: id, response: 'ACTIVE' }))).toEqual(['NOT_FOUND']);
    const confirmed = respondToIou(db, NOW, 'usr_carol', { iouId: id, response: 'ACTIVE' });
    expect(confirmed.iou).toMatchObject({ status: 'ACTIVE', confirmedAt: NOW });
    expect(codes(respondToIou(db, NOW, 'usr_carol', { iouId: id, response: 'DECLINED' }))).toEqual(['NOT_PENDING']);
  });

  it('declines a pending IOU', () => {
    const id = createIou(db, NOW, 'usr_carol', terms()).iou?.id as string;
    expect(respondToIou(db, NOW, 'usr_bob', { iouId: id, response: 'DECLINED' }).iou).toMatchObject({
      status: 'DECLINED',
      declinedAt: NOW,
    });
    expect(codes(respondToIou(db, NOW, 'usr_bob', { iouId: 'iou_none', response: 'ACTIVE' }))).toEqual(['NOT_FOUND']);
  });
});

describe('repayIou', () => {
  const repaid = () => db.select().from(ious).where(eq(ious.id, 'iou_bob_carol')).get()?.repaidFen;
  const repaymentCount = () =>
    db.select({ n: count() }).from(iouRepayments).where(eq(iouRepayments.iouId, 'iou_bob_carol')).get()?.n;

  it('records a partial repayment once per key, and never more than outstanding', () => {
    const pay = (amountFen: number, key: string, viewer = 'usr_carol') =>
      repayIou(db, NOW, viewer, { iouId: 'iou_bob_carol', amountFen, idempotencyKey: key });
    const first = pay(15_000, 'r1');
    expect(first.userErrors).toEqual([]);
    expect(first.iou).toMatchObject({ repaidFen: 25_000, status: 'ACTIVE' });
    expect(pay(15_000, 'r1').repayment?.id).toBe(first.repayment?.id);
    expect(repaid()).toBe(25_000);
    expect(repaymentCount()).toBe(2);
    expect(codes(pay(14_000, 'r1'))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(codes(pay(100, 'r2', 'usr_bob'))).toEqual(['NOT_BORROWER']);
    expect(codes(pay(100, 'r3', 'usr_alice'))).toEqual(['NOT_FOUND']);
    expect(codes(pay(0, 'r4'))).toEqual(['INVALID_AMOUNT']);
    expect(codes(pay(25_001, 'r5'))).toEqual(['OVERPAYMENT']);
    expect(repaid()).toBe(25_000);
    const last = pay(25_000, 'r6');
    expect(last.iou).toMatchObject({ repaidFen: 50_000, status: 'REPAID', repaidAt: NOW });
    expect(codes(pay(1, 'r7'))).toEqual(['NOT_ACTIVE']);
    expect(repaymentCount()).toBe(3);
  });

  it('refuses to repay a pending IOU', () => {
    const id = createIou(db, NOW, 'usr_bob', terms()).iou?.id as string;
    expect(codes(repayIou(db, NOW, 'usr_carol', { iouId: id, amountFen: 100, idempotencyKey: 'p' }))).toEqual([
      'NOT_ACTIVE',
    ]);
  });
});

describe('IOU reminders job', () => {
  const HOUR = 3_600_000;
  const reminders = () => db.select().from(iouReminders).orderBy(iouReminders.sentAt).all();

  it('sends each reminder once per window, only for unpaid active IOUs', () => {
    const id = createIou(db, NOW, 'usr_bob', terms()).iou?.id as string;
    respondToIou(db, NOW, 'usr_carol', { iouId: id, response: 'ACTIVE' });
    const paidOff = createIou(db, NOW, 'usr_bob', terms({ idempotencyKey: 'k2' })).iou?.id as string;
    respondToIou(db, NOW, 'usr_carol', { iouId: paidOff, response: 'ACTIVE' });
    repayIou(db, NOW, 'usr_carol', { iouId: paidOff, amountFen: 12_345, idempotencyKey: 'all' });
    const at = (hoursFromDue: number) => new Date(DUE.getTime() + hoursFromDue * HOUR);

    expect(sendIouReminders(db, at(-100)).processed).toBe(0);
    expect(sendIouReminders(db, at(-48)).processed).toBe(1);
    expect(sendIouReminders(db, at(-47)).processed).toBe(0);
    expect(sendIouReminders(db, at(2)).processed).toBe(1);
    expect(sendIouReminders(db, at(30)).processed).toBe(1);
    expect(sendIouReminders(db, at(40)).processed).toBe(0);
    expect(sendIouReminders(db, at(24 + 24 * 7)).processed).toBe(1);
    expect(reminders().map((r) => [r.iouId, r.kind])).toEqual([
      [id, 'BEFORE_DUE'],
      [id, 'ON_DUE'],
      [id, 'OVERDUE'],
      [id, 'OVERDUE'],
    ]);
  });

  it('classifies the time around the due date', () => {
    expect(reminderFor(DUE, new Date(DUE.getTime() - 80 * HOUR))).toBeNull();
    expect(reminderFor(DUE, new Date(DUE.getTime() - HOUR))?.kind).toBe('BEFORE_DUE');
    expect(reminderFor(DUE, DUE)?.kind).toBe('ON_DUE');
    expect(reminderFor(DUE, new Date(DUE.getTime() + 25 * HOUR))).toEqual({
      kind: 'OVERDUE',
      dueWindow: `${DUE.toISOString()}/week-0`,
    });
  });
});
