/**
 * itemBatching, executed on the definitions FargateFanOut synthesizes, against the simulated ECS.
 * Every run is counted item by item.
 */
import { expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut, TestItem, attemptsOf } from './fan-out-run';
import { FanOutMode } from '../../src';
import { INVALID_PARAMETER_QUICK_RETRIES } from '../../src/retries/private/throttle-retry';
import { ITEMS_FAILED_ERROR } from '../../src/workflow/workflow';
import { CONTAINER_OVERRIDES_MAX_CHARS, SimulatedEcs } from '../harness/simulated-ecs';

jest.setTimeout(120_000);

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
    // Tasks drop by exactly the batch size; RunTask calls by less (4.8x measured: 237 against
    // 1,137), as both runs meet the RunTask rate of 20/s in their first wave and 137 calls on
    // each side are throttled; more than 4x fewer is the margin asserted.
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

  test('FIXED: an item too large for the overrides on its own (a batch of one) is written to S3 as its batch, and its container gets the reference', async () => {
    // It failed alone with ECS.InvalidParameterException. AWS does not document what the
    // ItemBatcher does with an item larger than MaxInputBytesPerBatch; the harness gives it a
    // batch of its own, and if AWS failed the Map Run instead there would be no batch to save.
    const items: TestItem[] = makeItems(30);
    items[7] = { id: 7, pad: 'x'.repeat(CONTAINER_OVERRIDES_MAX_CHARS) };
    const ecs = new SimulatedEcs({ seed: 84 });

    const run = await runFanOut(fanOutWith({ itemBatching: { maxItems: 10 } }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toEqual([]);
    expect(accounting.succeededOnce).toBe(30);
    const attempts = attemptsOf(ecs, items[7]).filter((a) => a.detail !== 'api-throttle');
    expect(attempts.map((a) => [a.detail, a.batchSize])).toEqual([
      ...Array(1 + INVALID_PARAMETER_QUICK_RETRIES).fill(['overrides-too-large', 1]), ['exit-0', 1],
    ]);
    // One object, the batch (a JSON array of its one item), under the result prefix.
    expect([...ecs.s3Objects.keys()]).toEqual([expect.stringMatching(/^.+\/fan-out-results\/items\/.+\/batch\.json$/)]);
    expect([...ecs.s3Objects.values()]).toEqual([JSON.stringify([items[7]])]);
  });
});
