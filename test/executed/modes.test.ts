/**
 * Executes the state machine definitions FargateFanOut really synthesizes (INLINE, DISTRIBUTED,
 * RUN_TIME), offline, against a simulated ECS (test/harness), and proves by counting that every
 * item is run exactly once or reported failed, within the caps, payload and history limits.
 */
import { account, expectEveryItemAccountedFor, fanOutWith, HISTORY_EVENT_LIMIT, inlineCapOf, makeItems, runFanOut, runTimeThreshold, TestItem } from './fan-out-run';
import { FanOutCapacity, FanOutMode } from '../../src';
import { DEFAULT_START_FAILURE_RETRY } from '../../src/retries/private/rule-kinds';
import { DEFAULT_THROTTLE_RETRY, INVALID_PARAMETER_QUICK_RETRIES } from '../../src/retries/private/throttle-retry';
import { inlineMaxItems, itemRetryAttempts } from '../../src/workflow/history-budget';
import { INLINE_MAX_CONCURRENCY_PATH, MAX_CONCURRENCY_PATH } from '../../src/workflow/read-vcpu-quota';
import { StateNames } from '../../src/workflow/workflow';
import { CONTAINER_OVERRIDES_MAX_CHARS, EcsErrors, itemKey, SimulatedEcs } from '../harness/simulated-ecs';
import { allStates } from '../util/synth';

jest.setTimeout(120_000);

/** The run-time threshold with the default retries: what surely fits the inline Map's history. */
const INLINE_MAX_ITEMS = runTimeThreshold(fanOutWith({}).definition);

describe('INLINE mode', () => {
  test('300 items with throttled RunTask and VPC calls: each runs exactly once, 40 at a time, and the execution succeeds', async () => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE });
    expect(synth.fanOut.mode).toBe(FanOutMode.INLINE);
    // The run's cap, read from the quota read's state data (40: the simulated quota is unlimited).
    expect(allStates(synth.definition)[StateNames.INLINE_MAP].MaxConcurrencyPath).toBe(INLINE_MAX_CONCURRENCY_PATH);
    const ecs = new SimulatedEcs({ throttleRate: 0.2, vpcThrottleRate: 0.05, seed: 11 });

    const run = await runFanOut(synth, makeItems(300), ecs);

    expect(run.mapRan).toBe('inline');
    expectEveryItemAccountedFor(run, synth.fanOut.maxConcurrency);
    expect(ecs.maxInFlight).toBe(40);
    expect(ecs.throttled).toBeGreaterThan(50);
    // No failure at all: the filter $[?(@.error)] matched nothing and gave [] (as on AWS).
    expect(run.result.output).toEqual({
      itemCount: 300,
      failedCount: 0,
      failedItems: [],
      message: '0 of 300 items failed',
      failuresWrittenTo: 's3://FanOutResults2D1C8C06/fan-out-results/inline/harness-execution/',
      // The run read the (simulated, unlimited) quota and kept its cap.
      concurrencyCap: {
        maxConcurrency: 40,
        inlineMaxConcurrency: 40,
        quotaRead: true,
        quotaVcpus: 1_000_000,
        reason: 'the Fargate On-Demand vCPU resource count quota, 1000000 vCPU, holds 4000000 tasks of 0.25 vCPU, at least the cap of 40, which is kept',
      },
    });
  });

  test('maxConcurrency 10 caps the tasks in flight at 10', async () => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE, maxConcurrency: 10 });
    expect(synth.fanOut.maxConcurrency).toBe(10);
    const ecs = new SimulatedEcs({ throttleRate: 0.1, seed: 12 });

    const run = await runFanOut(synth, makeItems(100), ecs);

    expectEveryItemAccountedFor(run, 10);
    expect(ecs.maxInFlight).toBe(10);
  });

  test('items whose container exits non-zero are reported by index and error; the execution fails with FanOut.ItemsFailed', async () => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE });
    const failing = (id: number) => id % 25 === 7;
    const ecs = new SimulatedEcs({ throttleRate: 0.1, exitCodeFor: (item: any) => (failing(item.id) ? 3 : 0), seed: 13 });
    const items = makeItems(200);

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 40);
    const expected = items.filter((i) => failing(i.id)).map((i) => i.id);
    expect(accounting.reportedFailed).toEqual(expected);
    expect(run.summary!.failedItems).toEqual(expected.map((index) => ({ index, error: EcsErrors.TASK_FAILED })));
    expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: `${expected.length} of 200 items failed` });
    // Not retried: each failed item launched exactly one task.
    for (const index of expected) {
      expect(ecs.attemptsByItem.get(itemKey(items[index]))!.filter((a) => a.startedAt !== undefined)).toHaveLength(1);
    }
  });
});

