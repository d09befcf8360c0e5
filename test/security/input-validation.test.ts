import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { latestAllowedDate, MAX_HORIZON_DAYS } from '../../subgraphs/shared/horizon.ts';
import { createTestClock, useTestGraph } from '../support/graph.ts';
import { KFC_CONTENT_STAFF, KFC_OFFERS_STAFF, KFC_STAFF } from '../support/identities.ts';

/**
 * Inputs are validated where they enter (issue 7, part 12), through the real gateway: control and bidi-override
 * characters in every user-visible text, dates beyond the horizon, a store that does not exist, a malformed
 * live stream id. Each is a user error naming the field, and nothing is written.
 */
const DAY = 86_400_000;
const NOW = new Date(SEED_EPOCH.getTime() + DAY);
/** KFC staff at the till: redeems coupons (offers) and settles the money (finance). */
const REDEEM = `#graphql
  mutation ($input: RedeemCouponInput!) { redeemCoupon(input: $input) { coupon { id status } userErrors { code field message } } }`;
const IN_A_WEEK = new Date(NOW.getTime() + 7 * DAY).toISOString();
const BEYOND_HORIZON = new Date(NOW.getTime() + (MAX_HORIZON_DAYS + 1) * DAY).toISOString();
const AT_HORIZON = latestAllowedDate(NOW).toISOString();

const clock = createTestClock(NOW);
const graph = useTestGraph({ clock });

