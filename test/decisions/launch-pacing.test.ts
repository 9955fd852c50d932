import { decideLaunchPacing, launchDelayExpression, PACING_MIN_UNPACED_CAP } from '../../src/concurrency/launch-pacing';
import { FARGATE_RUN_TASK_CALLS_PER_SECOND, SFN_MAX_NESTED_INTRINSICS } from '../../src/facts';
import { installPromiseWithResolvers } from '../harness/execute-workflow';

const distributed = { hasDistributedMap: true, pooled: false, batched: false };

describe('decideLaunchPacing', () => {
  test('the default cap of 100 is not paced: a Wait per item would cost more than the throttled calls it saves', () => {
    const decision = decideLaunchPacing({ ...distributed, maxConcurrency: 100 });
    expect(PACING_MIN_UNPACED_CAP).toBe(100);
    expect(decision).toMatchObject({ paced: false, firstWave: 0 });
    expect(decision.reason).toMatch(/a first wave of 100 \(at most 100\) throttles about one call per item/);
  });

  test.each([
    [101, 101, 5],
    [1000, 1000, 49],
    [10_000, 10_000, 499],
  ])('a cap of %d is paced: %d items at 20 per second, the last group after %d s', (cap, firstWave, lastDelay) => {
    const decision = decideLaunchPacing({ ...distributed, maxConcurrency: cap });
    expect(decision).toMatchObject({ paced: true, firstWave, callsPerSecond: FARGATE_RUN_TASK_CALLS_PER_SECOND, lastDelaySeconds: lastDelay });
    expect(decision.reason).toMatch(new RegExp(`^the first ${cap} items start 20 per second over ${lastDelay} s`));
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

describe('launchDelayExpression, evaluated by the interpreter', () => {
  installPromiseWithResolvers();
  // The interpreter is typed as ESM; required as the harness does.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { StateMachine } = require('aws-local-stepfunctions');
  async function delays(cap: number, rate: number, indexes: number[]): Promise<number[]> {
    const machine = new StateMachine({
      StartAt: 'Map',
      States: {
        Map: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 0,
          ItemSelector: { 'delay.$': launchDelayExpression(cap, rate) },
          ItemProcessor: { StartAt: 'Keep', States: { Keep: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    } as any);
    // The Map's items stand in for indexes: an array long enough to reach the largest.
    const items = Array.from({ length: Math.max(...indexes) + 1 }, (_, i) => i);
    const out: Array<{ delay: number }> = await machine.run({ items }).result;
    return indexes.map((i) => out[i].delay);
  }

  test('nests no more intrinsic functions than a field may hold', () => {
    expect(launchDelayExpression(10_000, 20).match(/States\.\w+\(/g)!.length).toBeLessThanOrEqual(SFN_MAX_NESTED_INTRINSICS);
  });

  test('floor(index / rate) in the first wave, 0 after it', async () => {
    const indexes = [0, 19, 20, 39, 40, 999, 1000, 1001, 2500];
    expect(await delays(1000, 20, indexes)).toEqual([0, 0, 1, 1, 2, 49, 0, 0, 0]);
  });

  test('the largest cap: 10,000 items in 500 groups; indexes past the 1,000-element ArrayRange get 0', async () => {
    // The same expression with the index read from the input, to reach large indexes quickly.
    const expression = launchDelayExpression(10_000, 20).split('$$.Map.Item.Index').join('$.i');
    const machine = new StateMachine({ StartAt: 'Delay', States: { Delay: { Type: 'Pass', Parameters: { 'delay.$': expression }, End: true } } } as any);
    const delayOf = async (i: number) => ((await machine.run({ i }).result) as { delay: number }).delay;
    expect(await Promise.all([0, 19, 20, 9_999, 10_000, 20_000, 99_999_999].map(delayOf))).toEqual([0, 0, 1, 499, 0, 0, 0]);
  });
});
