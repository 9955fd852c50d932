import { epochMs, flatItemRecord, parseItemRecord, single } from '../../src/report/item-record';

describe('item records', () => {
  test('single: x, [x] and [] read as x and undefined', () => {
    expect(single('a')).toBe('a');
    expect(single(['a'])).toBe('a');
    expect(single([])).toBeUndefined();
    expect(single(null)).toBeUndefined();
    expect(single(0)).toBe(0);
  });

  test('a successful record: the last task, its earlier tasks newest first, sizes as numbers', () => {
    const record = parseItemRecord({
      outcome: 'SUCCEEDED',
      attempts: 2,
      capacity: 'FARGATE',
      cpu: '256',
      memory: '512',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      exitCode: 0,
      startedAt: 1625021107575,
      stoppedAt: 1625021138237,
      earlier: { capacity: 'FARGATE_SPOT', cpu: '256', memory: '512', stopCode: 'SpotInterruption', startedAt: 1625021000000, stoppedAt: 1625021050000, earlier: {} },
    });
    expect(record).toEqual({
      outcome: 'SUCCEEDED',
      error: undefined,
      attempts: 2,
      tasks: [
        { capacity: 'FARGATE', cpu: 256, memoryMiB: 512, stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', exitCode: 0, startedAt: 1625021107575, stoppedAt: 1625021138237 },
        { capacity: 'FARGATE_SPOT', cpu: 256, memoryMiB: 512, stopCode: 'SpotInterruption', stoppedReason: undefined, exitCode: undefined, startedAt: 1625021000000, stoppedAt: 1625021050000 },
      ],
    });
  });

  test('a record shaped by the task state that ended the item (issue 23): the retry state, its last task under last, attempts counting the earlier tasks', () => {
    const earlier = { capacity: 'FARGATE_SPOT', cpu: '256', memory: '512', stopCode: 'SpotInterruption', startedAt: 1625021000000, stoppedAt: 1625021050000, earlier: {} };
    const last = {
      outcome: 'SUCCEEDED',
      capacity: 'FARGATE',
      cpu: '256',
      memory: '512',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      exitCode: [0],
      startedAt: 1625021107575,
      stoppedAt: 1625021138237,
    };
    const shapedByTask = { attempts: 1, delay: 0, Start: 0, earlier, last };
    const flat = { ...last, attempts: 2, earlier };
    expect(flatItemRecord(shapedByTask)).toEqual({ ...flat, delay: 0, Start: 0 });
    expect(parseItemRecord(shapedByTask)).toEqual(parseItemRecord(flat));
    expect(parseItemRecord(shapedByTask)).toMatchObject({ outcome: 'SUCCEEDED', attempts: 2, tasks: [{ stopCode: 'EssentialContainerExited', exitCode: 0 }, { stopCode: 'SpotInterruption' }] });
    // A flat record, or anything else, is left as it is.
    expect(flatItemRecord(flat)).toBe(flat);
    expect(flatItemRecord('text')).toBe('text');
  });

  test('a failed record from indefinite paths: one-element and empty lists', () => {
    const record = parseItemRecord({
      outcome: 'FAILED',
      error: 'States.TaskFailed',
      attempts: 1,
      capacity: ['FARGATE'],
      cpu: ['1024'],
      memory: ['2048'],
      stopCode: ['TaskFailedToStart'],
      stoppedReason: ['CannotPullContainerError: pull access denied'],
      exitCode: [],
      startedAt: [],
      stoppedAt: [1625021138237],
      earlier: {},
    });
    expect(record!.tasks).toEqual([{
      capacity: 'FARGATE',
      cpu: 1024,
      memoryMiB: 2048,
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: pull access denied',
      exitCode: undefined,
      startedAt: undefined,
      stoppedAt: 1625021138237,
    }]);
    expect(record!.error).toBe('States.TaskFailed');
  });

  test('a failure with no task at all: every field an empty list', () => {
    const record = parseItemRecord({ outcome: 'FAILED', error: 'AmazonECS.Unknown', attempts: 0, capacity: [], cpu: [], startedAt: [], earlier: {} });
    expect(record).toEqual({ outcome: 'FAILED', error: 'AmazonECS.Unknown', attempts: 0, tasks: [] });
    expect(parseItemRecord({ outcome: 'FAILED', error: 'AmazonECS.Unknown', attempts: 1, capacity: ['FARGATE'], stopCode: [], earlier: {} })!.tasks).toEqual([]);
  });

  test('a last run refused for good: no task of its own, the earlier tasks still listed', () => {
    const record = parseItemRecord({
      outcome: 'FAILED',
      error: 'AmazonECS.Unknown',
      attempts: 2,
      capacity: ['FARGATE'],
      cpu: [],
      memory: [],
      stopCode: [],
      stoppedReason: [],
      exitCode: [],
      startedAt: [],
      stoppedAt: [],
      earlier: { capacity: 'FARGATE_SPOT', cpu: '256', memory: '512', stopCode: 'SpotInterruption', startedAt: 1000, stoppedAt: 2000, earlier: {} },
    });
    expect(record!.attempts).toBe(2);
    expect(record!.tasks).toEqual([{ capacity: 'FARGATE_SPOT', cpu: 256, memoryMiB: 512, stopCode: 'SpotInterruption', startedAt: 1000, stoppedAt: 2000 }]);
  });

  test('the outcome given by where the record was found, when the record lacks it', () => {
    expect(parseItemRecord({ stopCode: 'EssentialContainerExited', earlier: {} }, 'FAILED')!.outcome).toBe('FAILED');
    expect(parseItemRecord({ capacity: 'FARGATE' })).toBeUndefined();
  });

  test('not a record: text, arrays, ECS task descriptions', () => {
    expect(parseItemRecord('States.TaskFailed')).toBeUndefined();
    expect(parseItemRecord([{ outcome: 'FAILED' }])).toBeUndefined();
    expect(parseItemRecord({ Containers: [{ ExitCode: 1 }], StopCode: 'EssentialContainerExited' })).toBeUndefined();
  });

  test('a cyclic earlier chain stops', () => {
    const node: any = { outcome: 'SUCCEEDED', capacity: 'FARGATE' };
    node.earlier = node;
    expect(parseItemRecord(node)!.tasks.length).toBe(10_000);
  });

  test('epochMs: numbers, numeric strings and ISO dates', () => {
    expect(epochMs(1625021107575)).toBe(1625021107575);
    expect(epochMs(['1625021107575'])).toBe(1625021107575);
    expect(epochMs('2021-06-30T02:45:07.575Z')).toBe(1625021107575);
    expect(epochMs('soon')).toBeUndefined();
  });
});