describe('DISTRIBUTED mode', () => {
  test('1,000 items with throttling and capacity faults: one child each, at most fanOut.maxConcurrency (100) at a time', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED });
    expect(synth.fanOut.maxConcurrency).toBe(100);
    expect(allStates(synth.definition)[StateNames.DISTRIBUTED_MAP].MaxConcurrencyPath).toBe(MAX_CONCURRENCY_PATH);
    const ecs = new SimulatedEcs({ throttleRate: 0.2, capacityFailureRate: 0.1, seed: 21 });

    const run = await runFanOut(synth, makeItems(1000), ecs);

    expect(run.mapRan).toBe('distributed');
    expectEveryItemAccountedFor(run, 100);
    expect(run.result.mapRuns).toHaveLength(1);
    expect(run.result.mapRuns[0]).toMatchObject({ itemsRead: 1000, childExecutions: 1000, succeeded: 1000, failed: 0, maxChildrenInFlight: 100 });
    expect(ecs.maxInFlight).toBe(100);
    expect(ecs.capacityFailures).toBeGreaterThan(50);
  });

  test('maxConcurrency 250: in flight reaches 250 and never more, though RunTask admits 20 calls a second', async () => {
    // Unpaced (launchPacing starts every item at the RunTask rate; see launch-pacing.test.ts).
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 250, launchPacing: false });
    const ecs = new SimulatedEcs({ seed: 22 });

    const run = await runFanOut(synth, makeItems(750), ecs);

    expectEveryItemAccountedFor(run, 250);
    expect(ecs.maxInFlight).toBe(250);
    expect(ecs.apiThrottled).toBeGreaterThan(0);
  });

  test('with failures: the reported indexes are exactly the failed items, across child executions', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED });
    const ecs = new SimulatedEcs({ throttleRate: 0.1, exitCodeFor: (item: any) => (item.id % 97 === 5 ? 1 : 0), seed: 23 });
    const items = makeItems(500);

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toEqual([5, 102, 199, 296, 393, 490]);
    expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: expect.stringMatching(/^6 of 500 items failed/) });
    // A failed item fails its child execution; the Map Run tolerates, counts and lists it.
    expect(run.result.mapRuns[0]).toMatchObject({ succeeded: 494, failed: 6, thresholdExceeded: false });
  });
});

