import { describe, expect, it } from '@jest/globals';
import { checkEvolution } from './evolution.js';
import { avroType } from './schemas.js';

const v1 = {
  type: 'record',
  name: 'Sample',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'quantity', type: 'int' },
  ],
};
const withFields = (fields: unknown[]) => avroType({ ...v1, fields });
const earlier = [{ label: 'v1', type: avroType(v1) }];

describe('checkEvolution', () => {
  it('passes when a field with a default is added', () => {
    const next = withFields([
      ...v1.fields,
      { name: 'note', type: ['null', 'string'], default: null },
    ]);
    expect(checkEvolution(earlier, next)).toEqual([]);
  });

  it('fails when a field without a default is removed (old consumers cannot read new data)', () => {
    const next = withFields([v1.fields[0]]);
    const problems = checkEvolution(earlier, next);
    expect(problems.map((p) => p.direction)).toEqual(['forward']);
  });

  it('fails when a field is renamed without a default', () => {
    const next = withFields([v1.fields[0], { name: 'qty', type: 'int' }]);
    const problems = checkEvolution(earlier, next);
    expect(problems.map((p) => p.direction).sort()).toEqual(['backward', 'forward']);
  });

  it('fails when a field without a default is added (new readers cannot read old data)', () => {
    const next = withFields([...v1.fields, { name: 'note', type: 'string' }]);
    expect(checkEvolution(earlier, next).map((p) => p.direction)).toEqual(['backward']);
  });

  it('checks transitively against every earlier revision', () => {
    const v2 = withFields([
      ...v1.fields,
      { name: 'note', type: ['null', 'string'], default: null },
    ]);
    const v3 = withFields([
      v1.fields[0],
      { name: 'note', type: ['null', 'string'], default: null },
    ]);
    const problems = checkEvolution([...earlier, { label: 'v2', type: v2 }], v3);
    expect(problems.map((p) => p.against)).toEqual(['v1', 'v2']);
  });
});
