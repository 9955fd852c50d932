import { batchBytesWithinOverrides, resolveItemBatching } from '../../src/items/private/batch-limits';

describe('batchBytesWithinOverrides', () => {
  test('a batch at the limit made only of characters that JSON escapes still fits 8,192 characters of overrides', () => {
    const limit = batchBytesWithinOverrides('Task');
    // floor((8,192 - 91 characters of empty overrides) / 2): see test/features/batching.test.ts.
    expect(limit).toBe(4050);
    // The worst case: every character of the batch's JSON text is a quote or a backslash.
    const batchText = '"'.repeat(limit);
    const overrides = JSON.stringify({ containerOverrides: [{ name: 'Task', environment: [{ name: 'FANOUT_ITEMS', value: batchText }] }] });
    expect(overrides.length).toBeLessThanOrEqual(8192);
    const oneMore = JSON.stringify({ containerOverrides: [{ name: 'Task', environment: [{ name: 'FANOUT_ITEMS', value: '"'.repeat(limit + 1) }] }] });
    expect(oneMore.length).toBeGreaterThan(8192);
  });

  test('a longer container name leaves less room', () => {
    expect(batchBytesWithinOverrides('a-much-longer-container-name')).toBeLessThan(batchBytesWithinOverrides('Task'));
  });

  test('resolveItemBatching names the prop and the range', () => {
    const limit = batchBytesWithinOverrides('Task');
    expect(() => resolveItemBatching({ maxItems: 10, maxInputBytes: limit + 1 }, 'Task'))
      .toThrow(`itemBatching.maxInputBytes must be a whole number from 1 to ${limit}, got ${limit + 1}`);
    expect(() => resolveItemBatching({ maxItems: 0 }, 'Task')).toThrow('itemBatching.maxItems must be a whole number from 1 to 10000, got 0');
    expect(resolveItemBatching({ maxItems: 5, maxInputBytes: 1000 }, 'Task')).toEqual({ maxItems: 5, maxInputBytes: 1000, maxInputBytesLimit: limit, reason: expect.stringContaining('up to 5 items and 1000 bytes a batch') });
  });
});
