/**
 * Batching, Spot with on-demand fallback and tolerated failures, executed on the definitions
 * FargateFanOut synthesizes, against the simulated ECS. Every run is counted item by item.
 */
import { account, expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut, TestItem } from './fan-out-run';
import { FanOutCapacity, FanOutIntegrationPattern, FanOutMode } from '../../src';
import { ITEMS_FAILED_ERROR, StateNames } from '../../src/fan-out-workflow';
import { CallbackBehavior, CONTAINER_OVERRIDES_MAX_CHARS, EcsErrors, itemKey, SimulatedEcs } from '../harness/simulated-ecs';
import { allStates } from '../util/synth';

jest.setTimeout(60_000);

const attemptsOf = (ecs: SimulatedEcs, item: TestItem) => ecs.attemptsByItem.get(itemKey(item)) ?? [];

describe('itemBatching', () => {
  test('1,000 items in batches of 10: 10x fewer tasks (launching RunTask calls) than one task per item, every item run once', async () => {
    const items = makeItems(1000);
    const unbatched = new SimulatedEcs({ seed: 81 });
    const batched = new SimulatedEcs({ seed: 81 });

    const baseline = await runFanOut(fanOutWith({ mode: FanOutMode.DISTRIBUTED }), items, unbatched);
    const run = await runFanOut(fanOutWith({ itemBatching: { maxItems: 10 } }), items, batched);

    expect(run.fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    expectEveryItemAccountedFor(baseline, 100);
    expectEveryItemAccountedFor(run, 100);
    expect(unbatched.tasksStarted).toBe(1000);
    // The unbatched run also meets Fargate's launch rate (burst 100, then 20/s); 100 batches do not.
    expect(unbatched.runTaskCalls).toBeGreaterThanOrEqual(1000);
    // Tasks drop by exactly the batch size; RunTask calls by about as much (both runs meet the
    // RunTask rate of 20/s for their first wave, so a few calls on each side are throttled).
    expect(batched.tasksStarted).toBe(unbatched.tasksStarted / 10);
    expect(batched.runTaskCalls).toBeLessThan(unbatched.runTaskCalls / 4);
    expect(batched.batchesStarted).toBe(100);
    expect(batched.itemsStarted).toBe(1000);
    expect(run.result.mapRuns[0]).toMatchObject({ itemsRead: 1000, childExecutions: 100 });
    // DescribeMapRun counts items, not child executions.
    expect(run.summary).toMatchObject({ itemCount: 1000, failedCount: 0 });
    console.log(`batches of 10: ${run.describe}; unbatched: ${baseline.describe}; RunTask calls ${(unbatched.runTaskCalls / batched.runTaskCalls).toFixed(1)}x fewer`);
  });

  test('the default byte limit splits batches of large items so that every RunTask call fits the 8,192-character overrides', async () => {
    const items: TestItem[] = makeItems(200).map((item) => ({ ...item, pad: 'x'.repeat(900) }));
    const synth = fanOutWith({ itemBatching: { maxItems: 100 } });
    const ecs = new SimulatedEcs({ seed: 82 });

    const run = await runFanOut(synth, items, ecs);

    expectEveryItemAccountedFor(run, 100);
    expect(synth.fanOut.maxInputBytesPerBatch).toBeGreaterThan(3900);
    expect(synth.fanOut.maxInputBytesPerBatch).toBeLessThan(4096);
    // About 920 bytes per item: 4 per batch, never the 100 maxItems allows.
    expect(ecs.tasksStarted).toBe(50);
    expect(ecs.invalidRequests).toBe(0);
    expect(ecs.maxOverridesChars).toBeLessThanOrEqual(CONTAINER_OVERRIDES_MAX_CHARS);
  });

  test('a batch whose container exits non-zero fails all its items, and the report lists exactly those items', async () => {
    const items = makeItems(95);
    const ecs = new SimulatedEcs({ exitCodeFor: (item: any) => (item.id === 42 ? 3 : 0), seed: 83 });

    const run = await runFanOut(fanOutWith({ itemBatching: { maxItems: 10 } }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    // Items are batched in order: 40..49 share a batch with item 42.
    expect(accounting.reportedFailed).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    expect(run.result).toMatchObject({ status: 'FAILED', error: ITEMS_FAILED_ERROR, cause: expect.stringMatching(/^10 of 95 items failed/) });
  });

  test('an item too large for the overrides on its own fails alone; the rest of the run succeeds', async () => {
    const items: TestItem[] = makeItems(30);
    items[7] = { id: 7, pad: 'x'.repeat(CONTAINER_OVERRIDES_MAX_CHARS) };
    const ecs = new SimulatedEcs({ seed: 84 });

    const run = await runFanOut(fanOutWith({ itemBatching: { maxItems: 10 } }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toEqual([7]);
    expect(run.summary!.failedItems).toEqual([{ index: 7, error: EcsErrors.INVALID_PARAMETER }]);
    expect(attemptsOf(ecs, items[7]).every((a) => a.detail === 'overrides-too-large' && a.batchSize === 1)).toBe(true);
  });
});

describe('capacity', () => {
  test('SPOT_WITH_ON_DEMAND_FALLBACK, distributed: interrupted and refused Spot tasks end on on-demand, once, and no item is lost', async () => {
    const items = makeItems(1000);
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK });
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.2, spotCapacityFailureRate: 0.1, throttleRate: 0.1, seed: 85 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.succeededOnce).toBe(1000);
    expect(ecs.spotInterruptions).toBeGreaterThan(100);
    expect(ecs.spotCapacityFailures).toBeGreaterThan(50);
    let fellBack = 0;
    for (const item of items) {
      const attempts = attemptsOf(ecs, item);
      const onDemand = attempts.filter((a) => a.capacity === 'FARGATE');
      const interrupted = attempts.some((a) => a.detail === 'spot-interruption');
      // The on-demand task runs only after a Spot interruption (capacity refusals are retried on Spot first), and at most once.
      expect(onDemand.filter((a) => a.startedAt !== undefined).length).toBe(interrupted ? 1 : 0);
      expect(attempts[attempts.length - 1].capacity).toBe(interrupted ? 'FARGATE' : 'FARGATE_SPOT');
      if (interrupted) fellBack++;
    }
    expect(fellBack).toBe(ecs.spotInterruptions);
    expect(ecs.onDemandTasksStarted).toBe(fellBack);
    console.log(`Spot with fallback, distributed: ${run.describe}; ${fellBack} items fell back to on-demand`);
  });

  test('SPOT_WITH_ON_DEMAND_FALLBACK: an item that cannot get Spot capacity in 31 calls runs on on-demand', async () => {
    const items = makeItems(60);
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK });
    const ecs = new SimulatedEcs({ spotCapacityFailureRate: 1, seed: 86 });

    const run = await runFanOut(synth, items, ecs);

    expectEveryItemAccountedFor(run, 100);
    for (const item of items) {
      const attempts = attemptsOf(ecs, item);
      expect(attempts.filter((a) => a.capacity === 'FARGATE_SPOT')).toHaveLength(31);
      expect(attempts.filter((a) => a.capacity === 'FARGATE' && a.result === 'succeeded')).toHaveLength(1);
    }
    expect(ecs.spotTasksStarted).toBe(0);
  });

  test('SPOT_WITH_ON_DEMAND_FALLBACK, inline: the summary counts tasks by capacity; an exit code is not rerun on on-demand', async () => {
    const items = makeItems(200);
    const synth = fanOutWith({ mode: FanOutMode.INLINE, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK });
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.25, exitCodeFor: (item: any) => (item.id % 50 === 7 ? 1 : 0), seed: 87 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 40);
    const exitFailures = items.filter((i) => i.id % 50 === 7);
    // An item whose container exits non-zero fails, on Spot or after a fallback; never run twice on on-demand.
    expect(accounting.reportedFailed).toEqual(exitFailures.map((i) => i.id));
    for (const item of items) {
      expect(attemptsOf(ecs, item).filter((a) => a.capacity === 'FARGATE' && a.startedAt !== undefined).length).toBeLessThanOrEqual(1);
    }
    const succeeded = accounting.succeededOnce;
    const onDemandSuccesses = items.filter((i) => attemptsOf(ecs, i).some((a) => a.capacity === 'FARGATE' && a.result === 'succeeded')).length;
    expect(onDemandSuccesses).toBeGreaterThan(20);
    const summary = run.summary as any;
    expect(summary.tasksByCapacity).toEqual({ FARGATE_SPOT: succeeded - onDemandSuccesses, FARGATE: onDemandSuccesses });
  });

  test('SPOT alone: an interrupted task fails its item (no fallback), and the report says so', async () => {
    const items = makeItems(200);
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.1, seed: 88 });

    const run = await runFanOut(fanOutWith({ mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toHaveLength(ecs.spotInterruptions);
    expect(ecs.onDemandTasksStarted).toBe(0);
  });
});

