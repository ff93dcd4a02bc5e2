import { describe, expect, it } from '@jest/globals';
import { missingNodeFlags, parseOptions } from './support.js';

const defaults = { stores: 10, 'heap-mb': 0, 'map-cache-entries': -1, backend: 'shared' };
const choices = { backend: ['shared', 'postgresql'] } as const;

describe('parseOptions', () => {
  it('reads each option over its default', () => {
    expect(parseOptions(['--stores', '100', '--backend', 'postgresql'], defaults, choices)).toEqual(
      { stores: 100, 'heap-mb': 0, 'map-cache-entries': -1, backend: 'postgresql' },
    );
  });

  it('takes 0 where the default is 0 or less (the service’s own, or none)', () => {
    expect(
      parseOptions(['--map-cache-entries', '0', '--heap-mb', '0'], defaults, choices),
    ).toMatchObject({ 'map-cache-entries': 0, 'heap-mb': 0 });
  });

  it.each([
    [['--stores', '0']],
    [['--stores', '-1']],
    [['--map-cache-entries', '-2']],
    [['--stores', '1.5']],
    [['--backend', 'oracle']],
    [['--unknown', '1']],
  ])('refuses %j, naming the options', (args: string[]) => {
    expect(() => parseOptions(args, defaults, choices)).toThrow(
      /unknown or invalid option .*--stores N/,
    );
  });
});

describe('missingNodeFlags', () => {
  const wanted = ['--max-semi-space-size=64'];

  it('gives the wanted flags neither the command line nor NODE_OPTIONS sets', () => {
    expect(missingNodeFlags(wanted, ['--conditions=source'], '--max-old-space-size=12000')).toEqual(
      wanted,
    );
    expect(missingNodeFlags(wanted, [], undefined)).toEqual(wanted);
  });

  it('leaves a flag given either way alone, whatever its value or spelling', () => {
    expect(missingNodeFlags(wanted, ['--max-semi-space-size=16'], undefined)).toEqual([]);
    expect(
      missingNodeFlags(wanted, [], '--max-old-space-size=12000 --max_semi_space_size=8'),
    ).toEqual([]);
  });
});
