import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { createTestClock, denials, joinedCircleAt, useTestGraph, withKey } from '../support/graph.ts';
import { staff } from '../support/identities.ts';

/**
 * joinConsumptionCircle through the real gateway (issue #4, merchants part): the 30-day rule against the injected
 * clock, repeats and races that never move the first joining time, and partner keys and staff of another merchant.
 */
const DAY = 86_400_000;
const clock = createTestClock(SEED_EPOCH);
let keys: ApiKeyStore;
const graph = useTestGraph({ clock });
beforeAll(() => {
  keys = new ApiKeyStore(graph.dataDir);
});
afterAll(() => {
  keys?.close();
});

const JOIN = /* GraphQL */ `#graphql
  mutation Join($id: ID!) { joinConsumptionCircle(merchantId: $id) {
    merchant { id inConsumptionCircle joinedConsumptionCircleAt consumptionCircleEligible }
    userErrors { code message field } } }
`;
const staffOf = (...merchants: string[]) => staff('usr_0001', ['merchant:offers'], merchants);
const joinedAt = (id: string) => joinedCircleAt(graph, id);

describe('the 30-day rule follows the injected clock', () => {
  it('Ele.me is NOT_ELIGIBLE until 30 days after its mini program went online, then joins at that time', async () => {
    const early = await graph.query(JOIN, { variables: { id: 'mer_eleme' }, as: staffOf('mer_eleme') });
    expect(early.status).toBe(200);
    expect(early.body.errors).toBeUndefined();
    const eligibleOn = new Date(SEED_EPOCH.getTime() + 25 * DAY).toISOString();
    expect(early.body.data.joinConsumptionCircle).toMatchObject({
      merchant: { id: 'mer_eleme', inConsumptionCircle: false, consumptionCircleEligible: false },
      userErrors: [{ code: 'NOT_ELIGIBLE', field: ['merchantId'], message: expect.stringContaining(eligibleOn) }],
    });
    expect(joinedAt('mer_eleme')).toBeNull();

    clock.advance(25 * DAY);
    const onTime = await graph.query(JOIN, { variables: { id: 'mer_eleme' }, as: staffOf('mer_eleme') });
    expect(onTime.body.errors).toBeUndefined();
    expect(onTime.body.data.joinConsumptionCircle).toEqual({
      merchant: {
        id: 'mer_eleme',
        inConsumptionCircle: true,
        joinedConsumptionCircleAt: eligibleOn,
        consumptionCircleEligible: true,
      },
      userErrors: [],
    });
    expect(joinedAt('mer_eleme')).toBe(Date.parse(eligibleOn));
  });
});

describe('repeats and races', () => {
  it('20 concurrent joins for one merchant: exactly one succeeds, 19 ALREADY_MEMBER, one joining time, no 5xx', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        graph.query(JOIN, { variables: { id: 'mer_luckin' }, as: staffOf('mer_luckin') }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(responses.every((r) => r.body.errors === undefined)).toBe(true);
    const codes = responses.map((r) => r.body.data.joinConsumptionCircle.userErrors[0]?.code ?? 'JOINED');
    expect(codes.filter((c) => c === 'JOINED')).toHaveLength(1);
    expect(codes.filter((c) => c === 'ALREADY_MEMBER')).toHaveLength(19);
    const times = new Set(responses.map((r) => r.body.data.joinConsumptionCircle.merchant.joinedConsumptionCircleAt));
    expect([...times]).toEqual([clock.now().toISOString()]);
    expect(joinedAt('mer_luckin')).toBe(clock.now().getTime());
  });

  it('a retry a day later is ALREADY_MEMBER and keeps the first joining time', async () => {
    const first = joinedAt('mer_luckin');
    clock.advance(DAY);
    const retry = await graph.query(JOIN, { variables: { id: 'mer_luckin' }, as: staffOf('mer_luckin') });
    expect(retry.body.data.joinConsumptionCircle.userErrors.map((e: { code: string }) => e.code)).toEqual([
      'ALREADY_MEMBER',
    ]);
    expect(joinedAt('mer_luckin')).toBe(first);
  });
});

describe('who may join', () => {
  it('staff of another merchant (usr_0001 with merchant:offers for mer_newhope) cannot join mer_burgerking', async () => {
    const { status, body } = await graph.query(JOIN, {
      variables: { id: 'mer_burgerking' },
      as: staffOf('mer_newhope'),
    });
    expect(status).toBe(200);
    expect(body.data).toEqual({ joinConsumptionCircle: null });
    expect(denials(body)).toEqual([['FORBIDDEN', ['joinConsumptionCircle']]]);
    expect(joinedAt('mer_burgerking')).toBeNull();
  });

  it('a partner key: refused without the scope or the merchant on its allow-list, admitted with both', async () => {
    const key = (scopes: string[], merchants: string[]) =>
      keys.create({ name: `test ${scopes}/${merchants}`, scopes, merchants, expiresAt: null }).key;
    const asKey = (apiKey: string) => graph.query(JOIN, { variables: { id: 'mer_muji' }, ...withKey(apiKey) });

    const noScope = await asKey(key(['merchant:content'], ['mer_muji']));
    expect(noScope.status).toBe(200);
    expect(noScope.body.data).toEqual({ joinConsumptionCircle: null });
    expect(denials(noScope.body)).toEqual([['FORBIDDEN', ['joinConsumptionCircle']]]);
    const notListed = await asKey(key(['merchant:offers'], ['mer_newhope']));
    expect(notListed.body.data).toEqual({ joinConsumptionCircle: null });
    expect(denials(notListed.body)).toEqual([['FORBIDDEN', ['joinConsumptionCircle']]]);
    expect(joinedAt('mer_muji')).toBeNull();

    const allowed = await asKey(key(['merchant:offers'], ['mer_newhope', 'mer_muji']));
    expect(allowed.body.errors).toBeUndefined();
    expect(allowed.body.data.joinConsumptionCircle).toMatchObject({
      merchant: { id: 'mer_muji', inConsumptionCircle: true },
      userErrors: [],
    });
    expect(joinedAt('mer_muji')).toBe(clock.now().getTime());
  });
});
