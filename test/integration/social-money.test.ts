import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, useTestGraph } from '../support/graph.ts';

/**
 * The social money rules (issue #4) through the real gateway and SQLite files: retries and races sent as
 * concurrent HTTP requests, AA rounding as clients see it, and the IOU deadlines moved by the injected clock.
 */
const DAY = 86_400_000;
const clock = createTestClock(SEED_EPOCH);
const graph = useTestGraph({ clock });

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by shape
async function gql(query: string, variables: Record<string, unknown>, as: As): Promise<any> {
  const { status, body } = await graph.query(query, { variables, as });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return body.data;
}
const count = (sql: string, ...params: unknown[]) =>
  (graph.subgraphs.social.database.sqlite.prepare(sql).get(...params) as { n: number }).n;
const codes = (payload: { userErrors: { code: string }[] }) => payload.userErrors.map((e) => e.code);

const CREATE_IOU = `#graphql
  mutation($input: CreateIouInput!) { createIou(input: $input) { iou { id status } userErrors { code field } } }`;
const CONFIRM = `#graphql
  mutation($id: ID!) { confirmIou(iouId: $id) { iou { id status } userErrors { code } } }`;
const REPAY = `#graphql
  mutation($input: RepayIouInput!) { repayIou(input: $input) {
    iou { status repaid { fen } outstanding { fen } } repayment { id amount { fen } } userErrors { code } } }`;
const CREATE_GP = `#graphql
  mutation($input: CreateGroupPaymentInput!) { createGroupPayment(input: $input) {
    groupPayment { id status total { fen } shares { user { id } amount { fen } paid } } userErrors { code field } } }`;
const PAY_SHARE = `#graphql
  mutation($input: PayGroupPaymentShareInput!) { payGroupPaymentShare(input: $input) {
    groupPayment { id status paidCount settledAt } userErrors { code } } }`;
const CANCEL = `#graphql
  mutation($id: ID!) { cancelGroupPayment(id: $id) { groupPayment { id status cancelledAt } userErrors { code } } }`;

/** carol borrows `principalFen` from bob, due in `days` days; bob confirms. */
async function activeIou(principalFen: number, key: string, days = 30): Promise<string> {
  const dueDate = new Date(clock.now().getTime() + days * DAY).toISOString();
  const created = await gql(
    CREATE_IOU,
    { input: { lenderId: 'usr_bob', principalFen, dueDate, idempotencyKey: key } },
    'usr_carol',
  );
  expect(created.createIou).toMatchObject({ iou: { status: 'PENDING' }, userErrors: [] });
  const id = created.createIou.iou.id;
  expect((await gql(CONFIRM, { id }, 'usr_bob')).confirmIou.iou.status).toBe('ACTIVE');
  return id;
}

describe('repayIou under retries and races', () => {
  it('the same repayIou sent ten times concurrently with one key repays once', async () => {
    // Seed: alice owes bob 8 800 fen on iou_bob_alice.
    const input = { iouId: 'iou_bob_alice', amountFen: 1_234, idempotencyKey: 'retry-storm' };
    const repaymentsBefore = count('select count(*) as n from iou_repayments where iou_id = ?', 'iou_bob_alice');
    const results = await Promise.all(Array.from({ length: 10 }, () => gql(REPAY, { input }, 'usr_alice')));
    const ids = new Set(results.map((r) => r.repayIou.repayment.id));
    expect(ids.size).toBe(1);
    for (const r of results) {
      expect(r.repayIou.userErrors).toEqual([]);
      expect(r.repayIou.repayment.amount.fen).toBe(1_234);
      expect(r.repayIou.iou.repaid.fen).toBe(1_234);
    }
    expect(count('select count(*) as n from iou_repayments where iou_id = ?', 'iou_bob_alice')).toBe(
      repaymentsBefore + 1,
    );
    expect(count('select repaid_fen as n from ious where id = ?', 'iou_bob_alice')).toBe(1_234);
    expect(count(`select count(*) as n from idempotency_keys where key = 'retry-storm'`)).toBe(1);

    const reused = await gql(REPAY, { input: { ...input, amountFen: 1_000 } }, 'usr_alice');
    expect(reused.repayIou).toEqual({ iou: null, repayment: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED' }] });
    expect(count('select repaid_fen as n from ious where id = ?', 'iou_bob_alice')).toBe(1_234);
  });

  it('concurrent repayments with different keys never repay more than outstanding', async () => {
    // 4 500 fen outstanding, eight payments of 1 000 at once: four fit, the other four would overpay.
    const id = await activeIou(4_500, 'race-iou');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        gql(REPAY, { input: { iouId: id, amountFen: 1_000, idempotencyKey: `race-${i}` } }, 'usr_carol'),
      ),
    );
    const outcome = results.map((r) => codes(r.repayIou)[0] ?? 'OK');
    expect(outcome.filter((c) => c === 'OK')).toHaveLength(4);
    expect(outcome.filter((c) => c === 'OVERPAYMENT')).toHaveLength(4);
    expect(count('select repaid_fen as n from ious where id = ?', id)).toBe(4_000);
    expect(count('select count(*) as n from iou_repayments where iou_id = ?', id)).toBe(4);
    const rest = await gql(REPAY, { input: { iouId: id, amountFen: 500, idempotencyKey: 'race-rest' } }, 'usr_carol');
    expect(rest.repayIou.iou).toEqual({ status: 'REPAID', repaid: { fen: 4_500 }, outstanding: { fen: 0 } });
  });
});

