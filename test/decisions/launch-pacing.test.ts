import { decideLaunchPacing, launchWaitSecondsExpression, PACING_MIN_UNPACED_CAP } from '../../src/concurrency/launch-pacing';
import { FARGATE_RUN_TASK_CALLS_PER_SECOND } from '../../src/facts';
import { evaluateTemplate } from '../harness/jsonata-states';

const distributed = { hasDistributedMap: true, pooled: false, batched: false };

describe('decideLaunchPacing', () => {
  test('the default cap of 100 is not paced: a Wait per item would cost more than the throttled calls it saves', () => {
    const decision = decideLaunchPacing({ ...distributed, maxConcurrency: 100 });
    expect(PACING_MIN_UNPACED_CAP).toBe(100);
    expect(decision).toMatchObject({ paced: false, firstWaveSeconds: 0 });
    expect(decision.reason).toMatch(/a first wave of 100 \(at most 100\) throttles about one call per item/);
  });

  test.each([
    // ceil(cap / 20) - 1: 101 -> 6 - 1 = 5; 1,000 -> 50 - 1 = 49; 10,000 -> 500 - 1 = 499.
    [101, 5],
    [1000, 49],
    [10_000, 499],
  ])('a cap of %d is paced: every item at 20 per second, the first wave over %d s', (cap, firstWaveSeconds) => {
    const decision = decideLaunchPacing({ ...distributed, maxConcurrency: cap });
    expect(decision).toMatchObject({ paced: true, callsPerSecond: FARGATE_RUN_TASK_CALLS_PER_SECOND, firstWaveSeconds });
    expect(decision.reason).toMatch(new RegExp(`^every item starts no earlier than floor\\(index / 20\\) s after the run's start, 20 RunTask calls per second \\(the first ${cap} over ${firstWaveSeconds} s`));
    expect(decision.reason).toMatch(/a redriven run keeps its start time, so its items do not wait/);
  });

  test('a cap of 500 is paced: its first wave throttles about 1,513 calls, and tasks under 25 s would outrun the rate after it', () => {
    // 142 x (500 / 100)^1.47 = 142 x 10.66 = 1,513; ceil(500 / 20) = 25 s.
    const decision = decideLaunchPacing({ ...distributed, maxConcurrency: 500 });
    expect(decision.paced).toBe(true);
    expect(decision.reason).toMatch(/the cap is above 100, where an unpaced first wave throttles about 1513 calls and tasks shorter than 25 s would call RunTask faster than the rate after it/);
  });

  test('launchPacing true paces a small cap, false turns a large one off', () => {
    expect(decideLaunchPacing({ ...distributed, maxConcurrency: 50, requested: true }).paced).toBe(true);
    const off = decideLaunchPacing({ ...distributed, maxConcurrency: 5000, requested: false });
    expect(off.paced).toBe(false);
    expect(off.reason).toMatch(/launchPacing is false/);
  });

  test.each([
    ['an inline Map', { hasDistributedMap: false }, /inline Map/],
    ['a pool', { pooled: true }, /concurrency pool/],
    ['batches', { batched: true }, /itemBatching/],
  ])('not paced with %s, and the reason says why', (_name, overrides, reason) => {
    const decision = decideLaunchPacing({ ...distributed, maxConcurrency: 1000, ...overrides });
    expect(decision.paced).toBe(false);
    expect(decision.reason).toMatch(reason);
  });

  test.each([
    ['an inline Map', { hasDistributedMap: false }, /launchPacing can be true only .* here the items run in an inline Map/],
    ['a pool', { pooled: true }, /launchPacing can be true only .* a concurrencyPool paces RunTask calls itself/],
    ['batches', { batched: true }, /launchPacing can be true only .* itemBatching/],
  ])('fails: launchPacing true with %s', (_name, overrides, message) => {
    expect(() => decideLaunchPacing({ ...distributed, maxConcurrency: 1000, requested: true, ...overrides })).toThrow(message);
  });
});

describe('launchWaitSecondsExpression, evaluated with jsonata', () => {
  // The run started at 10:00:00.734; item i is due floor(i / 20) s after that.
  const start = '2025-01-01T10:00:00.734Z';
  const waits = async (index: number, enteredTime: string, runStartTime = start) =>
    evaluateTemplate(launchWaitSecondsExpression(20), { input: { runStartTime, index }, context: { State: { EnteredTime: enteredTime } } });

  test('an item entering its Wait at the run\'s start waits floor(i / 20) s, rounded up to the second', async () => {
    // Entered 266 ms after the start (10:00:01.000): due at 0.734 + floor(i / 20) s from 10:00:00.
    // i = 0 and 19: due 10:00:00.734, already 266 ms past: 0 s.
    expect(await waits(0, '2025-01-01T10:00:01.000Z')).toBe(0);
    expect(await waits(19, '2025-01-01T10:00:01.000Z')).toBe(0);
    // i = 20: due 10:00:01.734, 734 ms ahead: 1 s. i = 999: floor(999 / 20) = 49 s, due 10:00:49.734,
    // 48.734 s ahead: 49 s. i = 1,000: 50 s, due 10:00:50.734: 50 s. i = 9,999: 499 s: 499 s.
    expect(await waits(20, '2025-01-01T10:00:01.000Z')).toBe(1);
    expect(await waits(999, '2025-01-01T10:00:01.000Z')).toBe(49);
    expect(await waits(1000, '2025-01-01T10:00:01.000Z')).toBe(50);
    expect(await waits(9999, '2025-01-01T10:00:01.000Z')).toBe(499);
  });

  test('an item that starts after its second (an earlier item ended first) waits 0 s', async () => {
    // i = 2,000 is due 100 s after the start, 10:01:40.734; entered at 10:05:00, 3 min 19 s late.
    expect(await waits(2000, '2025-01-01T10:05:00.000Z')).toBe(0);
    // Entered exactly when due: 0 s.
    expect(await waits(2000, '2025-01-01T10:01:40.734Z')).toBe(0);
  });

  test('across midnight and a year\'s end', async () => {
    // 2,000 / 20 = 100 s after 23:59:30 is 00:01:10 the next day (and year); entered at 00:00:00, 70 s ahead.
    expect(await waits(2000, '2026-01-01T00:00:00Z', '2025-12-31T23:59:30Z')).toBe(70);
  });
});
