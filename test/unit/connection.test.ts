import { describe, expect, it } from 'vitest';
import { encodeCursor, parsePage, toConnection } from '../../subgraphs/shared/connection.ts';

describe('Relay pagination', () => {
  it('defaults to 20 and accepts 1..100', () => {
    expect(parsePage({})).toEqual({ offset: 0, limit: 20 });
    expect(parsePage({ first: 1 })).toEqual({ offset: 0, limit: 1 });
    expect(parsePage({ first: 100 })).toEqual({ offset: 0, limit: 100 });
  });

  it.each([0, 101, -5, 2.5])('rejects first: %d as BAD_USER_INPUT', (first) => {
    expect(() => parsePage({ first })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    );
  });

  it('continues after a cursor and rejects foreign cursors', () => {
    expect(parsePage({ first: 5, after: encodeCursor(4) })).toEqual({ offset: 5, limit: 5 });
    expect(() => parsePage({ after: 'bm9wZQ' })).toThrow(/cursor/);
  });

  it('uses the extra row only to tell that a next page exists', () => {
    const page = { offset: 10, limit: 2 };
    const c = toConnection(['a', 'b', 'c'], page);
    expect(c.edges.map((e) => e.node)).toEqual(['a', 'b']);
    expect(c.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: true,
      startCursor: encodeCursor(10),
      endCursor: encodeCursor(11),
    });
    expect(toConnection([], { offset: 0, limit: 2 }).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});
