import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { asIsGuardOf, safeParseAsIs } from './zod-as-is.js';

// A list page as vendors send them: an envelope, items with integers, numbers, strings, flags,
// nullish fields, a nested object and an array of objects, an enum and a literal.
const item = z.object({
  id: z.number().int(),
  sku: z.string(),
  name: z.string().nullish(),
  price: z.number().nullish(),
  active: z.boolean(),
  status: z.enum(['Active', 'Inactive']),
  kind: z.literal('offer'),
  inventory: z.object({ inventory_id: z.number().int().nullish() }).nullish(),
  channels: z.array(z.object({ channel_id: z.number().int(), seller_sku: z.string() })).nullish(),
});
const page = z.object({ items: z.array(item).nullish(), next: z.string().nullish() });

const good = () => ({
  id: 7,
  sku: 'MUG-1',
  name: null,
  price: 12.5,
  active: true,
  status: 'Active',
  kind: 'offer',
  inventory: { inventory_id: 70 },
  channels: [{ channel_id: 1, seller_sku: 'M1' }],
  unnamed: { anything: [1, 2] },
});

/** `good()` with one field changed (`undefined`: the field removed). */
const withField = (key: string, value: unknown) => {
  const value_ = good() as Record<string, unknown>;
  if (value === undefined) delete value_[key];
  else value_[key] = value;
  return value_;
};

const passing: [string, unknown][] = [
  ['an item as sent, with a key the schema does not name', good()],
  ['a nullish field absent', withField('name', undefined)],
  ['a nullish field undefined', { ...good(), price: undefined }],
  ['a nullish object null', withField('inventory', null)],
  ['an empty array', withField('channels', [])],
  ['a negative zero integer', withField('id', -0)],
  ['the largest safe integer', withField('id', Number.MAX_SAFE_INTEGER)],
];
const failing: [string, unknown][] = [
  ['a required field absent', withField('sku', undefined)],
  ['a required field null', withField('sku', null)],
  ['a string given a number', withField('sku', 12)],
  ['an integer given a fraction', withField('id', 1.5)],
  ['an integer past the safe ones', withField('id', 2 ** 53)],
  ['a number given NaN', withField('price', Number.NaN)],
  ['a number given Infinity', withField('price', Number.POSITIVE_INFINITY)],
  ['a number given a numeric string', withField('price', '12.5')],
  ['a flag given 1', withField('active', 1)],
  ['an enum given another value', withField('status', 'Archived')],
  ['a literal given another value', withField('kind', 'order')],
  ['an object given an array', withField('inventory', [])],
  ['an array given an object', withField('channels', { 0: { channel_id: 1, seller_sku: 'M' } })],
  ['an array with one bad element', withField('channels', [{ channel_id: '1', seller_sku: 'M' }])],
  ['an item that is no object', 'MUG-1'],
  ['an item null', null],
];

describe('asIsGuardOf (ADR 0175)', () => {
  const guard = asIsGuardOf(item)!;

  it.each(passing)('given %s, when checked, then it passes, as zod parses it', (_, value) => {
    expect(guard(value)).toBe(true);
    const parsed = item.safeParse(value);
    expect(parsed.success).toBe(true);
    // The same value but for what the schema does not name.
    expect(value).toMatchObject(parsed.data as object);
  });

  it.each(failing)('given %s, when checked, then it fails, as zod refuses it', (_, value) => {
    expect(guard(value)).toBe(false);
    expect(item.safeParse(value).success).toBe(false);
  });

  it('given a page of items, when checked, then one bad item fails the page', () => {
    const pageGuard = asIsGuardOf(page)!;
    expect(pageGuard({ items: [good(), good()], next: null })).toBe(true);
    expect(pageGuard({ items: null })).toBe(true);
    expect(pageGuard({ items: [good(), withField('id', '7')], next: null })).toBe(false);
    expect(pageGuard({ items: [good()], next: 3 })).toBe(false);
  });

  it.each([
    ['a transform', z.object({ a: z.string().transform((s) => s.trim()) })],
    ['a default', z.object({ a: z.number().default(0) })],
    ['a refinement', z.object({ a: z.string() }).refine((v) => v.a !== '')],
    ['a string check', z.object({ a: z.string().min(1) })],
    ['a number bound', z.object({ a: z.number().int().positive() })],
    ['an array check', z.array(z.string()).max(3)],
    ['a union', z.object({ a: z.union([z.string(), z.number()]) })],
    ['a strict object', z.strictObject({ a: z.string() })],
    ['a loose object', z.looseObject({ a: z.string() })],
    ['a date string', z.object({ a: z.iso.datetime() })],
    ['an e-mail address', z.object({ a: z.email() })],
    ['a coerced number', z.object({ a: z.coerce.number() })],
    ['an integer of its own type', z.object({ a: z.int() })],
  ])('given a schema with %s, when a guard is asked for, then there is none', (_, schema) => {
    expect(asIsGuardOf(schema)).toBeNull();
  });
});

describe('safeParseAsIs', () => {
  it('given a value the guard passes, when parsed, then it is the value itself', () => {
    const value = { items: [good()], next: 'page-2' };
    const parsed = safeParseAsIs(page, value);
    expect(parsed.success && parsed.data).toBe(value);
  });

  it('given a value the guard refuses, when parsed, then zod says which field is wrong', () => {
    const parsed = safeParseAsIs(page, { items: [good(), withField('sku', 12)], next: null });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['items', 1, 'sku']);
  });

  it('given a schema without a guard, when parsed, then zod parses it (its transform applied)', () => {
    const trimmed = z.object({ a: z.string().transform((s) => s.trim()) });
    expect(safeParseAsIs(trimmed, { a: ' x ', b: 1 })).toEqual({ success: true, data: { a: 'x' } });
  });
});