describe('AA group payments', () => {
  it.each([
    [100, [34, 33, 33]],
    [1, [1, 0, 0]],
    [15_800, [5267, 5267, 5266]],
  ])('splits %i fen among bob, alice and carol as %j, organizer first', async (totalFen, amounts) => {
    const input = {
      title: `Split ${totalFen}`,
      totalFen,
      participantIds: ['usr_alice', 'usr_carol'],
      storeId: 'sto_kfc_hz_1',
      idempotencyKey: `split-${totalFen}`,
    };
    const { createGroupPayment } = await gql(CREATE_GP, { input }, 'usr_bob');
    expect(createGroupPayment.userErrors).toEqual([]);
    expect(createGroupPayment.groupPayment).toMatchObject({ status: 'OPEN', total: { fen: totalFen } });
    expect(createGroupPayment.groupPayment.shares).toEqual(
      ['usr_bob', 'usr_alice', 'usr_carol'].map((id, i) => ({
        user: { id },
        amount: { fen: amounts[i] },
        paid: false,
      })),
    );
    const replay = await gql(CREATE_GP, { input }, 'usr_bob');
    expect(replay.createGroupPayment.groupPayment.id).toBe(createGroupPayment.groupPayment.id);
  });

  it('names the participants who are not friends', async () => {
    const before = count('select count(*) as n from group_payments');
    const input = { title: 'x', totalFen: 300, participantIds: ['usr_bob', 'usr_carol'], idempotencyKey: 'nf' };
    const { createGroupPayment } = await gql(CREATE_GP, { input }, 'usr_alice');
    expect(createGroupPayment).toEqual({
      groupPayment: null,
      userErrors: [{ code: 'NOT_FRIENDS', field: ['input', 'participantIds', '1'] }],
    });
    expect(count('select count(*) as n from group_payments')).toBe(before);
  });

  it('everyone paying at once settles it exactly once; then it cannot be cancelled', async () => {
    const input = {
      title: 'Hotpot',
      totalFen: 9_999,
      participantIds: ['usr_alice', 'usr_carol'],
      idempotencyKey: 'hp',
    };
    const id = (await gql(CREATE_GP, { input }, 'usr_bob')).createGroupPayment.groupPayment.id;
    // Each member sends their payment three times with different keys (double taps), all at once.
    const payers = ['usr_bob', 'usr_alice', 'usr_carol'].flatMap((user) => [0, 1, 2].map((n) => ({ user, n })));
    const results = await Promise.all(
      payers.map(({ user, n }) =>
        gql(PAY_SHARE, { input: { groupPaymentId: id, idempotencyKey: `tap-${n}` } }, user).then(
          (r) => codes(r.payGroupPaymentShare)[0] ?? 'OK',
        ),
      ),
    );
    expect(results.filter((c) => c === 'OK')).toHaveLength(3);
    expect(results.filter((c) => c === 'ALREADY_PAID')).toHaveLength(6);
    const settled = await gql(
      `query($id: ID!) { groupPayment(id: $id) { status paidCount settledAt } }`,
      { id },
      'usr_alice',
    );
    expect(settled.groupPayment).toEqual({ status: 'SETTLED', paidCount: 3, settledAt: SEED_EPOCH.toISOString() });
    expect((await gql(CANCEL, { id }, 'usr_bob')).cancelGroupPayment.userErrors).toEqual([{ code: 'NOT_OPEN' }]);
  });

  it('the organizer cancels before anyone pays; after his own payment he cannot', async () => {
    const make = async (key: string) =>
      (
        await gql(
          CREATE_GP,
          { input: { title: 'Tea', totalFen: 600, participantIds: ['usr_carol'], idempotencyKey: key } },
          'usr_bob',
        )
      ).createGroupPayment.groupPayment.id;
    const untouched = await make('tea-1');
    expect((await gql(CANCEL, { id: untouched }, 'usr_bob')).cancelGroupPayment).toEqual({
      groupPayment: { id: untouched, status: 'CANCELLED', cancelledAt: SEED_EPOCH.toISOString() },
      userErrors: [],
    });
    const pay = await gql(PAY_SHARE, { input: { groupPaymentId: untouched, idempotencyKey: 'late' } }, 'usr_carol');
    expect(codes(pay.payGroupPaymentShare)).toEqual(['NOT_OPEN']);

    const paid = await make('tea-2');
    await gql(PAY_SHARE, { input: { groupPaymentId: paid, idempotencyKey: 'own' } }, 'usr_bob');
    expect((await gql(CANCEL, { id: paid }, 'usr_bob')).cancelGroupPayment.userErrors).toEqual([
      { code: 'SHARE_ALREADY_PAID' },
    ]);
    expect(count(`select count(*) as n from group_payments where id = ? and status = 'OPEN'`, paid)).toBe(1);
  });
});