/** Rows of every table a refused input could have written, across the subgraphs. */
function rowCounts() {
  const count = (name: 'content' | 'offers' | 'social', table: string) =>
    (graph.subgraphs[name].database.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  return {
    posts: count('content', 'posts'),
    comments: count('content', 'comments'),
    streams: count('content', 'live_streams'),
    templates: count('offers', 'coupon_templates'),
    campaigns: count('offers', 'group_buy_campaigns'),
    coupons: count('offers', 'coupons'),
    ious: count('social', 'ious'),
    payments: count('social', 'group_payments'),
  };
}

const MUTATIONS = {
  comment: `#graphql
    mutation ($body: String!) { commentOnPost(postId: "pst_kfc_1", body: $body) { comment { id } userErrors { code field message } } }`,
  publish: `#graphql
    mutation ($input: PublishPostInput!) { publishPost(input: $input) { post { id } userErrors { code field message } } }`,
  schedule: `#graphql
    mutation ($input: ScheduleLiveStreamInput!) { scheduleLiveStream(input: $input) { liveStream { id } userErrors { code field message } } }`,
  template: `#graphql
    mutation ($input: CreateCouponTemplateInput!) { createCouponTemplate(input: $input) { couponTemplate { id } userErrors { code field message } } }`,
  campaign: `#graphql
    mutation ($input: CreateGroupBuyCampaignInput!) { createGroupBuyCampaign(input: $input) { groupBuyCampaign { id } userErrors { code field message } } }`,
  split: `#graphql
    mutation ($input: CreateGroupPaymentInput!) { createGroupPayment(input: $input) { groupPayment { id } userErrors { code field message } } }`,
  iou: `#graphql
    mutation ($input: CreateIouInput!) { createIou(input: $input) { iou { id } userErrors { code field message } } }`,
  claim: `#graphql
    mutation ($input: ClaimCouponInput!) { claimCoupon(input: $input) { coupon { id } userErrors { code field message } } }`,
};

const post = (over: Record<string, unknown> = {}) => ({
  accountId: 'la_kfc',
  kind: 'IMAGE_TEXT',
  title: 'New menu',
  body: 'Try it today.',
  media: [],
  ...over,
});
const stream = (over: Record<string, unknown> = {}) => ({
  accountId: 'la_kfc',
  title: 'Live',
  scheduledAt: IN_A_WEEK,
  ...over,
});
const template = (over: Record<string, unknown> = {}) => ({
  merchantId: 'mer_kfc',
  title: 'Deal',
  kind: 'FIXED_AMOUNT',
  faceValueFen: 500,
  totalStock: 5,
  validDays: 3,
  claimStartsAt: NOW.toISOString(),
  claimEndsAt: IN_A_WEEK,
  ...over,
});
const campaign = (over: Record<string, unknown> = {}) => ({
  merchantId: 'mer_kfc',
  title: 'Deal',
  groupSize: 2,
  groupPriceFen: 100,
  originalPriceFen: 200,
  fillWithinMinutes: 30,
  startsAt: NOW.toISOString(),
  endsAt: IN_A_WEEK,
  ...over,
});
let keys = 0;
const key = () => `k-${++keys}`;
const split = (over: Record<string, unknown> = {}) => ({
  title: 'Dinner',
  totalFen: 300,
  participantIds: ['usr_alice'],
  idempotencyKey: key(),
  ...over,
});
const iou = (over: Record<string, unknown> = {}) => ({
  lenderId: 'usr_bob',
  principalFen: 100,
  dueDate: IN_A_WEEK,
  idempotencyKey: key(),
  ...over,
});

type Case = [label: string, mutation: keyof typeof MUTATIONS, as: unknown, variables: () => Record<string, unknown>];
/** One request per user-visible text field, with `text` in that field. */
const textCases = (text: string): Case[] => [
  ['comment body', 'comment', 'usr_alice', () => ({ body: `Nice${text}` })],
  ['post title', 'publish', KFC_CONTENT_STAFF, () => ({ input: post({ title: `Menu${text}` }) })],
  ['post body', 'publish', KFC_CONTENT_STAFF, () => ({ input: post({ body: `Body${text}` }) })],
  ['stream title', 'schedule', KFC_CONTENT_STAFF, () => ({ input: stream({ title: `Live${text}` }) })],
  ['coupon title', 'template', KFC_OFFERS_STAFF, () => ({ input: template({ title: `Deal${text}` }) })],
  ['campaign title', 'campaign', KFC_OFFERS_STAFF, () => ({ input: campaign({ title: `Deal${text}` }) })],
  ['group payment title', 'split', 'usr_bob', () => ({ input: split({ title: `Dinner${text}` }) })],
];
/** One request per title field, with `title` as the whole title. */
const titleCases = (title: string): Case[] =>
  textCases('')
    .filter(([label]) => label.endsWith('title'))
    .map(([label, mutation, as, variables]) => [
      label,
      mutation,
      as,
      () => ({ input: { ...(variables() as { input: Record<string, unknown> }).input, title } }),
    ]);
const FIELD: Record<string, string[]> = {
  'comment body': ['body'],
  'post body': ['input', 'body'],
};
const fieldOf = (label: string) => FIELD[label] ?? ['input', 'title'];

async function send([, mutation, as, variables]: Case) {
  const { status, body } = await graph.query(MUTATIONS[mutation], { as: as as never, variables: variables() });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return Object.values(body.data)[0] as { userErrors: { code: string; field: string[]; message: string }[] };
}

describe('user-visible text', () => {
  it.each([
    ['U+202E (right-to-left override)', '\u202Egnp.exe', 'U+202E'],
    ['U+2066 (left-to-right isolate)', '\u2066x', 'U+2066'],
    ['U+0007 (bell)', '\u0007', 'U+0007'],
    ['U+0000 (NUL)', '\u0000', 'U+0000'],
    ['U+009B (C1 control)', '\u009B', 'U+009B'],
    ['U+200B (zero-width space)', '\u200B', 'U+200B'],
    ['U+E0041 (tag character)', '\u{E0041}', 'U+E0041'],
    ['U+206A (deprecated format control)', '\u206A', 'U+206A'],
  ])('refuses %s in every text field with INVALID_INPUT naming the field and the character', async (_, text, name) => {
    const before = rowCounts();
    for (const c of textCases(text)) {
      const payload = await send(c);
      expect(payload.userErrors, c[0]).toEqual([
        { code: 'INVALID_INPUT', field: fieldOf(c[0]), message: expect.stringContaining(name) },
      ]);
    }
    expect(rowCounts()).toEqual(before);
  });

  it('refuses a line break in a one-line title but keeps line breaks and tabs in bodies', async () => {
    const title = await send(textCases('\nSecond line')[1] as Case);
    expect(title.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['input', 'title'], message: expect.stringContaining('U+000A') },
    ]);
    const comment = await send(['comment body', 'comment', 'usr_alice', () => ({ body: 'Line one\r\n\tLine two' })]);
    expect(comment.userErrors).toEqual([]);
    const body = await send(textCases('\nSecond paragraph\twith a tab')[2] as Case);
    expect(body.userErrors).toEqual([]);
  });

  it('refuses U+2028 and U+2029 in every one-line title, and keeps them in bodies', async () => {
    const before = rowCounts();
    for (const separator of ['\u2028', '\u2029']) {
      for (const c of textCases(`${separator}Second line`).filter(([label]) => label.endsWith('title'))) {
        expect((await send(c)).userErrors, c[0]).toEqual([
          { code: 'INVALID_INPUT', field: ['input', 'title'], message: expect.stringMatching(/one line.*U\+202[89]/) },
        ]);
      }
    }
    expect(rowCounts()).toEqual(before);
    const body = await send(textCases('\u2028Second line\u2029Next paragraph')[2] as Case);
    expect(body.userErrors).toEqual([]);
  });

  it('refuses a title that shows nothing (Hangul filler, blank braille) in every title field', async () => {
    const before = rowCounts();
    for (const [blank, name] of [
      ['\u3164', 'U+3164'],
      ['\u2800\u2800', 'U+2800'],
    ] as const) {
      for (const c of titleCases(blank)) {
        expect((await send(c)).userErrors, c[0]).toEqual([
          {
            code: 'INVALID_INPUT',
            field: ['input', 'title'],
            message: `title has no visible character (it starts with ${name}, which displays as blank): write some text.`,
          },
        ]);
      }
    }
    expect(rowCounts()).toEqual(before);
  });

  it('counts title lengths in characters as users see them (code points) in every title field', async () => {
    // 🍗 is two UTF-16 units: 100 of them are 200 units but 100 characters.
    for (const c of titleCases('🍗'.repeat(100))) expect((await send(c)).userErrors, c[0]).toEqual([]);
    const before = rowCounts();
    for (const c of titleCases('🍗'.repeat(101))) {
      expect((await send(c)).userErrors, c[0]).toEqual([
        { code: 'INVALID_INPUT', field: ['input', 'title'], message: expect.stringMatching(/1 to 100 characters/) },
      ]);
    }
    expect(rowCounts()).toEqual(before);
  });

  it('refuses a media URL with a bidi override or control character', async () => {
    const before = rowCounts();
    for (const url of [
      'https://cdn.example.com/\u202Egpj.exe',
      'https://cdn.example.com/a\u0000.jpg',
      'https://cdn.example.com/a\u200B.jpg',
    ]) {
      const payload = await send(['media', 'publish', KFC_CONTENT_STAFF, () => ({ input: post({ media: [url] }) })]);
      expect(payload.userErrors, url).toEqual([
        {
          code: 'INVALID_INPUT',
          field: ['input', 'media'],
          message: expect.stringContaining('without control, invisible or bidi'),
        },
      ]);
    }
    expect(rowCounts()).toEqual(before);
  });

  it('refuses a media URL longer than 2048 characters, and takes one of exactly 2048', async () => {
    const url = (length: number) => `https://cdn.example.com/${'a'.repeat(length - 'https://cdn.example.com/'.length)}`;
    const before = rowCounts();
    const long = await send(['media', 'publish', KFC_CONTENT_STAFF, () => ({ input: post({ media: [url(2049)] }) })]);
    expect(long.userErrors).toEqual([
      {
        code: 'INVALID_INPUT',
        field: ['input', 'media'],
        message: 'Every media URL must be at most 2048 characters.',
      },
    ]);
    expect(rowCounts()).toEqual(before);
    const fits = await send(['media', 'publish', KFC_CONTENT_STAFF, () => ({ input: post({ media: [url(2048)] }) })]);
    expect(fits.userErrors).toEqual([]);
  });

  it('refuses an attached or featured id of more than 100 characters after its prefix, without echoing it', async () => {
    const id = (length: number) => `cpt_${'x'.repeat(length)}`;
    const before = rowCounts();
    const attach = await send([
      'attachments',
      'publish',
      KFC_CONTENT_STAFF,
      () => ({ input: post({ attachments: [{ kind: 'COUPON_TEMPLATE', id: id(101) }] }) }),
    ]);
    const feature = await send([
      'featuredOffers',
      'schedule',
      KFC_CONTENT_STAFF,
      () => ({ input: stream({ featuredOffers: [{ kind: 'COUPON_TEMPLATE', id: id(101) }] }) }),
    ]);
    for (const [payload, field] of [
      [attach, 'attachments'],
      [feature, 'featuredOffers'],
    ] as const) {
      expect(payload.userErrors, field).toEqual([
        {
          code: 'INVALID_INPUT',
          field: ['input', field, '0', 'id'],
          message: 'A COUPON_TEMPLATE id has at most 100 characters after "cpt_".',
        },
      ]);
    }
    expect(rowCounts()).toEqual(before);
    const odd = await send([
      'attachments',
      'publish',
      KFC_CONTENT_STAFF,
      () => ({ input: post({ attachments: [{ kind: 'COUPON_TEMPLATE', id: 'cpt_a\u202Eb' }] }) }),
    ]);
    expect(odd.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'attachments', '0', 'id'] }),
    ]);
    const fits = await send([
      'attachments',
      'publish',
      KFC_CONTENT_STAFF,
      () => ({ input: post({ attachments: [{ kind: 'COUPON_TEMPLATE', id: id(100) }] }) }),
    ]);
    expect(fits.userErrors).toEqual([]);
  });

  it('accepts Chinese text and emoji', async () => {
    for (const c of textCases(' 肯德基 🍗')) expect((await send(c)).userErrors, c[0]).toEqual([]);
  });
});

