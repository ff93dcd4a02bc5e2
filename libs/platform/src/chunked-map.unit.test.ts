import { describe, expect, it } from '@jest/globals';
import {
  decodeEntries,
  encodeEntries,
  packEntries,
  unpackEntries,
  type MapEntry,
} from './chunked-map.js';

describe('chunk entries as JSON text', () => {
  it('gives back keys, values, removals and dates as written', () => {
    const at = new Date('2026-12-04T06:00:00.123Z');
    const written: MapEntry<unknown>[] = [
      ['SKU.1', { quantity: 3, at, lines: [{ at, n: 1 }], note: null }],
      ['$odd "key"\u0000', 'text'],
      ['gone', null],
    ];

    const read = decodeEntries(encodeEntries(written));

    expect(read).toEqual(written);
    expect((read[0]![1] as { at: Date }).at).toBeInstanceOf(Date);
    expect((read[0]![1] as { lines: { at: Date }[] }).lines[0]!.at.getTime()).toBe(at.getTime());
  });

  it('gives back a value that is a date, and leaves text or fields that only look like one', () => {
    const at = new Date('2026-12-04T21:00:00.000Z');
    const written: MapEntry<unknown>[] = [
      ['when', at],
      ['text', '{"$date": 5}'],
      ['field', { $date: 'not a number', nested: [[at], { at }] }],
    ];

    const read = decodeEntries(encodeEntries(written));

    expect(read).toEqual(written);
    expect(read[0]![1]).toBeInstanceOf(Date);
    expect(read[1]![1]).toBe('{"$date": 5}');
    const field = read[2]![1] as { $date: string; nested: [[Date], { at: Date }] };
    expect(field.$date).toBe('not a number');
    expect(field.nested[0][0]).toBeInstanceOf(Date);
    expect(field.nested[1].at.getTime()).toBe(at.getTime());
  });

  it('writes a value with toBSON as that returns it, and undefined as null, as the driver does', () => {
    const at = new Date(0);
    class Row {
      constructor(readonly compact: number) {}
      toBSON() {
        return { quantity: this.compact, at };
      }
    }

    const read = decodeEntries(
      encodeEntries([
        ['a', new Row(4)],
        ['b', { quantity: 1, reason: undefined }],
      ]),
    );

    expect(read).toEqual([
      ['a', { quantity: 4, at }],
      ['b', { quantity: 1, reason: null }],
    ]);
  });

  it('writes undefined in arrays and nested fields as null, and a value with toJSON as that returns', () => {
    const at = new Date(7);
    const id = { toJSON: () => 'id-1', at };
    const shared = { quantity: 2 };

    const text = encodeEntries([
      ['list', [undefined, { reason: undefined, at }, shared]],
      ['id', id],
      ['again', shared],
    ]);

    expect(JSON.parse(text)).toEqual([
      ['list', [null, { reason: null, at: { $date: 7 } }, { quantity: 2 }]],
      ['id', 'id-1'],
      ['again', { quantity: 2 }],
    ]);
    // What was written is left as it was: nothing is replaced in the caller's values.
    expect(shared).toEqual({ quantity: 2 });
  });

  it('packs entries deflated, a fraction of their text, and unpacks them as written', () => {
    const at = new Date('2026-12-04T22:00:00.000Z');
    const written: MapEntry<unknown>[] = Array.from({ length: 500 }, (_, n) => [
      `SKU-${n}`,
      { fulfillable: (n * 7) % 500, exception: n % 3, offer: true, pushed: { quantity: n, at } },
    ]);

    const packed = packEntries(written);

    expect(unpackEntries(packed)).toEqual(written);
    expect(packed.length()).toBeLessThan(encodeEntries(written).length / 4);
  });
});
