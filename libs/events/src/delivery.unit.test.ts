import { describe, expect, it } from '@jest/globals';
import type { KafkaMessage } from 'kafkajs';
import { heldMessage, itemsOf } from './delivery.js';

describe('heldMessage', () => {
  // Given a message whose bytes are views of one fetch response, as the client reads them (a
  // buffer of its own, as a response is: not from Node's pool of small buffers).
  const response = Buffer.alloc(64);
  response.write('order-1|{"id":1}|abc-123|x|y|the rest of a large response');
  const view = (from: number, to: number) => response.subarray(from, to);
  const fetched: KafkaMessage = {
    offset: '42',
    timestamp: '1764748800000',
    attributes: 0,
    key: view(0, 7),
    value: view(8, 16),
    headers: { 'event-id': view(17, 24), note: 'text' },
  };

  it('keeps the same bytes in buffers of its own, and the headers as text', () => {
    // When it is held.
    const held = heldMessage(fetched);

    // Then the bytes are the same, and no buffer is a view of the response any more.
    expect(held).toEqual({
      offset: '42',
      timestamp: '1764748800000',
      key: Buffer.from('order-1'),
      value: Buffer.from('{"id":1}'),
      headers: { 'event-id': 'abc-123', note: 'text' },
    });
    expect(held.key!.buffer).not.toBe(response.buffer);
    expect(held.value!.buffer).not.toBe(response.buffer);
  });

  it('keeps an empty key and value empty', () => {
    const held = heldMessage({ ...fetched, key: null, value: null, headers: {} });
    expect(held).toMatchObject({ key: null, value: null, headers: {} });
  });
});

describe('itemsOf (ADR 0166)', () => {
  it('given a message with an items header, then it stands for that many items', () => {
    expect(itemsOf({ items: '250' })).toBe(250);
  });

  it('given no items header, or one that is not a whole count of at least one, then one item', () => {
    const headers: Record<string, string>[] = [
      {},
      { items: '0' },
      { items: '-3' },
      { items: '2.5' },
      { items: 'x' },
    ];
    for (const each of headers) expect(itemsOf(each)).toBe(1);
  });
});
