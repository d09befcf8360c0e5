import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { and, count, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeSocial } from '../../seeds/write-social.ts';
import { asUser } from '../../subgraphs/shared/actors.ts';
import { runJobsOnce } from '../../subgraphs/shared/jobs.ts';
import { MAX_PERSONAL_FEN } from '../../subgraphs/shared/money.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import type { CreateGroupPaymentInput, CreateIouInput } from '../../subgraphs/social/__generated__/resolvers-types.ts';
import type { SocialDb } from '../../subgraphs/social/context.ts';
import { social } from '../../subgraphs/social/index.ts';
import {
  cancelGroupPayment,
  createGroupPayment,
  payGroupPaymentShare,
} from '../../subgraphs/social/rules/group-payments.ts';
import { reminderFor } from '../../subgraphs/social/rules/iou-reminders.ts';
import { iouStatus } from '../../subgraphs/social/rules/iou-status.ts';
import { createIou, repayIou, respondToIou } from '../../subgraphs/social/rules/ious.ts';
import * as t from '../../subgraphs/social/tables.ts';
import { ALICE, BOB, CAROL, user } from '../support/identities.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * The social money rules (issue #4) against a real temporary SQLite file: IOUs, AA group payments, their
 * idempotency keys, failure injection between two writes, and the deadline jobs moved by an injected `now`.
 */
const NOW = SEED_EPOCH;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DUE = new Date(NOW.getTime() + 30 * DAY);
const world = buildWorld(1);
let db: SocialDb;
let dir: string;

beforeEach(() => {
  dir = testDataDir('lg-social-');
  const database = openSubgraphDatabase(social, dir);
  writeSocial(database.db, world);
  db = database.db;
});

const codes = (r: { userErrors: { code: string }[] }) => r.userErrors.map((e) => e.code);
/** Row counts of every table a money rule writes, to prove a refused or failed call wrote nothing. */
const snapshot = () =>
  Object.fromEntries(
    (
      [
        ['ious', t.ious],
        ['repayments', t.iouRepayments],
        ['reminders', t.iouReminders],
        ['payments', t.groupPayments],
        ['shares', t.groupPaymentShares],
        ['keys', t.idempotencyKeys],
      ] as const
    ).map(([name, table]) => [name, db.select({ n: count() }).from(table).get()?.n]),
  );
/** `before` with `n` more idempotency keys: a refused request stores its user errors under its key, and nothing else. */
const plusKeys = (before: ReturnType<typeof snapshot>, n: number) => ({ ...before, keys: (before.keys ?? 0) + n });
const iouRow = (id: string) => db.select().from(t.ious).where(eq(t.ious.id, id)).get();
const crash = (at: string) => (step: string) => {
  if (step === at) throw new Error(`crash after ${step}`);
};

// carol borrows from bob (they are friends in the seed world).
const terms = (over: Partial<CreateIouInput> = {}): CreateIouInput => ({
  lenderId: 'usr_bob',
  principalFen: 12_345,
  annualRateBps: 300,
  dueDate: DUE,
  idempotencyKey: 'k1',
  ...over,
});

/** An ACTIVE IOU carol owes bob. */
function activeIou(over: Partial<CreateIouInput> = {}): string {
  const id = createIou(db, NOW, asUser(CAROL), terms({ idempotencyKey: `c-${Math.random()}`, ...over })).iou?.id;
  expect(respondToIou(db, NOW, asUser(BOB), { iouId: id as string, response: 'ACTIVE' }).userErrors).toEqual([]);
  return id as string;
}

