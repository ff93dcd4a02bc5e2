import { describe, expect, it } from '@jest/globals';
import { samplesOf } from './services.js';

describe('samplesOf', () => {
  const text = [
    '# HELP mongodb_commands_total Database commands sent',
    '# TYPE mongodb_commands_total counter',
    'mongodb_commands_total{collection="inventory_levels",command="find",result="ok"} 12',
    'mongodb_commands_total{collection="a \\"quoted\\" name",command="update",result="ok"} 3',
    'mongodb_commands_total_other{collection="x"} 99',
    'process_resident_memory_bytes 1048576',
  ].join('\n');

  it("reads each sample of the metric with its labels, and no other metric's", () => {
    expect(samplesOf(text, 'mongodb_commands_total')).toEqual([
      {
        labels: { collection: 'inventory_levels', command: 'find', result: 'ok' },
        value: 12,
      },
      {
        labels: { collection: 'a \\"quoted\\" name', command: 'update', result: 'ok' },
        value: 3,
      },
    ]);
  });

  it('reads a sample without labels', () => {
    expect(samplesOf(text, 'process_resident_memory_bytes')).toEqual([
      { labels: {}, value: 1048576 },
    ]);
  });
});
