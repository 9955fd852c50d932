import { FanOutMode } from '../../src';
import { chooseMode } from '../../src/mode/private/choose-mode';

/** What the default inline retry (30 refused-call retries, no reruns) lets an inline Map hold. */
const INLINE_MAX_ITEMS = 215;
/** Items from the execution input, with that threshold. */
const FROM_INPUT = { itemsFromS3: false, inlineMaxItems: INLINE_MAX_ITEMS };

describe('chooseMode with AUTO', () => {
  const auto = { requestedMode: FanOutMode.AUTO, itemsFromS3: false, inlineMaxItems: INLINE_MAX_ITEMS };

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
    expect(choice.reason).toMatch(/25000-event history \(at most 215 items if every item used all its retries\)/);
  });

  test('retries too long for even one item in the parent history take the Distributed Map', () => {
    const choice = chooseMode({ ...auto, inlineMaxItems: 0 });
    expect(choice.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(choice.reason).toMatch(/not one item surely fits/);
  });

  test('an unknown count of items from the input is decided at run time', () => {
    const choice = chooseMode(auto);
    expect(choice.mode).toBe(FanOutMode.RUN_TIME);
    expect(choice.reason).toContain(String(INLINE_MAX_ITEMS));
  });
});

describe('chooseMode with a forced mode', () => {
  test('DISTRIBUTED is always possible', () => {
    expect(chooseMode({ requestedMode: FanOutMode.DISTRIBUTED, ...FROM_INPUT, expectedItemCount: 1 }).mode).toBe(FanOutMode.DISTRIBUTED);
  });

  test('INLINE within limits is kept', () => {
    const choice = chooseMode({ requestedMode: FanOutMode.INLINE, ...FROM_INPUT, expectedItemCount: 100, requestedConcurrency: 40 });
    expect(choice.mode).toBe(FanOutMode.INLINE);
  });

  test('INLINE ignores a vCPU budget above 40 (a budget is a ceiling, not a demand)', () => {
    expect(chooseMode({ requestedMode: FanOutMode.INLINE, ...FROM_INPUT, vcpuBudgetConcurrency: 400 }).mode).toBe(FanOutMode.INLINE);
  });

  test('fails: INLINE with items from S3', () => {
    expect(() => chooseMode({ requestedMode: FanOutMode.INLINE, itemsFromS3: true, inlineMaxItems: INLINE_MAX_ITEMS })).toThrow(/mode INLINE cannot read items from S3/);
  });

  test('fails: INLINE with maxConcurrency above 40', () => {
    expect(() => chooseMode({ requestedMode: FanOutMode.INLINE, ...FROM_INPUT, requestedConcurrency: 41 })).toThrow(/maxConcurrency must be at most 40 with mode INLINE/);
  });

  test('fails: INLINE beyond the history limit', () => {
    expect(() => chooseMode({ requestedMode: FanOutMode.INLINE, ...FROM_INPUT, expectedItemCount: INLINE_MAX_ITEMS + 1 }))
      .toThrow(new RegExp(`expectedItemCount must be at most ${INLINE_MAX_ITEMS} with mode INLINE`));
  });

  test('fails: INLINE or RUN_TIME when not one item fits the history with its retries', () => {
    for (const requestedMode of [FanOutMode.INLINE, FanOutMode.RUN_TIME]) {
      expect(() => chooseMode({ requestedMode, itemsFromS3: false, inlineMaxItems: 0 }))
        .toThrow(/throttleRetry.maxAttempts and taskRetry.maxAttempts are too high for mode (INLINE|RUN_TIME)/);
    }
  });

  test('fails: RUN_TIME with items from S3', () => {
    expect(() => chooseMode({ requestedMode: FanOutMode.RUN_TIME, itemsFromS3: true, inlineMaxItems: INLINE_MAX_ITEMS })).toThrow(/mode RUN_TIME cannot read items from S3/);
  });

  test('RUN_TIME accepts a cap above 40 (the Distributed Map uses it)', () => {
    expect(chooseMode({ requestedMode: FanOutMode.RUN_TIME, ...FROM_INPUT, requestedConcurrency: 500 }).mode).toBe(FanOutMode.RUN_TIME);
  });
});
