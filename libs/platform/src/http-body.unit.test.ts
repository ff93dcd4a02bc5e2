import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { withTextBody } from './http-body.js';

const pieces = (...parts: number[][]) => Readable.from(parts.map((p) => Buffer.from(p)));
const bytes = (text: string) => [...Buffer.from(text, 'utf8')];

describe('withTextBody', () => {
  it('reads a body given in pieces into one text, a character split between two pieces whole', async () => {
    // Given "prix: 10 €" whose euro sign (three bytes) is cut after its first byte
    const all = bytes('{"prix":"10 €"}');
    const cut = all.indexOf(0xe2) + 1;
    // When the response's body is read
    const response = await withTextBody({
      status: 200,
      data: pieces(all.slice(0, cut), all.slice(cut)),
    });
    // Then the text is the body, the response otherwise the same
    expect(response.data).toBe('{"prix":"10 €"}');
    expect(response.status).toBe(200);
  });

  it('drops a byte-order mark, as a text response always did', async () => {
    const response = await withTextBody({ data: pieces([0xef, 0xbb, 0xbf], bytes('[]')) });
    expect(response.data).toBe('[]');
  });

  it('rejects when the body is cut off', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from('{"items":['));
    const reading = withTextBody({ data: body });
    body.destroy(new Error('aborted'));
    await expect(reading).rejects.toThrow('aborted');
  });

  it('keeps a body already read, and reads none as empty', async () => {
    expect((await withTextBody({ data: 'done' })).data).toBe('done');
    expect((await withTextBody({ data: undefined })).data).toBe('');
  });
});