describe('IOU deadlines (the injected clock moves, graph.runJobs applies them)', () => {
  const READ = `#graphql
    query($id: ID!) { iou(id: $id) { status outstanding { fen } reminders { kind sentAt } } }`;
  const storedStatus = (id: string) =>
    (
      graph.subgraphs.social.database.sqlite.prepare('select status from ious where id = ?').get(id) as {
        status: string;
      }
    ).status;

  it('reminds before, on and weekly after the due date, and persists OVERDUE; each only once', async () => {
    const start = clock.now().getTime();
    const id = await activeIou(2_000, 'deadline', 10);
    const due = start + 10 * DAY;
    const at = async (ms: number) => {
      clock.set(new Date(due + ms));
      graph.runJobs();
      graph.runJobs(); // a second run at the same time changes nothing
      return (await gql(READ, { id }, 'usr_bob')).iou;
    };
    expect((await at(-4 * DAY)).reminders).toEqual([]);
    expect((await at(-3 * DAY)).reminders.map((r: { kind: string }) => r.kind)).toEqual(['BEFORE_DUE']);
    const onDue = await at(0);
    expect(onDue.status).toBe('ACTIVE');
    expect(onDue.reminders.map((r: { kind: string }) => r.kind)).toEqual(['BEFORE_DUE', 'ON_DUE']);

    // Past due: reads say OVERDUE at once; the job then stores it.
    clock.set(new Date(due + 1));
    expect((await gql(READ, { id }, 'usr_bob')).iou.status).toBe('OVERDUE');
    expect(storedStatus(id)).toBe('ACTIVE');
    const late = await at(DAY);
    expect(storedStatus(id)).toBe('OVERDUE');
    expect(late.reminders.map((r: { kind: string }) => r.kind)).toEqual(['BEFORE_DUE', 'ON_DUE', 'OVERDUE']);
    expect(late.reminders[2].sentAt).toBe(new Date(due + DAY).toISOString());
    expect((await at(5 * DAY)).reminders).toHaveLength(3);
    expect((await at(8 * DAY)).reminders).toHaveLength(4);

    // Still repayable when overdue; repaid in full it stops being reminded.
    const repay = await gql(REPAY, { input: { iouId: id, amountFen: 2_000, idempotencyKey: 'late-pay' } }, 'usr_carol');
    expect(repay.repayIou.iou).toEqual({ status: 'REPAID', repaid: { fen: 2_000 }, outstanding: { fen: 0 } });
    expect((await at(30 * DAY)).reminders).toHaveLength(4);
    expect(storedStatus(id)).toBe('REPAID');
  });
});
