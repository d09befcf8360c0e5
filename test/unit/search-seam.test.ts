import { describe, expect, it } from 'vitest';
import { decodeSearchCursor, encodeSearchCursor, START } from '../../subgraphs/offers/search/cursor.ts';
import type { SearchEdgeRow } from '../../subgraphs/offers/search/edges.ts';
import { mergePromoted, type PromotedSlot } from '../../subgraphs/offers/search/promoted.ts';
import { nameFactor, rankScore } from '../../subgraphs/offers/search/rank.ts';
import { oneEditApart, vocabularyOf } from '../../subgraphs/offers/search/text.ts';

const organic = (n: number): SearchEdgeRow<{ id: string }>[] =>
  Array.from({ length: n }, (_, i) => ({
    cursor: `c${i + 1}`,
    node: { __typename: 'Store', id: `sto_${i + 1}` },
    promoted: false,
    promotion: null,
    distanceMeters: i * 100,
  }));
const slot = (id: string): PromotedSlot<{ id: string }> => ({
  promotion: { id },
  node: { __typename: 'Post', id: `pst_${id}` },
});
const layout = (edges: SearchEdgeRow<{ id: string }>[]) =>
  edges.map((e) => (e.promoted ? `P:${e.node.id}@${e.cursor}` : e.node.id));

describe('mergePromoted (the seam Lights feeds)', () => {
  it('places promoted slots at positions 1 and 4, on top of the organic page, with the cursor before them', () => {
    const edges = mergePromoted(organic(5), [slot('a'), slot('b')], 'before');
    expect(layout(edges)).toEqual(['P:pst_a@before', 'sto_1', 'sto_2', 'P:pst_b@c2', 'sto_3', 'sto_4', 'sto_5']);
    expect(edges.filter((e) => e.promoted).map((e) => [e.promotion, e.distanceMeters])).toEqual([
      [{ id: 'a' }, null],
      [{ id: 'b' }, null],
    ]);
    // Organic edges keep their own cursors, in order: paging never counts a promoted edge.
    expect(edges.filter((e) => !e.promoted).map((e) => e.cursor)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('takes at most two slots a page', () => {
    const edges = mergePromoted(organic(10), [slot('a'), slot('b'), slot('c')], 'before');
    expect(edges.filter((e) => e.promoted).map((e) => e.node.id)).toEqual(['pst_a', 'pst_b']);
    expect(edges).toHaveLength(12);
  });

  it('appends after a short page, and changes nothing without slots', () => {
    expect(layout(mergePromoted(organic(1), [slot('a'), slot('b')], 'x'))).toEqual([
      'P:pst_a@x',
      'sto_1',
      'P:pst_b@c1',
    ]);
    expect(layout(mergePromoted(organic(0), [slot('a')], 'x'))).toEqual(['P:pst_a@x']);
    expect(mergePromoted(organic(3), [], 'x')).toEqual(organic(3));
  });
});

describe('search cursors', () => {
  it('round-trip a rank position, and the start', () => {
    const position = { score: 6.821164279964985, entityId: 'pst_000019' };
    expect(decodeSearchCursor(encodeSearchCursor(position))).toEqual(position);
    expect(decodeSearchCursor(encodeSearchCursor(START))).toEqual(START);
  });

  it('refuse anything else with BAD_USER_INPUT on "after"', () => {
    const other = Buffer.from('pos:3').toString('base64url'); // another list's cursor
    for (const cursor of ['', 'garbage', other, Buffer.from('["search","x","y"]').toString('base64url')]) {
      expect(() => decodeSearchCursor(cursor), cursor).toThrow(/"after"/);
    }
  });
});

describe('typo and ranking rules', () => {
  it('oneEditApart: one insertion, deletion or substitution, nothing more', () => {
    expect(oneEditApart('burgr', 'burger')).toBe(true);
    expect(oneEditApart('luckim', 'luckin')).toBe(true);
    expect(oneEditApart('luckinn', 'luckin')).toBe(true);
    expect(oneEditApart('xluckin', 'luckin')).toBe(true);
    expect(oneEditApart('luckin', 'luckin')).toBe(false);
    expect(oneEditApart('lackim', 'luckin')).toBe(false);
    expect(oneEditApart('lukcin', 'luckin')).toBe(false); // a swap is two edits
    expect(oneEditApart('luck', 'luckin')).toBe(false);
  });

  it('the vocabulary is Latin words of five letters or more, lower-cased, once', () => {
    expect(vocabularyOf('Burger King 汉堡王 Burger Hangzhou 3')).toEqual(['burger', 'hangzhou']);
  });

  it('distance halves a score at 2 km; the name factor rewards covering the name', () => {
    expect(rankScore(10, undefined)).toBe(10);
    expect(rankScore(10, 0)).toBe(10);
    expect(rankScore(10, 2000)).toBe(5);
    expect(rankScore(10, null)).toBeCloseTo(10 / 3.5); // no place: as if 5 km away
    expect(nameFactor('kfc', { name: 'KFC', nameZh: '肯德基' })).toBe(2);
    expect(nameFactor('肯德基', { name: 'KFC', nameZh: '肯德基' })).toBe(2);
    expect(nameFactor('muj', { name: 'Muji', nameZh: null })).toBe(1.75);
    expect(nameFactor('coffee', { name: 'KFC Xihu 1', nameZh: null })).toBe(1);
  });
});
