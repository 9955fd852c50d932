import { FanOutMode } from '../src';
import { chooseMode, INLINE_MAX_ITEMS } from '../src/mode-choice';

describe('INLINE_MAX_ITEMS', () => {
  test('leaves room in the 25,000-event history for 8 events per item and 2 retries of 3 events each', () => {
    expect(INLINE_MAX_ITEMS).toBe(Math.floor((25_000 - 50) / (8 + 2 * 3)));
    expect(INLINE_MAX_ITEMS * 14 + 50).toBeLessThanOrEqual(25_000);
  });
});

describe('chooseMode with AUTO', () => {
  const auto = { requestedMode: FanOutMode.AUTO, itemsFromS3: false };

  test('items from S3 take the Distributed Map, whatever the count', () => {
    const choice = chooseMode({ ...auto, itemsFromS3: true, expectedItemCount: 3 });
    expect(choice.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(choice.reason).toMatch(/S3/);
  });

  test('a concurrency above 40 takes the Distributed Map', () => {
    const choice = chooseMode({ ...auto, expectedItemCount: 10, requestedConcurrency: 41 });
    expect(choice.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(choice.reason).toMatch(/maxConcurrency 41.*40/);
  });

  test('exactly 40 parallel stays inline', () => {
    expect(chooseMode({ ...auto, expectedItemCount: 10, requestedConcurrency: 40 }).mode).toBe(FanOutMode.INLINE);
  });

  test('a vCPU budget above 40 tasks takes the Distributed Map', () => {
    const choice = chooseMode({ ...auto, vcpuBudgetConcurrency: 64 });
    expect(choice.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(choice.reason).toMatch(/vCPU budget/);
  });

  test('maxConcurrency below 40 wins over a larger vCPU budget', () => {
    expect(chooseMode({ ...auto, expectedItemCount: 5, requestedConcurrency: 10, vcpuBudgetConcurrency: 64 }).mode).toBe(FanOutMode.INLINE);
  });

  test('a known small count takes the inline Map, up to the history-derived maximum', () => {
    expect(chooseMode({ ...auto, expectedItemCount: INLINE_MAX_ITEMS }).mode).toBe(FanOutMode.INLINE);
    expect(chooseMode({ ...auto, expectedItemCount: 0 }).mode).toBe(FanOutMode.INLINE);
  });

  test('one item more than the inline maximum takes the Distributed Map and says why', () => {
    const choice = chooseMode({ ...auto, expectedItemCount: INLINE_MAX_ITEMS + 1 });
    expect(choice.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(choice.reason).toMatch(/25000-event history/);
  });

  test('an unknown count of items from the input is decided at run time', () => {
    const choice = chooseMode(auto);
    expect(choice.mode).toBe(FanOutMode.RUN_TIME);
    expect(choice.reason).toContain(String(INLINE_MAX_ITEMS));
  });
});

describe('chooseMode with a forced mode', () => {
  test('DISTRIBUTED is always possible', () => {
    expect(chooseMode({ requestedMode: FanOutMode.DISTRIBUTED, itemsFromS3: false, expectedItemCount: 1 }).mode).toBe(FanOutMode.DISTRIBUTED);
  });

  test('INLINE within limits is kept', () => {
    const choice = chooseMode({ requestedMode: FanOutMode.INLINE, itemsFromS3: false, expectedItemCount: 100, requestedConcurrency: 40 });
    expect(choice.mode).toBe(FanOutMode.INLINE);
  });

  test('INLINE ignores a vCPU budget above 40 (a budget is a ceiling, not a demand)', () => {
    expect(chooseMode({ requestedMode: FanOutMode.INLINE, itemsFromS3: false, vcpuBudgetConcurrency: 400 }).mode).toBe(FanOutMode.INLINE);
  });

  test('fails: INLINE with items from S3', () => {
    expect(() => chooseMode({ requestedMode: FanOutMode.INLINE, itemsFromS3: true })).toThrow(/mode INLINE cannot read items from S3/);
  });

  test('fails: INLINE with maxConcurrency above 40', () => {
    expect(() => chooseMode({ requestedMode: FanOutMode.INLINE, itemsFromS3: false, requestedConcurrency: 41 })).toThrow(/maxConcurrency must be at most 40 with mode INLINE/);
  });

  test('fails: INLINE beyond the history limit', () => {
    expect(() => chooseMode({ requestedMode: FanOutMode.INLINE, itemsFromS3: false, expectedItemCount: INLINE_MAX_ITEMS + 1 }))
      .toThrow(new RegExp(`expectedItemCount must be at most ${INLINE_MAX_ITEMS} with mode INLINE`));
  });

  test('fails: RUN_TIME with items from S3', () => {
    expect(() => chooseMode({ requestedMode: FanOutMode.RUN_TIME, itemsFromS3: true })).toThrow(/mode RUN_TIME cannot read items from S3/);
  });

  test('RUN_TIME accepts a cap above 40 (the Distributed Map uses it)', () => {
    expect(chooseMode({ requestedMode: FanOutMode.RUN_TIME, itemsFromS3: false, requestedConcurrency: 500 }).mode).toBe(FanOutMode.RUN_TIME);
  });
});
