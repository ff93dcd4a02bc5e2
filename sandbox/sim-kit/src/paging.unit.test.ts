import { describe, expect, it } from '@jest/globals';
import { offsetPage, offsetPageRequest } from './paging.js';

const items = ['a', 'b', 'c', 'd', 'e'];

describe('offsetPage', () => {
  it('cuts the page and reports the total', () => {
    expect(offsetPage(items, { offset: 2, max: 2 })).toEqual({ items: ['c', 'd'], total: 5 });
    expect(offsetPage(items, { offset: 4, max: 2 })).toEqual({ items: ['e'], total: 5 });
  });

  it('returns everything when paging is off', () => {
    expect(offsetPage(items, { offset: 2, max: 1, paginate: false }).items).toEqual(items);
  });

  it('drifts on later pages only: an earlier item is gone, offsets shift, the total drops', () => {
    expect(offsetPage(items, { offset: 0, max: 2 }, true)).toEqual({ items: ['a', 'b'], total: 5 });
    expect(offsetPage(items, { offset: 2, max: 2 }, true)).toEqual({ items: ['d', 'e'], total: 4 });
  });
});

describe('offsetPageRequest', () => {
  const read = (query: string) =>
    offsetPageRequest(new URLSearchParams(query), { defaultMax: 10, maxPageSize: 100 });

  it('defaults, clamps and ignores junk the way Mirakl does', () => {
    expect(read('')).toEqual({ offset: 0, max: 10, paginate: true });
    expect(read('offset=20&max=500')).toEqual({ offset: 20, max: 100, paginate: true });
    expect(read('offset=-3&max=abc')).toEqual({ offset: 0, max: 10, paginate: true });
    expect(read('max=0&paginate=false')).toEqual({ offset: 0, max: 10, paginate: false });
  });
});
