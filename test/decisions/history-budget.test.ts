import { FanOutCapacity } from '../../src';
import { DEFAULT_TASK_RETRY } from '../../src/retries/private/retry-policy';
import { DEFAULT_DISTRIBUTED_THROTTLE_RETRY, DEFAULT_THROTTLE_RETRY } from '../../src/retries/private/throttle-retry';
import { inlineMaxItems, itemRetryAttempts, maxChildRefusedAttempts, taskStateEntries, worstCaseItemEvents } from '../../src/workflow/history-budget';
import { CALLBACK_NOT_RUNNING_RERUN_EVENTS } from '../../src/workflow/item/callback-runner';

describe('worstCaseItemEvents', () => {
  test('an item with no retries: its 8 events, 6 for reading its stop (2 Choices, a Pass) and 18 for its failure record (2 Pass states, an S3 write with 3 retries)', () => {
    expect(worstCaseItemEvents({ refusedAttempts: 0, rerunAttempts: 0 })).toBe(8 + 6 + 2 + 5 + 3 * 3 + 2);
  });

  test('3 events per refused call retried, 18 per rerun by a stop rule (the task again and its loop: 2 Choices, 2 Passes, a Wait)', () => {
    expect(worstCaseItemEvents({ refusedAttempts: 30, rerunAttempts: 0 })).toBe(32 + 90);
    expect(worstCaseItemEvents({ refusedAttempts: 30, rerunAttempts: 0, loopReruns: 2 })).toBe(32 + 90 + 2 * 18);
  });

  test('a fallback run adds a Task state\'s events, reading the Spot stop and counting it (2 Choices, 2 Passes); the callback adds its states and calls', () => {
    expect(worstCaseItemEvents({ refusedAttempts: 0, rerunAttempts: 0, fallbackRuns: 1 })).toBe(32 + 8 + 6 + 2);
    // A Spot task's stop is checked after a success: a Choice, then the next state.
    expect(worstCaseItemEvents({ refusedAttempts: 0, rerunAttempts: 0, checksSpotStop: true })).toBe(32 + 4);
    // The callback pattern reads no stop: its native task retry costs 4 events per rerun.
    expect(worstCaseItemEvents({ refusedAttempts: 0, rerunAttempts: 2, callback: true })).toBe(26 + 2 + 2 * (5 + 5 * 3) + 2 + 2 * 4);
  });
});

describe('itemRetryAttempts: every entry into a task state may use its retriers in full', () => {
  test('run job: 3 runs by default (the first and 2 start-failure retries), each with 30 throttle and 3 quick InvalidParameterException retries', () => {
    const attempts = itemRetryAttempts({ throttleRetry: DEFAULT_THROTTLE_RETRY, capacity: FanOutCapacity.ON_DEMAND, callback: false, loopReruns: 2 });
    expect(attempts).toMatchObject({ refusedAttempts: 3 * 33, rerunAttempts: 0, loopReruns: 2, fallbackRuns: 0, checksSpotStop: false });
    expect(taskStateEntries(attempts)).toBe(3);
  });

  test('Spot with fallback: a second task state, checked after a success', () => {
    const attempts = itemRetryAttempts({
      throttleRetry: DEFAULT_THROTTLE_RETRY, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, callback: false, loopReruns: 2,
    });
    expect(attempts).toMatchObject({ refusedAttempts: 4 * 33, fallbackRuns: 1, checksSpotStop: true });
  });

  test('callback: the native task retry and 3 reruns of a worker that reported FanOut.Interrupted, on each of the 3 runs a task not found running allows', () => {
    const attempts = itemRetryAttempts({
      throttleRetry: DEFAULT_THROTTLE_RETRY, taskRetry: DEFAULT_TASK_RETRY, capacity: FanOutCapacity.ON_DEMAND, callback: true,
    });
    expect(attempts).toMatchObject({ refusedAttempts: 3 * 30, rerunAttempts: 3 * (2 + 3), callback: true, callbackReruns: 2 });
    expect(taskStateEntries(attempts)).toBe(3);
    // Each rerun: the task's 8 events, ListTasks with 5 retries (5 + 15) and two Pass-like states (4).
    expect(CALLBACK_NOT_RUNNING_RERUN_EVENTS).toBe(8 + 5 + 15 + 4);
    expect(worstCaseItemEvents(attempts) - worstCaseItemEvents({ ...attempts, callbackReruns: 0 })).toBe(2 * CALLBACK_NOT_RUNNING_RERUN_EVENTS);
  });
});

describe('inlineMaxItems', () => {
  test('with the default retries, 50 items fit even if every item uses every retry on each of its 4 runs and fails', () => {
    // 4 runs: the first, 2 start-failure retries, and one after writing the item to S3 for its size
    // (26 events: a Choice, the S3 write with 3 retries, a Pass, the task's own 8).
    const perItem = 32 + 4 * 33 * 3 + 2 * 18 + 26;
    expect(perItem).toBe(490);
    const items = inlineMaxItems(itemRetryAttempts({
      throttleRetry: DEFAULT_THROTTLE_RETRY, capacity: FanOutCapacity.ON_DEMAND, callback: false, loopReruns: 2, spillsItems: true,
    }));
    expect(items).toBe(Math.floor((25_000 - 50) / perItem));
    expect(items).toBe(50);
    // One more item could go over: the bound is tight.
    expect(50 + items * perItem).toBeLessThanOrEqual(25_000);
    expect(50 + (items + 1) * perItem).toBeGreaterThan(25_000);
  });

  test('a task retry takes room from the items', () => {
    const withTaskRetry = itemRetryAttempts({
      throttleRetry: DEFAULT_THROTTLE_RETRY, capacity: FanOutCapacity.ON_DEMAND, callback: false, loopReruns: 2 + DEFAULT_TASK_RETRY.maxAttempts,
    });
    expect(inlineMaxItems(withTaskRetry)).toBe(Math.floor(24_950 / (32 + 5 * 99 + 4 * 18)));
  });

  test('no retries at all: 779 items', () => {
    expect(inlineMaxItems({ refusedAttempts: 0, rerunAttempts: 0 })).toBe(Math.floor(24_950 / 32));
    expect(inlineMaxItems({ refusedAttempts: 0, rerunAttempts: 0 })).toBe(779);
  });

  test('0 when one item with all its retries would not fit', () => {
    expect(inlineMaxItems({ refusedAttempts: 10_000, rerunAttempts: 0 })).toBe(0);
  });
});

describe('maxChildRefusedAttempts', () => {
  test('a child has its own 25,000 events: 3 per retry after 20 of its own', () => {
    expect(maxChildRefusedAttempts(0)).toBe(Math.floor((25_000 - 20) / 3));
    expect(maxChildRefusedAttempts(2)).toBe(Math.floor((25_000 - 20 - 8) / 3));
  });

  test('the default child retry and the inline retry together fit a child history many times over', () => {
    const used = DEFAULT_DISTRIBUTED_THROTTLE_RETRY.maxAttempts + DEFAULT_THROTTLE_RETRY.maxAttempts;
    expect(used).toBeLessThan(maxChildRefusedAttempts(DEFAULT_TASK_RETRY.maxAttempts) / 5);
  });
});
