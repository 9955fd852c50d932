import { inlineMaxItems, maxChildRefusedAttempts, worstCaseItemEvents } from '../../src/decisions/history-budget';
import { DEFAULT_DISTRIBUTED_THROTTLE_RETRY, DEFAULT_TASK_RETRY, DEFAULT_THROTTLE_RETRY } from '../../src/decisions/retry-policy';

describe('worstCaseItemEvents', () => {
  test('an item with no retries: its 8 events plus 18 for its failure record (2 Pass states, an S3 write with 3 retries)', () => {
    expect(worstCaseItemEvents({ refusedAttempts: 0, rerunAttempts: 0 })).toBe(8 + 2 + 5 + 3 * 3 + 2);
  });

  test('3 events per refused call retried, 4 per rerun of a task that ran', () => {
    expect(worstCaseItemEvents({ refusedAttempts: 30, rerunAttempts: 0 })).toBe(26 + 90);
    expect(worstCaseItemEvents({ refusedAttempts: 30, rerunAttempts: 2 })).toBe(26 + 90 + 8);
  });

  test('a fallback run adds a Task state\'s events and reading the Spot stop (2 Choices, a Pass); the callback adds its states and calls', () => {
    expect(worstCaseItemEvents({ refusedAttempts: 0, rerunAttempts: 0, fallbackRuns: 1 })).toBe(26 + 8 + 6);
    // Spot without fallback checks the stop after a success: a Choice, then a Succeed or a Pass.
    expect(worstCaseItemEvents({ refusedAttempts: 0, rerunAttempts: 0, checksSpotStop: true })).toBe(26 + 4);
    expect(worstCaseItemEvents({ refusedAttempts: 0, rerunAttempts: 0, callback: true })).toBe(26 + 2 + 2 * (5 + 5 * 3) + 2);
  });
});

describe('inlineMaxItems', () => {
  test('with the default inline retry, 215 items fit even if every item uses all 30 retries and fails', () => {
    const items = inlineMaxItems({ refusedAttempts: DEFAULT_THROTTLE_RETRY.maxAttempts, rerunAttempts: 0 });
    expect(items).toBe(Math.floor((25_000 - 50) / 116));
    expect(items).toBe(215);
    // One more item could go over: the bound is tight.
    expect(50 + items * 116).toBeLessThanOrEqual(25_000);
    expect(50 + (items + 1) * 116).toBeGreaterThan(25_000);
  });

  test('a task retry takes room from the items', () => {
    expect(inlineMaxItems({ refusedAttempts: 30, rerunAttempts: DEFAULT_TASK_RETRY.maxAttempts })).toBe(Math.floor(24_950 / 124));
  });

  test('no retries at all: 959 items', () => {
    expect(inlineMaxItems({ refusedAttempts: 0, rerunAttempts: 0 })).toBe(959);
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
