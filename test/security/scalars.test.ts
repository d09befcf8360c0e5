import { composeServices } from '@apollo/composition';
import { buildSchema, type OperationDefinitionNode, parse } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../gateway/auth/authenticate.ts';
import { createUserTokenVerifier } from '../../gateway/auth/user-token.ts';
import { assertScalarsCheckable, findBadLiteral, findBadVariable } from '../../gateway/plugins/scalars.ts';
import { startGateway } from '../../gateway/server.ts';
import { type As, TEST_SECRETS, useTestGraph } from '../support/graph.ts';
import { KFC_CONTENT_STAFF, KFC_OFFERS_STAFF } from '../support/identities.ts';

// A hostile or careless client sends values the custom scalars refuse. The gateway must refuse them itself,
// HTTP 400 BAD_USER_INPUT naming the variable or argument, before any subgraph runs a statement; good values
// must still reach the subgraphs as the client sent them.

const graph = useTestGraph();

const DAY = 24 * 60 * 60 * 1000;
// KFC_OFFERS_STAFF and KFC_CONTENT_STAFF hold every scope the mutations need, so only the scalar check can refuse.

const BAD_SAFE_INTS: unknown[] = [1.5, 2 ** 60, '300', true];
const BAD_DATE_TIMES: unknown[] = ['2027-02-30', 'not a date', 1.5, true];

/** Sends an operation and asserts the refusal a client depends on: 400, BAD_USER_INPUT, nothing run. */
async function expectRefused(
  query: string,
  options: { variables?: Record<string, unknown>; as: As },
  names: RegExp,
): Promise<string> {
  const before = graph.statementCount();
  const { status, body } = await graph.query(query, options);
  expect(status).toBe(400);
  expect(body.data).toBeUndefined();
  expect(body.errors).toHaveLength(1);
  const [error] = body.errors ?? [];
  expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error?.message).toMatch(names);
  expect(error?.extensions?.stacktrace).toBeUndefined();
  expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|localhost|\/work\//);
  expect(graph.statementCount()).toBe(before);
  return error?.message ?? '';
}

describe('SafeInt (redeemCoupon.orderAmountFen)', () => {
  const scalarVariable = `#graphql
    mutation($amount: SafeInt!) { redeemCoupon(input: { couponId: "cpn_000001", storeId: "sto_kfc_hz_1",
      orderAmountFen: $amount, idempotencyKey: "scalar-var" }) { userErrors { code } } }`;
  const inputVariable = `#graphql
    mutation($input: RedeemCouponInput!) { redeemCoupon(input: $input) { userErrors { code } } }`;
  const literal = (value: unknown) => `#graphql
    mutation { redeemCoupon(input: { couponId: "cpn_000001", storeId: "sto_kfc_hz_1",
      orderAmountFen: ${JSON.stringify(value)}, idempotencyKey: "scalar-literal" }) { userErrors { code } } }`;

  it.each(BAD_SAFE_INTS)('%j as a SafeInt variable', async (value) => {
    const message = await expectRefused(
      scalarVariable,
      { variables: { amount: value }, as: KFC_OFFERS_STAFF },
      /"\$amount"/,
    );
    expect(message).toMatch(/not a valid SafeInt; send a whole number/);
  });

  it.each(BAD_SAFE_INTS)('%j inside an input-object variable', async (value) => {
    const input = { couponId: 'cpn_000001', storeId: 'sto_kfc_hz_1', orderAmountFen: value, idempotencyKey: 'k' };
    await expectRefused(
      inputVariable,
      { variables: { input }, as: KFC_OFFERS_STAFF },
      /"\$input".*"input\.orderAmountFen"/,
    );
  });

  it.each(BAD_SAFE_INTS)('%j as a literal', async (value) => {
    await expectRefused(
      literal(value),
      { as: KFC_OFFERS_STAFF },
      /Argument "input" of field "redeemCoupon".*"input\.orderAmountFen"/,
    );
  });

  it('a bad literal inside a fragment, and a bad variable default, are refused too', async () => {
    await expectRefused(
      `#graphql
      mutation { ...Redeem } fragment Redeem on Mutation { redeemCoupon(input: { couponId: "cpn_000001",
        storeId: "sto_kfc_hz_1", orderAmountFen: 1.5, idempotencyKey: "frag" }) { userErrors { code } } }`,
      { as: KFC_OFFERS_STAFF },
      /"input\.orderAmountFen"/,
    );
    await expectRefused(
      scalarVariable.replace('$amount: SafeInt!', '$amount: SafeInt! = 1.5'),
      { as: KFC_OFFERS_STAFF },
      /default value of variable "\$amount"/,
    );
  });
});