describe('createIou', () => {
  it('records a PENDING IOU with the caller as borrower, once per idempotency key', () => {
    const first = createIou(db, NOW, asUser(CAROL), terms());
    expect(first.userErrors).toEqual([]);
    expect(first.iou).toMatchObject({
      status: 'PENDING',
      lenderId: 'usr_bob',
      borrowerId: 'usr_carol',
      principalFen: 12_345,
      repaidFen: 0,
    });
    const before = snapshot();
    expect(createIou(db, NOW, asUser(CAROL), terms()).iou?.id).toBe(first.iou?.id);
    expect(snapshot()).toEqual(before);
    expect(codes(createIou(db, NOW, asUser(CAROL), terms({ principalFen: 1 })))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    // Keys belong to a caller: alice may use "k1" too (she borrows from bob, her friend).
    expect(createIou(db, NOW, asUser(ALICE), terms()).iou?.id).not.toBe(first.iou?.id);
  });

  it('reports every broken rule with a stable code and writes nothing but the refusal under its key', () => {
    const before = snapshot();
    const cases: [string, Partial<CreateIouInput>, string, string][] = [
      ['usr_bob', {}, 'CANNOT_BORROW_FROM_SELF', 'lenderId'],
      ['usr_carol', { lenderId: 'usr_nobody' }, 'NOT_FOUND', 'lenderId'],
      ['usr_alice', { lenderId: 'usr_carol' }, 'NOT_FRIENDS', 'lenderId'],
      ['usr_carol', { principalFen: 0 }, 'INVALID_INPUT', 'principalFen'],
      ['usr_carol', { principalFen: MAX_PERSONAL_FEN + 1 }, 'INVALID_INPUT', 'principalFen'],
      ['usr_carol', { principalFen: 1.5 }, 'INVALID_INPUT', 'principalFen'],
      ['usr_carol', { annualRateBps: 2401 }, 'INVALID_INPUT', 'annualRateBps'],
      ['usr_carol', { dueDate: NOW }, 'INVALID_INPUT', 'dueDate'],
      ['usr_carol', { idempotencyKey: ' ' }, 'INVALID_IDEMPOTENCY_KEY', 'idempotencyKey'],
    ];
    for (const [i, [caller, over, code, field]] of cases.entries()) {
      const result = createIou(
        db,
        NOW,
        asUser(user(caller)),
        terms({ idempotencyKey: `${i}-${code}-${field}`, ...over }),
      );
      expect(result.userErrors, `${code} ${field}`).toEqual([
        expect.objectContaining({ code, field: ['input', field] }),
      ]);
    }
    // Every refusal but the bad key's is stored under its key, to be replayed; no IOU was written.
    expect(snapshot()).toEqual(plusKeys(before, cases.length - 1));
  });

  it('accepts the edges of the amount range', () => {
    expect(createIou(db, NOW, asUser(CAROL), terms({ principalFen: 1, idempotencyKey: 'a' })).userErrors).toEqual([]);
    const max = createIou(db, NOW, asUser(CAROL), terms({ principalFen: MAX_PERSONAL_FEN, idempotencyKey: 'b' }));
    expect(max.userErrors).toEqual([]);
  });

  it('a crash after the insert leaves neither the IOU nor its key', () => {
    const before = snapshot();
    expect(() => createIou(db, NOW, asUser(CAROL), terms(), { afterStep: crash('iou-inserted') })).toThrow(/crash/);
    expect(snapshot()).toEqual(before);
    expect(createIou(db, NOW, asUser(CAROL), terms()).userErrors).toEqual([]);
  });
});

describe('confirmIou / declineIou', () => {
  it('only the lender confirms, once', () => {
    const id = createIou(db, NOW, asUser(CAROL), terms()).iou?.id as string;
    expect(codes(respondToIou(db, NOW, asUser(CAROL), { iouId: id, response: 'ACTIVE' }))).toEqual(['NOT_LENDER']);
    expect(codes(respondToIou(db, NOW, asUser(ALICE), { iouId: id, response: 'ACTIVE' }))).toEqual(['NOT_FOUND']);
    expect(respondToIou(db, NOW, asUser(BOB), { iouId: id, response: 'ACTIVE' }).iou).toMatchObject({
      status: 'ACTIVE',
      confirmedAt: NOW,
    });
    expect(codes(respondToIou(db, NOW, asUser(BOB), { iouId: id, response: 'DECLINED' }))).toEqual(['NOT_PENDING']);
    expect(iouRow(id)?.status).toBe('ACTIVE');
  });

  it('the lender declines a pending IOU', () => {
    const id = createIou(db, NOW, asUser(CAROL), terms()).iou?.id as string;
    expect(respondToIou(db, NOW, asUser(BOB), { iouId: id, response: 'DECLINED' }).iou).toMatchObject({
      status: 'DECLINED',
      declinedAt: NOW,
    });
    expect(codes(respondToIou(db, NOW, asUser(BOB), { iouId: id, response: 'ACTIVE' }))).toEqual(['NOT_PENDING']);
    expect(codes(respondToIou(db, NOW, asUser(BOB), { iouId: 'iou_none', response: 'ACTIVE' }))).toEqual(['NOT_FOUND']);
  });
});

describe('repayIou', () => {
  // Seed: carol owes bob 50 000 fen on iou_bob_carol and repaid 10 000 of it.
  const pay = (amountFen: number, key: string, caller = 'usr_carol') =>
    repayIou(db, NOW, asUser(user(caller)), { iouId: 'iou_bob_carol', amountFen, idempotencyKey: key });

  it('records partial repayments once per key and never more than outstanding', () => {
    const first = pay(15_000, 'r1');
    expect(first.userErrors).toEqual([]);
    expect(first.iou).toMatchObject({ repaidFen: 25_000, status: 'ACTIVE' });
    const before = snapshot();
    expect(pay(15_000, 'r1').repayment?.id).toBe(first.repayment?.id);
    expect(snapshot()).toEqual(before);
    expect(codes(pay(14_000, 'r1'))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(codes(pay(100, 'r2', 'usr_bob'))).toEqual(['NOT_BORROWER']);
    expect(codes(pay(100, 'r3', 'usr_alice'))).toEqual(['NOT_FOUND']);
    expect(codes(pay(0, 'r4'))).toEqual(['INVALID_INPUT']);
    expect(codes(pay(25_001, 'r5'))).toEqual(['OVERPAYMENT']);
    expect(snapshot()).toEqual(plusKeys(before, 4));
    const last = pay(25_000, 'r6');
    expect(last.iou).toMatchObject({ repaidFen: 50_000, status: 'REPAID', repaidAt: NOW });
    expect(codes(pay(1, 'r7'))).toEqual(['NOT_ACTIVE']);
  });

  it('repays 1 fen at a time down to exactly zero outstanding', () => {
    const id = activeIou({ principalFen: 3 });
    for (const key of ['a', 'b']) {
      expect(repayIou(db, NOW, asUser(CAROL), { iouId: id, amountFen: 1, idempotencyKey: key }).iou?.status).toBe(
        'ACTIVE',
      );
    }
    expect(codes(repayIou(db, NOW, asUser(CAROL), { iouId: id, amountFen: 2, idempotencyKey: 'c' }))).toEqual([
      'OVERPAYMENT',
    ]);
    const last = repayIou(db, NOW, asUser(CAROL), { iouId: id, amountFen: 1, idempotencyKey: 'd' });
    expect(last.iou).toMatchObject({ repaidFen: 3, status: 'REPAID' });
  });

  it('refuses a pending or declined IOU', () => {
    const id = createIou(db, NOW, asUser(CAROL), terms()).iou?.id as string;
    expect(codes(repayIou(db, NOW, asUser(CAROL), { iouId: id, amountFen: 100, idempotencyKey: 'p' }))).toEqual([
      'NOT_ACTIVE',
    ]);
  });

  it('a crash between the repayment row and the IOU update leaves neither', () => {
    const before = snapshot();
    const repaidBefore = iouRow('iou_bob_carol')?.repaidFen;
    expect(() =>
      repayIou(
        db,
        NOW,
        asUser(CAROL),
        { iouId: 'iou_bob_carol', amountFen: 500, idempotencyKey: 'x' },
        { afterStep: crash('repayment-inserted') },
      ),
    ).toThrow(/crash/);
    expect(snapshot()).toEqual(before);
    expect(iouRow('iou_bob_carol')?.repaidFen).toBe(repaidBefore);
    // The same key works afterwards: nothing of the failed attempt was remembered.
    expect(pay(500, 'x').iou?.repaidFen).toBe((repaidBefore ?? 0) + 500);
  });
});

describe('createGroupPayment', () => {
  const split = (over: Partial<CreateGroupPaymentInput> = {}): CreateGroupPaymentInput => ({
    title: 'Hotpot',
    totalFen: 100,
    participantIds: ['usr_alice', 'usr_carol'],
    storeId: 'sto_kfc_hz_1',
    idempotencyKey: 'g1',
    ...over,
  });
  const sharesOf = (id: string) =>
    db
      .select({ userId: t.groupPaymentShares.userId, amountFen: t.groupPaymentShares.amountFen })
      .from(t.groupPaymentShares)
      .where(eq(t.groupPaymentShares.groupPaymentId, id))
      .orderBy(t.groupPaymentShares.position)
      .all();

  it.each([
    [100, [34, 33, 33]],
    [1, [1, 0, 0]],
    [2, [1, 1, 0]],
    [3, [1, 1, 1]],
    [15_800, [5267, 5267, 5266]],
    [MAX_PERSONAL_FEN, [3_333_334, 3_333_333, 3_333_333]],
  ])('splits %i fen among three, organizer first: %j', (totalFen, amounts) => {
    const result = createGroupPayment(db, NOW, asUser(BOB), split({ totalFen }));
    expect(result.userErrors).toEqual([]);
    expect(result.groupPayment).toMatchObject({ organizerId: 'usr_bob', status: 'OPEN', totalFen });
    const shares = sharesOf(result.groupPayment?.id as string);
    expect(shares).toEqual([
      { userId: 'usr_bob', amountFen: amounts[0] },
      { userId: 'usr_alice', amountFen: amounts[1] },
      { userId: 'usr_carol', amountFen: amounts[2] },
    ]);
    expect(shares.reduce((sum, s) => sum + s.amountFen, 0)).toBe(totalFen);
  });

  it('gives the remainder fen in join order, as listed', () => {
    const result = createGroupPayment(db, NOW, asUser(BOB), split({ participantIds: ['usr_carol', 'usr_alice'] }));
    expect(sharesOf(result.groupPayment?.id as string).map((s) => s.userId)).toEqual([
      'usr_bob',
      'usr_carol',
      'usr_alice',
    ]);
  });

  it('is idempotent per key', () => {
    const first = createGroupPayment(db, NOW, asUser(BOB), split());
    const before = snapshot();
    expect(createGroupPayment(db, NOW, asUser(BOB), split()).groupPayment?.id).toBe(first.groupPayment?.id);
    expect(snapshot()).toEqual(before);
    // Another order of the same people is another split (the remainder goes elsewhere): a different input.
    expect(
      codes(createGroupPayment(db, NOW, asUser(BOB), split({ participantIds: ['usr_carol', 'usr_alice'] }))),
    ).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  });

  it('names every participant who is not a friend, and writes nothing', () => {
    const before = snapshot();
    // alice's friends are bob only; carol and usr_nobody are not.
    const result = createGroupPayment(
      db,
      NOW,
      asUser(ALICE),
      split({ participantIds: ['usr_bob', 'usr_carol', 'usr_nobody'] }),
    );
    expect(result.groupPayment).toBeNull();
    expect(result.userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_FRIENDS', field: ['input', 'participantIds', '1'] }),
      expect.objectContaining({ code: 'NOT_FRIENDS', field: ['input', 'participantIds', '2'] }),
    ]);
    expect(result.userErrors[0]?.message).toContain('usr_carol');
    expect(snapshot()).toEqual(plusKeys(before, 1));
  });

  it('reports broken input with stable codes', () => {
    const before = snapshot();
    const cases: [Partial<CreateGroupPaymentInput>, string, string[]][] = [
      [{ title: '  ' }, 'INVALID_INPUT', ['input', 'title']],
      [{ totalFen: 0 }, 'INVALID_INPUT', ['input', 'totalFen']],
      [{ totalFen: MAX_PERSONAL_FEN + 1 }, 'INVALID_INPUT', ['input', 'totalFen']],
      [{ participantIds: [] }, 'INVALID_INPUT', ['input', 'participantIds']],
      [{ participantIds: ['usr_alice', 'usr_alice'] }, 'DUPLICATE_PARTICIPANT', ['input', 'participantIds', '1']],
      [{ participantIds: ['usr_bob'] }, 'DUPLICATE_PARTICIPANT', ['input', 'participantIds', '0']],
      [{ idempotencyKey: '' }, 'INVALID_IDEMPOTENCY_KEY', ['input', 'idempotencyKey']],
    ];
    for (const [i, [over, code, field]] of cases.entries()) {
      const result = createGroupPayment(db, NOW, asUser(BOB), split({ idempotencyKey: `${i}${code}`, ...over }));
      expect(result.userErrors, JSON.stringify(over)).toEqual([expect.objectContaining({ code, field })]);
    }
    expect(snapshot()).toEqual(plusKeys(before, cases.length - 1));
  });

  it('a crash between the payment and its shares leaves neither', () => {
    const before = snapshot();
    expect(() =>
      createGroupPayment(db, NOW, asUser(BOB), split(), { afterStep: crash('group-payment-inserted') }),
    ).toThrow(/crash/);
    expect(snapshot()).toEqual(before);
  });
});

describe('payGroupPaymentShare / cancelGroupPayment', () => {
  /** A fresh 100-fen split by bob with alice and carol. */
  const open = () =>
    createGroupPayment(db, NOW, asUser(BOB), {
      title: 'Dinner',
      totalFen: 100,
      participantIds: ['usr_alice', 'usr_carol'],
      idempotencyKey: `open-${Math.random()}`,
    }).groupPayment?.id as string;
  const pay = (id: string, userId: string, key = `${userId}-${id}`, at = NOW) =>
    payGroupPaymentShare(db, at, asUser(user(userId)), { groupPaymentId: id, idempotencyKey: key });
  const paidAt = (id: string, user: string) =>
    db
      .select({ paidAt: t.groupPaymentShares.paidAt })
      .from(t.groupPaymentShares)
      .where(and(eq(t.groupPaymentShares.groupPaymentId, id), eq(t.groupPaymentShares.userId, user)))
      .get()?.paidAt;

  it('settles when the last share is paid', () => {
    const id = open();
    expect(pay(id, 'usr_alice').groupPayment).toMatchObject({ status: 'OPEN', settledAt: null });
    expect(pay(id, 'usr_bob').groupPayment?.status).toBe('OPEN');
    const later = new Date(NOW.getTime() + HOUR);
    expect(pay(id, 'usr_carol', 'c', later).groupPayment).toMatchObject({ status: 'SETTLED', settledAt: later });
    expect(paidAt(id, 'usr_carol')).toEqual(later);
  });

  it('pays once per key, refuses a second payment and outsiders', () => {
    const id = open();
    const first = pay(id, 'usr_alice', 'p1');
    const before = snapshot();
    expect(pay(id, 'usr_alice', 'p1').groupPayment?.id).toBe(first.groupPayment?.id);
    expect(codes(pay(id, 'usr_alice', 'p2'))).toEqual(['ALREADY_PAID']);
    expect(codes(pay('gpy_other', 'usr_alice', 'p1'))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(codes(pay(id, 'usr_0001'))).toEqual(['NOT_FOUND']);
    expect(codes(pay('gpy_none', 'usr_alice', 'p3'))).toEqual(['NOT_FOUND']);
    // The three refusals (p2, usr_0001's key, p3) are stored under their keys; the reused p1 is not.
    expect(snapshot()).toEqual(plusKeys(before, 3));
  });

  it("cancels only before any share, the organizer's included, is paid", () => {
    const untouched = open();
    expect(codes(cancelGroupPayment(db, NOW, asUser(ALICE), { id: untouched }))).toEqual(['NOT_ORGANIZER']);
    expect(codes(cancelGroupPayment(db, NOW, asUser(user('usr_0001')), { id: untouched }))).toEqual(['NOT_FOUND']);
    expect(cancelGroupPayment(db, NOW, asUser(BOB), { id: untouched }).groupPayment).toMatchObject({
      status: 'CANCELLED',
      cancelledAt: NOW,
    });
    expect(codes(cancelGroupPayment(db, NOW, asUser(BOB), { id: untouched }))).toEqual(['NOT_OPEN']);
    expect(codes(pay(untouched, 'usr_alice'))).toEqual(['NOT_OPEN']);

    const organizerPaid = open();
    pay(organizerPaid, 'usr_bob');
    const refused = cancelGroupPayment(db, NOW, asUser(BOB), { id: organizerPaid });
    expect(codes(refused)).toEqual(['SHARE_ALREADY_PAID']);
    expect(refused.userErrors[0]?.message).toContain('usr_bob');
    // The seeded split at KFC: bob already paid his share.
    expect(codes(cancelGroupPayment(db, NOW, asUser(BOB), { id: 'gpy_bob_kfc' }))).toEqual(['SHARE_ALREADY_PAID']);
  });

  it('a crash between paying the last share and settling leaves the share unpaid', () => {
    const id = open();
    pay(id, 'usr_bob');
    pay(id, 'usr_alice');
    const before = snapshot();
    expect(() =>
      payGroupPaymentShare(
        db,
        NOW,
        asUser(CAROL),
        { groupPaymentId: id, idempotencyKey: 'z' },
        { afterStep: crash('share-paid') },
      ),
    ).toThrow(/crash/);
    expect(snapshot()).toEqual(before);
    expect(paidAt(id, 'usr_carol')).toBeNull();
    expect(db.select().from(t.groupPayments).where(eq(t.groupPayments.id, id)).get()?.status).toBe('OPEN');
  });
});

describe('what an idempotency key stores', () => {
  const stored = (key: string) => {
    const row = db.select().from(t.idempotencyKeys).where(eq(t.idempotencyKeys.key, key)).get();
    return { caller: row?.caller, operation: row?.operation, ids: JSON.parse(row?.responseJson ?? 'null') };
  };

  // The ids under the user's id, exactly as before the rules took actors: keys stored then still replay.
  it('is the user id as the caller and the ids of the result, as keys stored before the upgrade are', () => {
    const iou = createIou(db, NOW, asUser(CAROL), terms({ idempotencyKey: 'i1' }));
    expect(stored('i1')).toEqual({ caller: 'usr_carol', operation: 'createIou', ids: { iouId: iou.iou?.id } });
    const repaid = repayIou(db, NOW, asUser(CAROL), { iouId: 'iou_bob_carol', amountFen: 1, idempotencyKey: 'r1' });
    expect(stored('r1')).toEqual({
      caller: 'usr_carol',
      operation: 'repayIou',
      ids: { iouId: 'iou_bob_carol', repaymentId: repaid.repayment?.id },
    });
    const split = { title: 'Tea', totalFen: 30, participantIds: ['usr_alice'], idempotencyKey: 'g1' };
    const payment = createGroupPayment(db, NOW, asUser(BOB), split).groupPayment?.id;
    expect(stored('g1')).toEqual({
      caller: 'usr_bob',
      operation: 'createGroupPayment',
      ids: { groupPaymentId: payment },
    });
    payGroupPaymentShare(db, NOW, asUser(ALICE), { groupPaymentId: payment as string, idempotencyKey: 'p1' });
    expect(stored('p1')).toEqual({
      caller: 'usr_alice',
      operation: 'payGroupPaymentShare',
      ids: { groupPaymentId: payment },
    });
  });
});

describe('deadline jobs (moving the injected now)', () => {
  const at = (msFromDue: number) => new Date(DUE.getTime() + msFromDue);
  const run = (now: Date) =>
    Object.fromEntries(runJobsOnce(social.jobs ?? [], db, now).map((r) => [r.job, r.processed]));
  const reminders = (iouId: string) =>
    db
      .select({ kind: t.iouReminders.kind, sentAt: t.iouReminders.sentAt })
      .from(t.iouReminders)
      .where(eq(t.iouReminders.iouId, iouId))
      .orderBy(t.iouReminders.sentAt)
      .all()
      .map((r) => r.kind);

  it('records BEFORE_DUE three days before, ON_DUE on the day, OVERDUE weekly; each once', () => {
    const id = activeIou();
    expect(run(at(-3 * DAY - HOUR))).toEqual({ 'iou-overdue': 0, 'iou-reminders': 0 });
    expect(run(at(-3 * DAY))['iou-reminders']).toBe(1);
    expect(run(at(-2 * DAY))['iou-reminders']).toBe(0);
    expect(run(at(0))['iou-reminders']).toBe(1);
    expect(run(at(HOUR))).toEqual({ 'iou-overdue': 1, 'iou-reminders': 0 });
    expect(run(at(DAY))['iou-reminders']).toBe(1);
    expect(run(at(DAY + 6 * DAY))['iou-reminders']).toBe(0);
    expect(run(at(DAY + 7 * DAY))['iou-reminders']).toBe(1);
    expect(run(at(DAY + 7 * DAY))).toEqual({ 'iou-overdue': 0, 'iou-reminders': 0 });
    expect(run(at(DAY + 21 * DAY))['iou-reminders']).toBe(1);
    expect(reminders(id)).toEqual(['BEFORE_DUE', 'ON_DUE', 'OVERDUE', 'OVERDUE', 'OVERDUE']);
  });

  it('persists OVERDUE once the due date passed with money outstanding; repaying then settles it', () => {
    const id = activeIou({ principalFen: 1000 });
    const repaidOff = activeIou({ principalFen: 10 });
    repayIou(db, NOW, asUser(CAROL), { iouId: repaidOff, amountFen: 10, idempotencyKey: 'all' });
    expect(run(at(0))['iou-overdue']).toBe(0);
    expect(iouRow(id)?.status).toBe('ACTIVE');
    expect(run(at(1))['iou-overdue']).toBe(1);
    expect(iouRow(id)?.status).toBe('OVERDUE');
    expect(iouRow(repaidOff)?.status).toBe('REPAID');
    expect(run(at(2))['iou-overdue']).toBe(0);
    // An overdue IOU is still repayable; partial keeps it OVERDUE, the rest makes it REPAID.
    const partial = repayIou(db, at(2), asUser(CAROL), { iouId: id, amountFen: 400, idempotencyKey: 'o1' });
    expect(partial.iou).toMatchObject({ status: 'OVERDUE', repaidFen: 400 });
    expect(iouStatus(partial.iou as NonNullable<typeof partial.iou>, at(2))).toBe('OVERDUE');
    const rest = repayIou(db, at(3), asUser(CAROL), { iouId: id, amountFen: 600, idempotencyKey: 'o2' });
    expect(rest.iou).toMatchObject({ status: 'REPAID', repaidFen: 1000, repaidAt: at(3) });
    // Nothing outstanding: no more reminders.
    expect(run(at(30 * DAY))['iou-reminders']).toBe(0);
  });

  it('leaves pending and declined IOUs alone', () => {
    const pending = createIou(db, NOW, asUser(CAROL), terms()).iou?.id as string;
    const declined = createIou(db, NOW, asUser(CAROL), terms({ idempotencyKey: 'k2' })).iou?.id as string;
    expect(respondToIou(db, NOW, asUser(BOB), { iouId: declined, response: 'DECLINED' }).userErrors).toEqual([]);
    expect(run(at(40 * DAY))).toEqual({ 'iou-overdue': 0, 'iou-reminders': 0 });
    expect([iouRow(pending)?.status, iouRow(declined)?.status]).toEqual(['PENDING', 'DECLINED']);
    expect([...reminders(pending), ...reminders(declined)]).toEqual([]);
  });

  it('classifies the time around the due date', () => {
    expect(reminderFor(DUE, at(-3 * DAY - 1))).toBeNull();
    expect(reminderFor(DUE, at(-1))?.kind).toBe('BEFORE_DUE');
    expect(reminderFor(DUE, DUE)?.kind).toBe('ON_DUE');
    expect(reminderFor(DUE, at(DAY + 7 * DAY - 1))).toEqual({
      kind: 'OVERDUE',
      dueWindow: `${DUE.toISOString()}/week-0`,
    });
    expect(reminderFor(DUE, at(DAY + 7 * DAY))?.dueWindow).toBe(`${DUE.toISOString()}/week-1`);
  });
});

describe('repayIou from concurrent processes on one SQLite file', () => {
  const root = new URL('../../', import.meta.url).pathname;
  // Each process retries the same repayment (one key) and also sends its own repayments (own keys).
  const WORKER = `
import { openSubgraphDatabase } from '${root}subgraphs/shared/server.ts';
import { social } from '${root}subgraphs/social/index.ts';
import { repayIou } from '${root}subgraphs/social/rules/ious.ts';
const [dir, worker] = process.argv.slice(2);
const { db } = openSubgraphDatabase(social, dir);
const now = new Date(${NOW.getTime()});
const ids = new Set();
const outcomes = [];
for (let i = 0; i < 10; i++) {
  const same = repayIou(db, now, { kind: 'user', userId: 'usr_alice' }, { iouId: 'iou_bob_alice', amountFen: 800, idempotencyKey: 'one-key' });
  ids.add(same.repayment?.id);
  const own = repayIou(db, now, { kind: 'user', userId: 'usr_alice' }, { iouId: 'iou_bob_alice', amountFen: 500, idempotencyKey: 'w' + worker + '-' + i });
  outcomes.push(own.userErrors[0]?.code ?? 'OK');
}
console.log(JSON.stringify({ ids: [...ids], ok: outcomes.filter((o) => o === 'OK').length }));
`;

  it('one key repays once, and all of them together never exceed the outstanding amount', async () => {
    const script = join(dir, 'worker.ts');
    writeFileSync(script, WORKER);
    const run = promisify(execFile);
    const outputs = await Promise.all(
      [1, 2, 3, 4].map((w) => run(process.execPath, ['--import', 'tsx', script, dir, String(w)], { cwd: root })),
    );
    const results = outputs.map((o) => JSON.parse(o.stdout.trim()) as { ids: string[]; ok: number });
    // Every process saw the same single repayment for "one-key".
    expect(new Set(results.flatMap((r) => r.ids)).size).toBe(1);
    // 8 800 outstanding. Every process starts with "one-key", so it is the first write: 800, then
    // 8 000 / 500 = 16 of the 40 own repayments fit, and the rest are refused.
    expect(results.reduce((sum, r) => sum + r.ok, 0)).toBe(16);
    expect(iouRow('iou_bob_alice')).toMatchObject({ repaidFen: 8_800, status: 'REPAID' });
    expect(
      db.select({ n: count() }).from(t.iouRepayments).where(eq(t.iouRepayments.iouId, 'iou_bob_alice')).get()?.n,
    ).toBe(17);
  }, 60_000);
});
