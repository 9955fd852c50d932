/**
 * The stop rules (retryRules, startFailureRetry, taskRetry), executed on the definitions
 * FargateFanOut synthesizes, in both Maps, against the simulated ECS: tasks that fail to start,
 * exit codes that are retried, failed at once or left to taskRetry, out-of-memory kills rerun at
 * the next size. Every item is accounted for (none lost, none run again after a success), and
 * each item's record matches what the simulation did (see expectRecordsMatchSimulation).
 */
import { Duration } from 'aws-cdk-lib';
import { attemptsOf, expectEveryItemAccountedFor, expectRecordsMatchSimulation, fanOutWith, makeItems, runFanOut, TestItem } from './fan-out-run';
import { FanOutMode, FanOutRetryRule } from '../../src';
import { DEFAULT_START_FAILURE_RETRY } from '../../src/retries/private/rule-kinds';
import { EcsErrors, SimulatedEcs } from '../harness/simulated-ecs';

jest.setTimeout(120_000);

const launched = (ecs: SimulatedEcs, item: TestItem) => attemptsOf(ecs, item).filter((a) => a.detail !== 'api-throttle' && a.detail !== 'launch-rate');

describe.each([
  ['distributed', FanOutMode.DISTRIBUTED, 100],
  ['inline', FanOutMode.INLINE, 40],
])('in the %s Map', (_name, mode, cap) => {
  test(`tasks that fail to start are retried (${DEFAULT_START_FAILURE_RETRY.maxAttempts} times by default), apart from taskRetry; an image that never pulls fails after ${1 + DEFAULT_START_FAILURE_RETRY.maxAttempts} tries`, async () => {
    const items = makeItems(120);
    // Every 4th item fails to start once; every 30th never starts.
    const startFailureFor = (item: any, attempt: number) =>
      (item.id % 30 === 0 || (item.id % 4 === 1 && attempt === 1) ? 'CannotPullContainerError: failed to resolve ref (simulated)' : undefined);
    const ecs = new SimulatedEcs({ startFailureFor, seed: 141 });

    const run = await runFanOut(fanOutWith({ mode }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    expect(accounting.reportedFailed).toEqual(items.filter((i) => i.id % 30 === 0).map((i) => i.id));
    for (const item of items) {
      const expected = item.id % 30 === 0 ? 1 + DEFAULT_START_FAILURE_RETRY.maxAttempts : item.id % 4 === 1 ? 2 : 1;
      expect(launched(ecs, item)).toHaveLength(expected);
    }
    expect(run.summary!.failedItems.every((f) => f.error === EcsErrors.TASK_FAILED)).toBe(true);
    expect(expectRecordsMatchSimulation(run)).toBeGreaterThan(0);
  });

  test('exit-code rules: a retried code reruns, failOnExitCodes fails at once even with taskRetry, a code no rule names falls to taskRetry', async () => {
    const items = makeItems(100);
    // Exit 3 on the first run (retried by its rule), 2 always (fails at once), 5 on the first two runs (taskRetry, 1 retry: fails).
    const exitCodeFor = (item: any, attempt: number) => {
      if (item.id % 10 === 1) return attempt === 1 ? 3 : 0;
      if (item.id % 10 === 2) return 2;
      if (item.id % 10 === 5) return attempt <= 2 ? 5 : 0;
      if (item.id % 10 === 7) return attempt === 1 ? 5 : 0;
      return 0;
    };
    const ecs = new SimulatedEcs({ exitCodeFor, seed: 142 });
    const retryRules = [FanOutRetryRule.onExitCodes([3], { maxAttempts: 2, interval: Duration.seconds(5) }), FanOutRetryRule.failOnExitCodes([2])];

    const run = await runFanOut(fanOutWith({ mode, retryRules, taskRetry: { maxAttempts: 1 } }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    expect(accounting.reportedFailed).toEqual(items.filter((i) => i.id % 10 === 2 || i.id % 10 === 5).map((i) => i.id));
    const launches = (rest: number) => items.filter((i) => i.id % 10 === rest).map((i) => launched(ecs, i).length);
    expect(new Set(launches(1))).toEqual(new Set([2]));
    expect(new Set(launches(2))).toEqual(new Set([1]));
    expect(new Set(launches(5))).toEqual(new Set([2]));
    expect(new Set(launches(7))).toEqual(new Set([2]));
    expect(new Set(launches(0))).toEqual(new Set([1]));
    expectRecordsMatchSimulation(run);
  });

  test('out of memory: each rerun runs at the next size through the task-level overrides, until the item fits', async () => {
    const items = makeItems(60);
    // Every 3rd item needs 1,800 MiB: 512 fails, 1,024 fails, 2,048 fits.
    const memoryNeededMiB = (item: any) => (item.id % 3 === 0 ? 1_800 : 300);
    const ecs = new SimulatedEcs({ memoryNeededMiB, seed: 143 });
    const retryRules = [FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 1024 }, { cpu: 512, memoryLimitMiB: 2048 }])];

    const run = await runFanOut(fanOutWith({ mode, retryRules }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    expect(accounting.reportedFailed).toEqual([]);
    for (const item of items) {
      const sizes = launched(ecs, item).map((a) => `${a.cpu}/${a.memoryMiB}`);
      expect(sizes).toEqual(item.id % 3 === 0 ? ['256/512', '256/1024', '512/2048'] : ['256/512']);
    }
    expect(ecs.outOfMemoryKills).toBe(40);
    expectRecordsMatchSimulation(run);
  });

  test('out of memory at the largest size fails the item, with exit code 137 in its record', async () => {
    const items = makeItems(10);
    const ecs = new SimulatedEcs({ memoryNeededMiB: (item: any) => (item.id === 4 ? 4_000 : 100), seed: 144 });
    const retryRules = [FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 2048 }])];

    const run = await runFanOut(fanOutWith({ mode, retryRules }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    expect(accounting.reportedFailed).toEqual([4]);
    expect(launched(ecs, items[4]).map((a) => a.memoryMiB)).toEqual([512, 2048]);
    expectRecordsMatchSimulation(run);
  });
});