describe('tolerated failures at the threshold', () => {
  const failing = (count: number) => (item: any) => (item.id < count ? 1 : 0);

  test.each([[5, 'SUCCEEDED'], [6, 'FAILED']])('inline, toleratedFailureCount 5: %d failed items -> %s', async (failures, status) => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE, toleratedFailureCount: 5 });
    const ecs = new SimulatedEcs({ exitCodeFor: failing(failures), seed: 89 });

    const run = await runFanOut(synth, makeItems(100), ecs);

    const accounting = expectEveryItemAccountedFor(run, 40, 5);
    expect(accounting.reportedFailed).toHaveLength(failures);
    expect(run.result.status).toBe(status);
    if (status === 'SUCCEEDED') {
      expect(run.result.output).toMatchObject({ failedCount: 5, failedItems: [0, 1, 2, 3, 4].map((index) => ({ index, error: 'States.TaskFailed' })) });
    }
  });

  test('distributed, toleratedFailureCount 5: 5 failed items -> SUCCEEDED, with the count in the output', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, toleratedFailureCount: 5 });
    const ecs = new SimulatedEcs({ exitCodeFor: failing(5), seed: 90 });

    const run = await runFanOut(synth, makeItems(300), ecs);

    const accounting = expectEveryItemAccountedFor(run, 100, 5);
    expect(accounting.reportedFailed).toEqual([0, 1, 2, 3, 4]);
    expect(run.result.output).toMatchObject({ itemCount: 300, failedCount: 5 });
  });

  test('distributed, toleratedFailureCount 5: 6 failed items -> the Map Run stops early and the execution fails, saying why', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, toleratedFailureCount: 5 });
    const ecs = new SimulatedEcs({ exitCodeFor: failing(6), seed: 91 });
    const items = makeItems(300);

    const run = await runFanOut(synth, items, ecs);

    expect(run.result).toMatchObject({ status: 'FAILED', error: ITEMS_FAILED_ERROR, cause: expect.stringMatching(/^More items failed than tolerated \(toleratedFailureCount 5\), so the Map Run stopped/) });
    expect(run.result.mapRuns[0]).toMatchObject({ thresholdExceeded: true, failed: 6 });
    // Stopped early: items after the first wave never started; none ran twice.
    const accounting = account(run);
    expect(accounting.neverCalled.length).toBeGreaterThan(0);
    expect(accounting.succeededMoreThanOnce).toEqual([]);
    expect(ecs.tasksStarted).toBeLessThan(items.length);
    expect(run.result.mapRuns[0].failures.map((f) => (f.Input as any).index)).toEqual([0, 1, 2, 3, 4, 5]);
    // The Map failed: no DescribeMapRun, no SummarizeMapRun.
    expect(run.summary).toBeUndefined();
  });

  test.each([[10, 'SUCCEEDED'], [11, 'FAILED']])('distributed, toleratedFailurePercentage 10 of 100 items: %d failed -> %s', async (failures, status) => {
    const synth = fanOutWith({ toleratedFailurePercentage: 10 });
    expect(synth.fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    const ecs = new SimulatedEcs({ exitCodeFor: failing(failures), seed: 92 });

    const run = await runFanOut(synth, makeItems(100), ecs);

    expect(run.result.status).toBe(status);
    if (status === 'SUCCEEDED') {
      const accounting = expectEveryItemAccountedFor(run, 100, 10);
      expect(accounting.reportedFailed).toHaveLength(10);
    } else {
      expect(run.result).toMatchObject({ error: ITEMS_FAILED_ERROR, cause: expect.stringMatching(/toleratedFailurePercentage 10/) });
    }
  });
});

