import { describe, expect, it } from '@jest/globals';
import { FaultBook, parseFaultInput } from './faults.js';
import { SimHttpError } from './errors.js';

type Op = 'LIST' | 'GET';
const OPS: readonly Op[] = ['LIST', 'GET'];

describe('FaultBook', () => {
  it('applies a fault to its operation only, for as many requests as asked', () => {
    const book = new FaultBook<Op>();
    book.add({ operation: 'LIST', kind: 'status', status: 503, times: 2 });
    expect(book.take('GET')).toEqual([]);
    expect(book.take('LIST').map((f) => f.kind)).toEqual(['status']);
    expect(book.take('LIST').map((f) => f.kind)).toEqual(['status']);
    expect(book.take('LIST')).toEqual([]);
    expect(book.list()).toEqual([]);
  });

  it('keeps a fault without times until cleared, and * matches every operation', () => {
    const book = new FaultBook<Op>();
    book.add({ operation: '*', kind: 'malformed' });
    for (let i = 0; i < 5; i++) expect(book.take(i % 2 ? 'GET' : 'LIST')).toHaveLength(1);
    book.clear();
    expect(book.take('GET')).toEqual([]);
  });

  it('combines every latency with at most one other fault, leaving the rest for later requests', () => {
    const book = new FaultBook<Op>();
    book.add({ operation: 'GET', kind: 'latency', ms: 50, times: 1 });
    book.add({ operation: 'GET', kind: 'drop', times: 1 });
    book.add({ operation: '*', kind: 'truncated', times: 1 });
    expect(book.take('GET').map((f) => f.kind)).toEqual(['latency', 'drop']);
    expect(book.take('GET').map((f) => f.kind)).toEqual(['truncated']);
    expect(book.take('GET')).toEqual([]);
  });

  it('gives each fault an id and reports the uses left', () => {
    const book = new FaultBook<Op>();
    const a = book.add({ operation: 'GET', kind: 'wrong-shape', times: 3 });
    const b = book.add({ operation: 'GET', kind: 'page-drift' });
    expect(a.id).not.toBe(b.id);
    book.take('GET');
    expect(book.list().map((f) => f.remaining)).toEqual([2, undefined]);
  });
});

describe('parseFaultInput', () => {
  const rejection = (raw: unknown): SimHttpError => {
    try {
      parseFaultInput(raw, OPS);
    } catch (error) {
      if (error instanceof SimHttpError) return error;
    }
    throw new Error('expected a 400');
  };

  it('accepts a well-formed fault', () => {
    const input = { operation: 'LIST', kind: 'status', status: 429, retryAfterSeconds: 3 };
    expect(parseFaultInput(input, OPS)).toEqual(input);
  });

  it('names what is wrong: operation, kind, numbers', () => {
    expect(rejection({ operation: 'NOPE', kind: 'drop' }).message).toMatch(/LIST, GET/);
    expect(rejection({ operation: '*', kind: 'explode' }).message).toMatch(/kind must be/);
    expect(rejection({ operation: '*', kind: 'status' }).message).toMatch(/status/);
    expect(rejection({ operation: '*', kind: 'status', status: 42 }).message).toMatch(/100-599/);
    expect(rejection({ operation: '*', kind: 'latency', ms: -1 }).message).toMatch(/ms/);
    expect(rejection({ operation: '*', kind: 'drop', times: 1.5 }).message).toMatch(/times/);
    expect(rejection([]).status).toBe(400);
  });
});