describe('client-given dates', () => {
  const horizonCases = (date: string): Case[] => [
    ['IOU dueDate', 'iou', 'usr_carol', () => ({ input: iou({ dueDate: date }) })],
    ['claimEndsAt', 'template', KFC_OFFERS_STAFF, () => ({ input: template({ claimEndsAt: date }) })],
    ['endsAt', 'campaign', KFC_OFFERS_STAFF, () => ({ input: campaign({ endsAt: date }) })],
    ['scheduledAt', 'schedule', KFC_CONTENT_STAFF, () => ({ input: stream({ scheduledAt: date }) })],
  ];
  const fields: Record<string, string> = { 'IOU dueDate': 'dueDate' };

  it('refuses a date one day beyond the horizon, saying the latest allowed date', async () => {
    const before = rowCounts();
    for (const c of horizonCases(BEYOND_HORIZON)) {
      expect((await send(c)).userErrors, c[0]).toEqual([
        {
          code: 'INVALID_INPUT',
          field: ['input', fields[c[0]] ?? c[0]],
          message: expect.stringMatching(/at most 5 years ahead \(no later than \d{4}-/),
        },
      ]);
    }
    expect(rowCounts()).toEqual(before);
  });

  it('accepts a date exactly at the horizon', async () => {
    for (const c of horizonCases(AT_HORIZON)) {
      // A claim window ending at the horizon leaves no day for its coupons to be valid (see validDays below).
      if (c[0] === 'claimEndsAt') continue;
      expect((await send(c)).userErrors, c[0]).toEqual([]);
    }
    const lastClaimDay = new Date(new Date(AT_HORIZON).getTime() - DAY).toISOString();
    const template1Day = await send([
      'claimEndsAt',
      'template',
      KFC_OFFERS_STAFF,
      () => ({ input: template({ claimEndsAt: lastClaimDay, validDays: 1 }) }),
    ]);
    expect(template1Day.userErrors).toEqual([]);
    const atHorizon = await send(horizonCases(AT_HORIZON)[1] as Case);
    expect(atHorizon.userErrors).toEqual([
      expect.objectContaining({
        field: ['input', 'validDays'],
        message: expect.stringContaining('end the claim window at least a day before then.'),
      }),
    ]);
  });

  it('bounds a coupon template validDays, and the last expiry it allows, by the same horizon', async () => {
    const over = await send([
      'validDays',
      'template',
      KFC_OFFERS_STAFF,
      () => ({ input: template({ validDays: MAX_HORIZON_DAYS + 1 }) }),
    ]);
    expect(over.userErrors).toEqual([
      {
        code: 'INVALID_INPUT',
        field: ['input', 'validDays'],
        message: `validDays must be a whole number from 1 to ${MAX_HORIZON_DAYS}.`,
      },
    ]);
    // The claim window ends in a week, so the last coupon claimed expires validDays after that: at most
    // MAX_HORIZON_DAYS - 7 days keep its expiry within the horizon.
    const before = rowCounts();
    const pastHorizon = await send([
      'validDays',
      'template',
      KFC_OFFERS_STAFF,
      () => ({ input: template({ validDays: MAX_HORIZON_DAYS - 6 }) }),
    ]);
    expect(pastHorizon.userErrors).toEqual([
      {
        code: 'INVALID_INPUT',
        field: ['input', 'validDays'],
        message:
          'validDays is too long for this claim window: a coupon claimed at claimEndsAt would expire at ' +
          `${new Date(NOW.getTime() + (MAX_HORIZON_DAYS + 1) * DAY).toISOString()}, but coupons must expire within ` +
          `5 years (by ${AT_HORIZON}); give at most ${MAX_HORIZON_DAYS - 7} days or end the claim window earlier.`,
      },
    ]);
    expect(rowCounts()).toEqual(before);
    const atMax = await send([
      'validDays',
      'template',
      KFC_OFFERS_STAFF,
      () => ({ input: template({ validDays: MAX_HORIZON_DAYS - 7 }) }),
    ]);
    expect(atMax.userErrors).toEqual([]);
  });

  it('still refuses a due date in the past', async () => {
    const past = new Date(NOW.getTime() - DAY).toISOString();
    expect((await send(horizonCases(past)[0] as Case)).userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['input', 'dueDate'], message: 'dueDate must be in the future.' },
    ]);
  });
});