describe('DateTime (scheduleLiveStream.scheduledAt, createIou.dueDate)', () => {
  const SCHEDULE = `#graphql
    mutation($at: DateTime!) { scheduleLiveStream(input: { accountId: "la_kfc", title: "Scalar checks",
      scheduledAt: $at }) { liveStream { id scheduledAt } userErrors { code } } }`;
  const CREATE_IOU = `#graphql
    mutation($input: CreateIouInput!) { createIou(input: $input) { iou { id dueDate principal { fen } } userErrors { code } } }`;

  it.each(BAD_DATE_TIMES)('%j as a DateTime variable', async (value) => {
    const message = await expectRefused(SCHEDULE, { variables: { at: value }, as: KFC_CONTENT_STAFF }, /"\$at"/);
    expect(message).toMatch(/not a valid DateTime; send an RFC 3339 date-time/);
  });

  it.each(BAD_DATE_TIMES)('%j as a DateTime literal', async (value) => {
    await expectRefused(
      SCHEDULE.replace('($at: DateTime!)', '').replace('$at', JSON.stringify(value)),
      { as: KFC_CONTENT_STAFF },
      /Argument "input" of field "scheduleLiveStream".*"input\.scheduledAt"/,
    );
  });

  it('a bad DateTime next to a good SafeInt in one input object is refused', async () => {
    const input = { lenderId: 'usr_bob', principalFen: 1000, dueDate: '2027-02-30', idempotencyKey: 'iou-bad-date' };
    await expectRefused(CREATE_IOU, { variables: { input }, as: 'usr_carol' }, /"\$input".*"input\.dueDate"/);
  });

  it('good values still reach the subgraphs as the client sent them', async () => {
    // An offset the subgraph must interpret itself: it stores and returns the same instant in UTC.
    const at = new Date(Math.floor((Date.now() + 3 * DAY) / 1000) * 1000);
    const offset = `${new Date(at.getTime() + 8 * 60 * 60 * 1000).toISOString().slice(0, 19)}+08:00`;
    const scheduled = await graph.query(SCHEDULE, { variables: { at: offset }, as: KFC_CONTENT_STAFF });
    expect(scheduled.body.errors).toBeUndefined();
    expect(scheduled.body.data.scheduleLiveStream).toMatchObject({
      liveStream: { scheduledAt: at.toISOString() },
      userErrors: [],
    });

    const dueDate = new Date(Date.now() + 30 * DAY).toISOString();
    const literalIou = `#graphql
      mutation { createIou(input: { lenderId: "usr_bob", principalFen: 4321, dueDate: "${dueDate}",
        idempotencyKey: "iou-literal" }) { iou { dueDate principal { fen } } userErrors { code } } }`;
    const created = await graph.query(literalIou, { as: 'usr_carol' });
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data.createIou).toMatchObject({ iou: { dueDate, principal: { fen: 4321 } }, userErrors: [] });
  });
});

