import { decideLaunchPacing, launchTimestampExpression, PACING_MIN_UNPACED_CAP } from '../../src/concurrency/launch-pacing';
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

  test('expectedItemCount: a long run whose unpaced first wave throttles under 5% of its items is not paced', () => {
    // A first wave of 500 throttles about 1,513 calls (the estimate): 3% of 50,000 items, 15% of 10,000.
    const long = decideLaunchPacing({ ...distributed, maxConcurrency: 500, expectedItemCount: 50_000 });
    expect(long.paced).toBe(false);
    expect(long.reason).toMatch(/throttles about 1513 calls, at most 5% of the 50000 expected items/);
    const short = decideLaunchPacing({ ...distributed, maxConcurrency: 500, expectedItemCount: 10_000 });
    expect(short.paced).toBe(true);
    expect(short.reason).toMatch(/throttles about 1513 calls, over 5% of the 10000 expected items/);
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

describe('launchTimestampExpression, evaluated with jsonata', () => {
  const at = async (runStartTime: string, index: number) =>
    evaluateTemplate(launchTimestampExpression(20), { input: { runStartTime, index } });

  test('item i is due floor(i / 20) s after the run\'s start, in whole seconds with a Z', async () => {
    // floor(0 / 20) = 0, floor(19 / 20) = 0, floor(20 / 20) = 1, floor(999 / 20) = 49, floor(1,000 / 20) = 50,
    // floor(9,999 / 20) = 499 s = 8 min 19 s; the start's 734 ms are dropped (a Wait reads whole seconds).
    const start = '2025-01-01T10:00:00.734Z';
    expect(await at(start, 0)).toBe('2025-01-01T10:00:00Z');
    expect(await at(start, 19)).toBe('2025-01-01T10:00:00Z');
    expect(await at(start, 20)).toBe('2025-01-01T10:00:01Z');
    expect(await at(start, 999)).toBe('2025-01-01T10:00:49Z');
    expect(await at(start, 1000)).toBe('2025-01-01T10:00:50Z');
    expect(await at(start, 9999)).toBe('2025-01-01T10:08:19Z');
  });

  test('across midnight and a year\'s end', async () => {
    // 2,000 / 20 = 100 s after 23:59:30 is 00:01:10 the next day (and year).
    expect(await at('2025-12-31T23:59:30Z', 2000)).toBe('2026-01-01T00:01:10Z');
  });
});