describe('integrationPattern CALLBACK', () => {
  const callbackRun = (props: Parameters<typeof fanOutWith>[0], options: Omit<ConstructorParameters<typeof SimulatedEcs>[0] & object, 'heartbeatSeconds'>) => {
    const synth = fanOutWith({ integrationPattern: FanOutIntegrationPattern.CALLBACK, ...props });
    const states = allStates(synth.definition);
    const heartbeatSeconds = (states[StateNames.INLINE_TASK] ?? states[StateNames.DISTRIBUTED_TASK]).HeartbeatSeconds;
    return { synth, ecs: new SimulatedEcs({ ...options, heartbeatSeconds }) };
  };
  const doubled = (item: any): CallbackBehavior => ({ kind: 'success', output: { id: item.id, doubled: item.id * 2 } });

  test('inline: each container\'s result comes back in the output, in item order', async () => {
    const items = makeItems(120);
    const { synth, ecs } = callbackRun({ mode: FanOutMode.INLINE }, { callbackFor: doubled, throttleRate: 0.2, seed: 93 });

    const run = await runFanOut(synth, items, ecs);

    expectEveryItemAccountedFor(run, 40);
    expect(run.result.output.results).toEqual(items.map((item) => ({ id: item.id, doubled: item.id * 2 })));
    expect(ecs.inFlight).toBe(0);
  });

  test('distributed: results are each child\'s output (written to S3 by the ResultWriter)', async () => {
    const items = makeItems(300);
    const { synth, ecs } = callbackRun({ mode: FanOutMode.DISTRIBUTED }, { callbackFor: doubled, seed: 94 });

    const run = await runFanOut(synth, items, ecs);

    expectEveryItemAccountedFor(run, 100);
    expect(run.result.mapRuns[0].results).toEqual(items.map((item) => ({ result: { id: item.id, doubled: item.id * 2 } })));
  });

  test('a container that hangs fails its item with States.HeartbeatTimeout, and its task is found and stopped', async () => {
    const items = makeItems(200);
    const hangs = (item: any) => item.id % 40 === 11;
    const { synth, ecs } = callbackRun({ mode: FanOutMode.DISTRIBUTED }, {
      callbackFor: (item: any) => (hangs(item) ? { kind: 'hang' } : doubled(item)), seed: 95,
    });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toEqual(items.filter(hangs).map((i) => i.id));
    expect(new Set(run.summary!.failedItems.map((f) => f.error))).toEqual(new Set(['States.HeartbeatTimeout']));
    expect(ecs.tasksHung).toBe(5);
    // Every hung task was stopped; none is left running.
    expect(ecs.tasksStoppedByStopTask).toBe(5);
    expect(ecs.inFlight).toBe(0);
  });

  test('a container that sends a failure fails its item with that error; one that dies without calling back times out', async () => {
    const items = makeItems(100);
    const { synth, ecs } = callbackRun({ mode: FanOutMode.INLINE }, {
      callbackFor: (item: any) => (item.id === 5 ? { kind: 'failure', error: 'Worker.BadInput', cause: 'id 5 is not allowed' } : doubled(item)),
      exitCodeFor: (item: any) => (item.id === 9 ? 137 : 0),
      seed: 96,
    });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 40);
    expect(accounting.reportedFailed).toEqual([5, 9]);
    expect(run.summary!.failedItems).toEqual([{ index: 5, error: 'Worker.BadInput' }, { index: 9, error: 'States.HeartbeatTimeout' }]);
    // The dead task had already stopped: nothing to stop.
    expect(ecs.tasksStoppedByStopTask).toBe(0);
    expect(ecs.inFlight).toBe(0);
  });
});