describe('createGroupPayment storeId', () => {
  it('refuses a store that does not exist (a well-formed sto_ id included) and writes nothing', async () => {
    const before = rowCounts();
    for (const storeId of ['sto_nowhere', 'sto_kfc_hz_999', 'not-a-store']) {
      const payload = await send(['split', 'split', 'usr_bob', () => ({ input: split({ storeId }) })]);
      expect(payload.userErrors).toEqual([
        { code: 'NOT_FOUND', field: ['input', 'storeId'], message: expect.stringContaining(storeId) },
      ]);
    }
    expect(rowCounts()).toEqual(before);
  });

  it('accepts a real store, and no store at all', async () => {
    const GET = `#graphql
      mutation ($input: CreateGroupPaymentInput!) { createGroupPayment(input: $input) { groupPayment { store { id } } userErrors { code } } }`;
    const atStore = await graph.query(GET, { as: 'usr_bob', variables: { input: split({ storeId: 'sto_kfc_hz_1' }) } });
    expect(atStore.body.data.createGroupPayment).toEqual({
      groupPayment: { store: { id: 'sto_kfc_hz_1' } },
      userErrors: [],
    });
    const noStore = await graph.query(GET, { as: 'usr_bob', variables: { input: split() } });
    expect(noStore.body.data.createGroupPayment).toEqual({ groupPayment: { store: null }, userErrors: [] });
  });
});