describe('variables named like Object.prototype members', () => {
  it('an optional SafeInt variable named $constructor, $toString or $__proto__, not sent, is no value, not a bad one', async () => {
    const window = {
      start: new Date(Date.now() + DAY).toISOString(),
      end: new Date(Date.now() + 7 * DAY).toISOString(),
    };
    for (const name of ['constructor', 'toString', '__proto__']) {
      const { status, body } = await graph.query(
        `mutation($${name}: SafeInt) { createCouponTemplate(input: { merchantId: "mer_kfc", title: "Proto ${name}",
          kind: FIXED_AMOUNT, faceValueFen: 500, capFen: $${name}, totalStock: 5, validDays: 3,
          claimStartsAt: "${window.start}", claimEndsAt: "${window.end}" }) { couponTemplate { title } userErrors { code } } }`,
        { variables: {}, as: KFC_OFFERS_STAFF },
      );
      expect(body.errors).toBeUndefined();
      expect(status).toBe(200);
      expect(body.data.createCouponTemplate).toEqual({ couponTemplate: { title: `Proto ${name}` }, userErrors: [] });
    }
  });

  it('the variable check looks at the variables sent, not at what every object inherits', () => {
    const schema = buildSchema('scalar SafeInt type Query { a(n: SafeInt): Int }');
    const document = parse(
      'query($constructor: SafeInt, $toString: SafeInt, $__proto__: SafeInt) { a(n: $constructor) }',
    );
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(findBadVariable(schema, operation, {})).toBeNull();
    expect(findBadVariable(schema, operation, { toString: 1.5 })?.message).toMatch(
      /Variable "\$toString" got invalid value 1\.5/,
    );
  });
});

describe('the checks themselves', () => {
  const schema = buildSchema(`
    scalar SafeInt
    scalar DateTime
    input Line { amounts: [SafeInt!], at: DateTime, lines: [Line!] }
    type Query { total(lines: [Line!]!, matrix: [[SafeInt]]): Int }
  `);
  const operation = (source: string) => {
    const definition = parse(source).definitions[0];
    if (definition?.kind !== 'OperationDefinition') throw new Error('not an operation');
    return definition;
  };

  it('walks lists and nested input objects of variables, naming the path', () => {
    const op = operation('query($lines: [Line!]!) { total(lines: $lines) }');
    const refused = (lines: unknown) => findBadVariable(schema, op, { lines })?.message;
    expect(refused([{ amounts: [1, 2] }, { lines: [{ at: '2027-01-01T00:00:00Z', amounts: [3] }] }])).toBeUndefined();
    expect(refused([{ amounts: [1] }, { amounts: [2, 2.5] }])).toMatch(
      /"\$lines" got invalid value 2\.5 at "lines\[1\]\.amounts\[1\]"/,
    );
    expect(refused([{ lines: [{ at: '2027-13-01T00:00:00Z' }] }])).toMatch(/at "lines\[0\]\.lines\[0\]\.at"/);
    // A single value where a list is expected counts as a one-item list, as GraphQL coerces it.
    expect(refused({ amounts: 1.5 })).toMatch(/at "lines\.amounts"/);
  });

  it('walks list literals, and a single literal standing for a list', () => {
    const refused = (source: string) => findBadLiteral(schema, parse(source))?.message;
    expect(refused('{ total(lines: [{ amounts: [1, 2] }], matrix: [[1], [2, 3]]) }')).toBeUndefined();
    expect(refused('{ total(lines: [], matrix: [[1], [2, 1.5]]) }')).toMatch(/Argument "matrix".*1\.5/);
    expect(refused('{ total(lines: { amounts: 7.5 }) }')).toMatch(/7\.5 at "lines\.amounts"/);
  });

  it('quotes at most a short excerpt of a refused value', () => {
    const op = operation('query($lines: [Line!]!) { total(lines: $lines) }');
    const message = findBadVariable(schema, op, { lines: [{ at: 'x'.repeat(100_000) }] })?.message ?? '';
    expect(message.length).toBeLessThan(400);
  });

  it('refuses to serve a schema with a custom scalar it cannot check', async () => {
    expect(() => assertScalarsCheckable(schema)).not.toThrow();
    const { supergraphSdl, errors } = composeServices([
      {
        name: 'wallet',
        url: 'http://127.0.0.1:9/graphql',
        typeDefs: parse('scalar Money type Query { m(at: Money): Int }'),
      },
    ]);
    expect(errors).toBeUndefined();
    const starting = startGateway(
      {
        supergraphSdl: supergraphSdl as string,
        subgraphSecret: TEST_SECRETS.subgraphSecret,
        authenticate: createAuthenticator(createUserTokenVerifier({ secret: TEST_SECRETS.jwtSecret })),
        logger: pino({ level: 'silent' }),
      },
      0,
    );
    await expect(starting).rejects.toThrow(
      /custom scalars the gateway cannot check: Money\. Add each to CUSTOM_SCALARS/,
    );
  });
});
