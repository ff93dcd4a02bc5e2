import { describe, expect, it } from '@jest/globals';
import { parseCsv, renderCsv } from './csv.js';

describe('reading Mirakl CSV', () => {
  it('splits rows on any line ending and cells on semicolons', () => {
    expect(parseCsv('sku;quantity\nA;1\r\nB;2\rC;3')).toEqual([
      ['sku', 'quantity'],
      ['A', '1'],
      ['B', '2'],
      ['C', '3'],
    ]);
  });

  it('keeps semicolons, line breaks and doubled quotes inside quoted cells', () => {
    expect(parseCsv('"a;b";"line 1\nline 2";"say ""hi""";""\n')).toEqual([
      ['a;b', 'line 1\nline 2', 'say "hi"', ''],
    ]);
  });

  it('keeps empty cells and skips blank lines', () => {
    expect(parseCsv('\n;x;\n\r\n;;\n"";""\ny')).toEqual([['', 'x', ''], ['y']]);
    expect(parseCsv('')).toEqual([]);
  });

  it('reads a row without a final line break', () => {
    expect(parseCsv('a;"b"')).toEqual([['a', 'b']]);
    expect(parseCsv('a;b\nx;')).toEqual([
      ['a', 'b'],
      ['x', ''],
    ]);
  });

  it('reads quote characters in the middle of a cell as quoting', () => {
    expect(parseCsv('ab"c;d"e;f')).toEqual([['abc;de', 'f']]);
  });
});

describe('writing Mirakl CSV', () => {
  it('quotes every cell, doubles quotes and ends with a line break', () => {
    expect(
      renderCsv([
        ['sku', 'qty'],
        ['say "hi"', 3],
      ]),
    ).toBe('"sku";"qty"\n"say ""hi""";"3"\n');
    expect(renderCsv([])).toBe('\n');
  });

  it('reads back what it wrote', () => {
    const rows = [
      ['a;b', 'two\nlines', '"quoted"', ''],
      ['1', '', 'x', 'y'],
    ];
    expect(parseCsv(renderCsv(rows))).toEqual(rows);
  });
});