describe('claimCoupon liveStreamId', () => {
  it('refuses an id that is not of a live stream’s form, and claims nothing', async () => {
    const before = rowCounts();
    for (const liveStreamId of ['pst_kfc_1', 'lvs_', 'lvs_../../x', `lvs_${'a'.repeat(101)}`]) {
      const payload = await send([
        'claim',
        'claim',
        'usr_0100',
        () => ({ input: { templateId: 'cpt_kfc_1', liveStreamId, idempotencyKey: key() } }),
      ]);
      expect(payload.userErrors, liveStreamId).toEqual([
        { code: 'INVALID_INPUT', field: ['input', 'liveStreamId'], message: expect.stringContaining('lvs_') },
      ]);
    }
    expect(rowCounts()).toEqual(before);
  });

  it('records a claim naming a stream that does not feature the template (not attributed: sales count only featured templates)', async () => {
    // cpt_kfc_2 is not featured by lvs_kfc_1 in the seed world.
    const payload = (await send([
      'claim',
      'claim',
      'usr_0101',
      () => ({ input: { templateId: 'cpt_kfc_2', liveStreamId: 'lvs_kfc_1', idempotencyKey: key() } }),
    ])) as Awaited<ReturnType<typeof send>> & { coupon: { id: string } };
    expect(payload.userErrors).toEqual([]);
    const couponId = payload.coupon.id;

    // Redeemed by KFC staff, the coupon settles money recorded against the stream, yet the stream's sales stay put.
    const SALES = '{ liveStream(id: "lvs_kfc_1") { sales { fen } } }';
    const salesBefore = (await graph.query(SALES)).body.data.liveStream.sales.fen;
    const redeemed = await graph.query(REDEEM, {
      as: KFC_STAFF,
      variables: { input: { couponId, storeId: 'sto_kfc_hz_1', orderAmountFen: 1000, idempotencyKey: key() } },
    });
    expect(redeemed.body).toEqual({
      data: { redeemCoupon: { coupon: { id: couponId, status: 'REDEEMED' }, userErrors: [] } },
    });
    const settlement = graph.subgraphs.offers.database.sqlite
      .prepare(
        "select amount_fen, live_stream_id from settlements where source_kind = 'COUPON_REDEMPTION' and source_id = ?",
      )
      .get(couponId);
    expect(settlement).toEqual({ amount_fen: 700, live_stream_id: 'lvs_kfc_1' });
    expect((await graph.query(SALES)).body.data.liveStream.sales.fen).toBe(salesBefore);
  });
});
