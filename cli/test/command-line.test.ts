import { parseCommandLine } from '../src/command-line';

const SPEC = { valued: ['items', 'name'], flags: ['json'], maxPositionals: 1, positionalHint: 'give one run', usage: 'usage: x' };

describe('parseCommandLine', () => {
  test('sorts valued options (spaced or with =), flags and positionals', () => {
    const line = parseCommandLine(['run-1', '--items', '10', '--name=first', '--json'], SPEC);
    expect([...line.values]).toEqual([['items', '10'], ['name', 'first']]);
    expect([...line.flags]).toEqual(['json']);
    expect(line.positionals).toEqual(['run-1']);
  });

  test('takes a value that starts with a dash as the value', () => {
    expect(parseCommandLine(['--items', '-5'], SPEC).values.get('items')).toBe('-5');
  });

  test.each([
    [['--colour', 'red'], /^unknown option --colour\nusage: x$/],
    [['--items'], /^--items needs a value\nusage: x$/],
    [['--json=yes'], /^--json takes no value\nusage: x$/],
    [['a', 'b'], /^unexpected argument 'b': give one run\nusage: x$/],
  ])('fails on %j, naming the argument, with the usage', (args, message) => {
    expect(() => parseCommandLine(args, SPEC)).toThrow(message);
  });

  test('a positional where none is taken is unexpected, without a hint when none is given', () => {
    expect(() => parseCommandLine(['a'], { ...SPEC, maxPositionals: 0, positionalHint: undefined })).toThrow(/^unexpected argument 'a'\nusage: x$/);
  });
});
