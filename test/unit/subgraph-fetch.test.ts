import { parse } from 'graphql';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { subgraphFetchFromEnv } from '../../gateway/subgraph-fetch/config.ts';
import {
  classifyFailure,
  failureResponse,
  SubgraphFetchFailure,
  SubgraphHttpError,
} from '../../gateway/subgraph-fetch/failure.ts';
import { ANONYMOUS, identityTtlSeconds, signIdentity } from '../../subgraphs/contract/identity.ts';

const DETAILS = { timeoutMs: 500, cooldownMs: 10_000 };
const timedOut = () => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};
const live = () => new AbortController().signal;

describe('the forwarded identity', () => {
  it('outlives the subgraph timeout, and never lives less than a minute', async () => {
    expect(identityTtlSeconds(500)).toBe(60);
    expect(identityTtlSeconds(10_000)).toBe(60);
    expect(identityTtlSeconds(120_000)).toBe(150);
    const token = await signIdentity(ANONYMOUS, 'secret-secret-secret-secret-secret', undefined, 150);
    const { exp, iat } = decodeJwt(token);
    expect((exp as number) - (iat as number)).toBe(150);
  });
});

describe('classifyFailure', () => {
  it('blames the client first, then the timer, and counts only the subgraph’s own faults', () => {
    const clientGone = classifyFailure(new Error('aborted'), { timeout: timedOut(), client: timedOut() });
    expect([clientGone.reason, clientGone.countsAgainstSubgraph]).toEqual(['client_closed', false]);
    const timeout = classifyFailure(new Error('aborted'), { timeout: timedOut(), client: live() });
    expect([timeout.reason, timeout.countsAgainstSubgraph]).toEqual(['timeout', true]);
    const refused = classifyFailure(new TypeError('fetch failed'), { timeout: live() });
    expect([refused.reason, refused.countsAgainstSubgraph]).toEqual(['unavailable', true]);
    const serverError = classifyFailure(new SubgraphHttpError(502), { timeout: live() });
    expect(serverError.reason).toBe('unavailable');
    // A subgraph refusing the gateway's own signature is the gateway's problem: never a 401 for the caller.
    const identityRefused = classifyFailure(
      new SubgraphHttpError(401, { message: 'Invalid or expired x-lifegraph-identity', extensions: {} }),
      { timeout: live() },
    );
    expect([identityRefused.reason, identityRefused.message]).toEqual([
      'unavailable',
      'HTTP 401: Invalid or expired x-lifegraph-identity',
    ]);
    const badRequest = classifyFailure(
      new SubgraphHttpError(400, {
        message: 'Variable "$n" got invalid value',
        extensions: { code: 'BAD_USER_INPUT' },
      }),
      { timeout: live() },
    );
    expect([badRequest.reason, badRequest.countsAgainstSubgraph]).toEqual(['refused', false]);
  });
});

describe('failureResponse', () => {
  it('puts one error at each root field the fetch owned, naming the subgraph and not its address', () => {
    const document = parse('query Op { a: couponTemplate(id: "x") { title } ... on Query { coupon(id: "y") { id } } }');
    const response = failureResponse(new SubgraphFetchFailure('timeout', 'timed out'), 'offers', { document }, DETAILS);
    expect(response).toEqual({
      data: null,
      errors: [
        {
          message: 'The offers service did not answer within 500 ms; the rest of the data is complete. Retry later.',
          path: ['a'],
          extensions: { code: 'SUBGRAPH_TIMEOUT', subgraph: 'offers' },
        },
        expect.objectContaining({ path: ['coupon'] }),
      ],
    });
  });

  it('puts errors at each field asked of each entity, by the entity’s type', () => {
    const document = parse(`query Op($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on LiveStream { sales { fen } }
        ... on Merchant { couponTemplates { totalCount } }
      }
    }`);
    const variables = {
      representations: [
        { __typename: 'LiveStream', id: 'l1' },
        { __typename: 'Merchant', id: 'm1' },
      ],
    };
    const response = failureResponse(
      new SubgraphFetchFailure('unavailable', 'x'),
      'offers',
      { document, variables },
      DETAILS,
    );
    expect(response.errors?.map((e) => e.path)).toEqual([
      ['_entities', 0, 'sales'],
      ['_entities', 1, 'couponTemplates'],
    ]);
    expect(response.errors?.[0]?.message).toBe(
      'The offers service could not be reached; the rest of the data is complete. Retry later.',
    );
  });

  it('tells a client whose mutation timed out to retry with the same idempotencyKey', () => {
    const document = parse(
      'mutation { claimCoupon(input: { templateId: "t", idempotencyKey: "k" }) { coupon { id } } }',
    );
    const [error] =
      failureResponse(new SubgraphFetchFailure('timeout', 't'), 'offers', { document }, DETAILS).errors ?? [];
    expect(error?.message).toBe(
      'The offers service did not answer within 500 ms; it may or may not have applied the mutation: retry it with the same idempotencyKey.',
    );
    const [open] =
      failureResponse(new SubgraphFetchFailure('circuit_open', 'open'), 'offers', { document }, DETAILS).errors ?? [];
    expect(open).toMatchObject({ path: ['claimCoupon'], extensions: { code: 'SUBGRAPH_CIRCUIT_OPEN' } });
    expect(open?.message).toContain('the mutation was not sent');
  });

  it('passes on a subgraph’s refusal with its own message and code', () => {
    const refusal = { message: 'Variable "$n" got invalid value 1.5', extensions: { code: 'BAD_USER_INPUT' } };
    const document = parse('{ couponTemplate(id: "x") { title } }');
    const response = failureResponse(
      new SubgraphFetchFailure('refused', 'HTTP 400', refusal),
      'offers',
      { document },
      DETAILS,
    );
    expect(response.errors).toEqual([
      { ...refusal, path: ['couponTemplate'], extensions: { code: 'BAD_USER_INPUT', subgraph: 'offers' } },
    ]);
  });
});

describe('subgraphFetchFromEnv', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('defaults to a 5 s timeout and refuses a bad value naming the setting', () => {
    delete process.env.LIFEGRAPH_SUBGRAPH_TIMEOUT_MS;
    expect(subgraphFetchFromEnv()).toEqual({ timeoutMs: 5000, breakerFailures: 5, breakerCooldownMs: 10_000 });
    // Only plain digits: Number() would read "1e3" as 1000 and "0x10" as 16.
    for (const bad of ['2s', '1e3', '0x10', '0', '3600001']) {
      process.env.LIFEGRAPH_SUBGRAPH_TIMEOUT_MS = bad;
      expect(() => subgraphFetchFromEnv()).toThrow(
        `LIFEGRAPH_SUBGRAPH_TIMEOUT_MS must be a whole number from 1 to 3600000 (got "${bad}"); unset it to use 5000.`,
      );
    }
    process.env.LIFEGRAPH_SUBGRAPH_TIMEOUT_MS = ' 250 ';
    expect(subgraphFetchFromEnv().timeoutMs).toBe(250);
  });
});
