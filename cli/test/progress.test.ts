/** The pure parts of start and watch: items files, the input limit, progress from either source, the lines shown. */
import { formatOfItems, parseCsv, parseItems } from '../src/start/items-file';
import { buildInput } from '../src/start/start';
import { HistoryProgress, formatPlainLine, formatProgressLine, progressOfMapRun, rateOf } from '../src/watch/progress';

describe('items files', () => {
  test('the format from the extension, else the first character', () => {
    expect(formatOfItems('a.csv', '[1]')).toBe('csv');
    expect(formatOfItems('a.ndjson', '')).toBe('jsonl');
    expect(formatOfItems('-', ' [1]')).toBe('json');
    expect(formatOfItems('-', '{"a":1}')).toBe('jsonl');
    expect(formatOfItems('-', 'id\n1')).toBe('csv');
  });

  test('CSV: quoted fields, doubled quotes, CRLF; fails on a short row', () => {
    expect(parseCsv('f', 'a,b\r\n"1,2","x ""y"""\r\n3,\n')).toEqual([{ a: '1,2', b: 'x "y"' }, { a: '3', b: '' }]);
    expect(() => parseCsv('f', 'a,b\n1\n')).toThrow(/f: row 2 has 1 fields, the header 2/);
  });

  test('a JSON file must be an array', () => {
    expect(parseItems('a.json', '[{"id":1}]')).toEqual([{ id: 1 }]);
    expect(() => parseItems('a.json', '{"id":1}')).toThrow(/a.json: not a JSON array of items/);
  });
});

describe('the execution input', () => {
  test('items go to "items" beside --input\'s fields; the limit counts UTF-8 bytes', () => {
    expect(JSON.parse(buildInput('{"a":1}', [1, 2]))).toEqual({ a: 1, items: [1, 2] });
    // 'é' is 2 bytes: 130,000 of them pass 256 KiB though the string has fewer characters.
    expect(() => buildInput(undefined, ['é'.repeat(131_070)], 'f')).toThrow(/would be 262,15\d bytes \(1 items from f\)/);
    expect(buildInput(undefined, ['é'.repeat(131_000)], 'f').length).toBeLessThan(262_144);
    expect(() => buildInput('[1]', undefined)).toThrow(/--input must be a JSON object/);
  });
});

describe('progress', () => {
  test('from DescribeMapRun: failed counts timed-out and aborted items; tasks are the running children', () => {
    const itemCounts = { total: 100, succeeded: 50, failed: 2, timedOut: 1, aborted: 1, running: 10, pending: 36 };
    expect(progressOfMapRun({ itemCounts, executionCounts: { running: 5 } }))
      .toEqual({ total: 100, succeeded: 50, failed: 4, running: 10, pending: 36, tasksRunning: 5, from: 'map run' });
  });

  test('from the history: each event counted once, in any order; ECS tasks started and not ended', () => {
    const history = new HistoryProgress();
    const events: any[] = [
      { id: 3, type: 'MapStateStarted', mapStateStartedEventDetails: { length: 4 } },
      { id: 4, type: 'MapIterationStarted' }, { id: 5, type: 'MapIterationStarted' },
      { id: 6, type: 'TaskStarted', taskStartedEventDetails: { resourceType: 'ecs' } },
      { id: 7, type: 'TaskStarted', taskStartedEventDetails: { resourceType: 'ecs' } },
      { id: 8, type: 'TaskSucceeded', taskSucceededEventDetails: { resourceType: 'ecs' } },
      { id: 9, type: 'MapIterationSucceeded' },
    ];
    history.add([...events].reverse());
    history.add(events.slice(2));
    expect(history.progress()).toEqual({ total: 4, succeeded: 1, failed: 0, running: 1, pending: 2, tasksRunning: 1, from: 'history' });
    history.add([{ id: 10, type: 'MapIterationFailed' }, { id: 11, type: 'MapRunStarted', mapRunStartedEventDetails: { mapRunArn: 'arn:m' } }] as any);
    expect(history.progress()).toMatchObject({ failed: 1, running: 0 });
    expect(history.mapRunArn).toBe('arn:m');
  });

  test('rate and time left from the items done since the start', () => {
    expect(rateOf({ total: 1000, succeeded: 90, failed: 10, running: 5, from: 'map run' }, 50)).toEqual({ perSecond: 2, leftSeconds: 450 });
    expect(rateOf({ succeeded: 0, failed: 0, running: 0, from: 'map run' }, 50)).toEqual({});
  });

  test('the terminal line and the plain line', () => {
    const progress = { total: 1000, succeeded: 240, failed: 10, running: 100, pending: 650, tasksRunning: 100, from: 'map run' as const };
    expect(formatProgressLine('RUNNING', progress, 125, 10))
      .toBe('[###-------] 25.0%  succeeded 240  failed 10  running 100  pending 650  | 2.0 items/s  elapsed 2m 05s  left ~6m 15s  | tasks running 100');
    expect(formatPlainLine(new Date(Date.UTC(2026, 0, 1)), 'RUNNING', progress, 125))
      .toBe('2026-01-01T00:00:00Z RUNNING total=1000 succeeded=240 failed=10 running=100 pending=650 rate=2.00/s elapsed=125s left=375s tasks=100');
  });
});
