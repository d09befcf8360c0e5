import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, signIdentity } from '../../subgraphs/contract/identity.ts';
import { TEST_SECRETS, useTestGraph } from '../support/graph.ts';
import { ALICE } from '../support/identities.ts';
import { postToSubgraph, signedIdentityHeader } from '../support/subgraph.ts';

const graph = useTestGraph();

const codes = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.map((e) => e.extensions?.code);

describe('bad input gets a clear error and changes nothing', () => {
  it('unknown ids are null, not errors', async () => {
    const { status, body } = await graph.query(`#graphql
      { merchant(id: "mer_nope") { id } store(id: "sto_nope") { id } lifeAccount(id: "la_nope") { id }
        post(id: "pst_nope") { id } liveStream(id: "lvs_nope") { id } couponTemplate(id: "cpt_nope") { id }
        groupBuyCampaign(id: "gbc_nope") { id } user(id: "usr_nope") { id } }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(Object.values(body.data).every((v) => v === null)).toBe(true);
  });

  it.each([0, 101, -1])('first: %i is BAD_USER_INPUT', async (first) => {
    const { body } = await graph.query(`query($n: Int!) { merchants(first: $n) { edges { node { id } } } }`, {
      variables: { n: first },
    });
    expect(codes(body)).toContain('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/between 1 and 100/);
  });

  it('a cursor that is not from the list is BAD_USER_INPUT', async () => {
    const { body } = await graph.query(`{ merchants(first: 2, after: "garbage") { edges { node { id } } } }`);
    expect(codes(body)).toContain('BAD_USER_INPUT');
  });

  it('a malformed query is HTTP 400 GRAPHQL_PARSE_FAILED', async () => {
    const { status, body } = await graph.query('{ merchant(id: "mer_kfc") { id ');
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('a query against a field that does not exist is HTTP 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const { status, body } = await graph.query('{ merchant(id: "mer_kfc") { nope } }');
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  describe('invalid credentials are HTTP 401 UNAUTHENTICATED with no data', () => {
    const me = '{ me { id } }';
    const expect401 = async (authorization: string) => {
      const { status, body } = await graph.query(me, { headers: { authorization } });
      expect(status).toBe(401);
      expect(codes(body)).toEqual(['UNAUTHENTICATED']);
      expect(body.data).toBeUndefined();
    };
    it('expired token', async () => {
      const token = await new SignJWT({ scope: '' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('usr_alice')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
        .sign(new TextEncoder().encode(TEST_SECRETS.jwtSecret));
      await expect401(`Bearer ${token}`);
    });
    it('tampered token (payload changed after signing)', async () => {
      const [h, p, s] = (await graph.tokenFor('usr_alice')).split('.');
      const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString());
      const forged = Buffer.from(JSON.stringify({ ...payload, sub: 'usr_bob' })).toString('base64url');
      await expect401(`Bearer ${h}.${forged}.${s}`);
    });
    it('token signed with another secret', async () => {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('usr_alice')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('not-the-secret'));
      await expect401(`Bearer ${token}`);
    });
    it('alg: none', async () => {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      await expect401(`Bearer ${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'usr_alice', exp: 9999999999 })}.`);
    });
    it('garbage', async () => {
      await expect401('Bearer not-a-jwt');
      await expect401('Basic dXNlcjpwYXNz');
    });
  });

  describe('subgraphs refuse requests that do not come from the gateway', () => {
    const post = (headers: Record<string, string>) =>
      postToSubgraph(graph.subgraphs.social.url, { query: '{ me { id } }' }, headers);
    it('no signature: 401', async () => {
      const response = await post({});
      expect(response.status).toBe(401);
      expect(
        ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
      ).toBe('UNAUTHENTICATED');
    });
    it('signed with the wrong secret: 401', async () => {
      const token = await signIdentity(ALICE, 'wrong');
      expect((await post({ [IDENTITY_HEADER]: token })).status).toBe(401);
    });
    it('a valid signature is accepted', async () => {
      const response = await post(await signedIdentityHeader(ALICE, TEST_SECRETS.subgraphSecret));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ data: { me: { id: 'usr_alice' } } });
    });
  });

  it('a mutation on a missing post or account is a user error and changes nothing', async () => {
    const before = graph.statementCount();
    const { body } = await graph.query(
      `#graphql
      mutation { likePost(postId: "pst_missing") { post { id } userErrors { code message field } }
        followLifeAccount(accountId: "la_missing") { lifeAccount { id } userErrors { code message } }
        commentOnPost(postId: "pst_missing", body: "hi") { comment { id } userErrors { code } } }`,
      { as: 'usr_alice' },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.likePost).toMatchObject({ post: null, userErrors: [{ code: 'NOT_FOUND' }] });
    expect(body.data.followLifeAccount).toMatchObject({ lifeAccount: null, userErrors: [{ code: 'NOT_FOUND' }] });
    expect(body.data.commentOnPost).toMatchObject({ comment: null, userErrors: [{ code: 'NOT_FOUND' }] });
    expect(graph.statementCount()).toBeGreaterThan(before);
    const content = graph.subgraphs.content.database.sqlite;
    const count = (table: string) =>
      (content.prepare(`select count(*) as n from ${table} where post_id = 'pst_missing'`).get() as { n: number }).n;
    expect(count('post_likes') + count('comments')).toBe(0);
  });
});