describe('RUN_TIME mode (the default without expectedItemCount)', () => {
  const synth = () => fanOutWith({});

  test('is what the construct builds by default, with a 40-task inline Map and a 100-task Distributed Map', () => {
    const { fanOut, definition } = synth();
    expect(fanOut.mode).toBe(FanOutMode.RUN_TIME);
    const attempts = itemRetryAttempts({
      throttleRetry: DEFAULT_THROTTLE_RETRY,
      capacity: FanOutCapacity.ON_DEMAND,
      callback: false,
      loopReruns: DEFAULT_START_FAILURE_RETRY.maxAttempts,
      spillsItems: true,
    });
    // 33 refused calls (30 throttle retries and 3 quick InvalidParameterException retries) on each
    // of 4 runs (the first, 2 start-failure retries, one after writing the item to S3 for its
    // size): 132.
    expect(attempts).toMatchObject({ refusedAttempts: 132, loopReruns: 2, spills: 1 });
    // Every loop and record counted: the task 8 + its failure record 18 + its record 6 + 2 reruns
    // x 18 + the write to S3 26 + 132 refused calls x 3 = 490 events; floor(24,950 / 490) = 50.
    expect(inlineMaxItems(attempts)).toBe(50);
    expect(INLINE_MAX_ITEMS).toBe(50);
    expect(allStates(definition)[StateNames.CHOOSE_MAP].Choices[0].NumericLessThanEquals).toBe(INLINE_MAX_ITEMS);
    const states = allStates(definition);
    // Their caps are read at run time (see features/vcpu-quota.test.ts): at most these.
    expect(states[StateNames.INLINE_MAP].MaxConcurrencyPath).toBe(INLINE_MAX_CONCURRENCY_PATH);
    expect(states[StateNames.DISTRIBUTED_MAP].MaxConcurrencyPath).toBe(MAX_CONCURRENCY_PATH);
    expect([inlineCapOf({ fanOut }), fanOut.maxConcurrency]).toEqual([40, 100]);
  });

  test('a short array (50 items) runs in the inline Map', async () => {
    const ecs = new SimulatedEcs({ throttleRate: 0.3, seed: 31 });
    const run = await runFanOut(synth(), makeItems(50), ecs);
    expect(run.mapRan).toBe('inline');
    expectEveryItemAccountedFor(run, 40);
    expect(run.result.status).toBe('SUCCEEDED');
  });

  test('an empty array succeeds with "0 of 0 items failed"', async () => {
    const ecs = new SimulatedEcs({ seed: 32 });
    const run = await runFanOut(synth(), [], ecs);
    expect(run.mapRan).toBe('inline');
    expect(run.result).toMatchObject({ status: 'SUCCEEDED', output: { itemCount: 0, failedCount: 0, failedItems: [], message: '0 of 0 items failed' } });
    expect(ecs.runTaskCalls).toBe(0);
  });

  test(`${INLINE_MAX_ITEMS} items (the threshold) with 30% throttling run inline, under the 25,000-event history with every retry counted`, async () => {
    const ecs = new SimulatedEcs({ throttleRate: 0.3, seed: 33 });
    const run = await runFanOut(synth(), makeItems(INLINE_MAX_ITEMS), ecs);

    expect(run.mapRan).toBe('inline');
    expectEveryItemAccountedFor(run, 40);
    expect(ecs.maxInFlight).toBe(40);
    // Every failed RunTask attempt is in the estimate (3 events each), and the total fits.
    const failedAttempts = ecs.runTaskCalls - ecs.tasksSucceeded;
    expect(failedAttempts).toBeGreaterThan(INLINE_MAX_ITEMS / 4);
    expect(run.result.history.byEventType.TaskFailed).toBe(failedAttempts);
    // Each item's task, and the run's quota read.
    expect(run.result.history.byEventType.TaskSucceeded).toBe(INLINE_MAX_ITEMS + 1);
    expect(run.result.history.total).toBeLessThan(HISTORY_EVENT_LIMIT);
    console.log(`RUN_TIME inline at the threshold: ${run.describe}; ~${run.result.history.total} history events`);
  });

  test(`the worst case: ${INLINE_MAX_ITEMS} items that use (nearly) every retry on every run, half of them too large for the overrides, and the history still fits`, async () => {
    // Each item: 30 throttles, then a task that fails to start, three times; an item too large
    // for the overrides (every other one: 256 KiB of input holds no more) is first refused 4
    // times and written to S3, and its first launch comes without throttles.
    const ecs = new SimulatedEcs({
      throttleFirstCalls: DEFAULT_THROTTLE_RETRY.maxAttempts,
      startFailureFor: () => 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      seed: 36,
    });
    const large = (item: TestItem) => item.id % 2 === 0;
    const items: TestItem[] = makeItems(INLINE_MAX_ITEMS).map((item) => (large(item) ? { ...item, pad: 'x'.repeat(CONTAINER_OVERRIDES_MAX_CHARS) } : item));
    const run = await runFanOut(synth(), items, ecs);

    expect(run.mapRan).toBe('inline');
    const accounting = expectEveryItemAccountedFor(run, 40);
    expect(accounting.reportedFailed).toHaveLength(INLINE_MAX_ITEMS);
    const runs = 1 + DEFAULT_START_FAILURE_RETRY.maxAttempts;
    const callsPerSmallItem = runs * (DEFAULT_THROTTLE_RETRY.maxAttempts + 1);
    // 30 throttles and 4 refusals for its size; then a launch without throttles, then 2 runs as a small item's.
    const callsPerLargeItem = callsPerSmallItem + 1 + INVALID_PARAMETER_QUICK_RETRIES;
    const largeItems = items.filter(large).length;
    expect(ecs.runTaskCalls).toBe((INLINE_MAX_ITEMS - largeItems) * callsPerSmallItem + largeItems * callsPerLargeItem);
    expect(ecs.startFailures).toBe(INLINE_MAX_ITEMS * runs);
    expect(ecs.s3Objects.size).toBe(largeItems);
    expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: `${INLINE_MAX_ITEMS} of ${INLINE_MAX_ITEMS} items failed` });
    // The bound is what one item could write at worst on every one of its runs (33 refusals each,
    // a write to S3): 50 x 490 + 50 = 24,550 events. This run comes to two thirds of the
    // 25,000-event limit (16,690 events measured; more than 65%, 16,250, asserted).
    expect(run.result.history.total).toBeGreaterThan(0.65 * HISTORY_EVENT_LIMIT);
    expect(run.result.history.total).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT);
    console.log(`RUN_TIME inline, every retry used: ${run.describe}; ~${run.result.history.total} history events`);
  });

  test(`${INLINE_MAX_ITEMS + 1} items run in the Distributed Map, up to 100 at a time`, async () => {
    const ecs = new SimulatedEcs({ throttleRate: 0.3, seed: 34 });
    const run = await runFanOut(synth(), makeItems(INLINE_MAX_ITEMS + 1), ecs);

    expect(run.mapRan).toBe('distributed');
    expectEveryItemAccountedFor(run, 100);
    expect(run.result.mapRuns[0]).toMatchObject({ itemsRead: INLINE_MAX_ITEMS + 1, maxChildrenInFlight: Math.min(100, INLINE_MAX_ITEMS + 1) });
    expect(run.result.history.total).toBeLessThan(100);
    expect(run.result.mapRuns[0].maxChildHistoryEvents).toBeLessThan(200);
  });

  test('a short array with failures fails the execution with the count in the cause', async () => {
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.1, seed: 35 });
    const items = makeItems(INLINE_MAX_ITEMS);
    const run = await runFanOut(synth(), items, ecs);

    expect(run.mapRan).toBe('inline');
    const accounting = expectEveryItemAccountedFor(run, 40);
    expect(accounting.reportedFailed.length).toBe(ecs.spotInterruptions);
    expect(accounting.reportedFailed.length).toBeGreaterThan(0);
    expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: `${ecs.spotInterruptions} of ${INLINE_MAX_ITEMS} items failed` });
    expect(account(run).failedBySimulation).toEqual(accounting.reportedFailed);
  });
});
