/**
 * Tolerated failures, executed on the definitions FargateFanOut synthesizes, against the simulated ECS.
 * Every run is counted item by item.
 */
import { account, expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut } from './fan-out-run';
import { FanOutMode } from '../../src';
import { ITEMS_FAILED_ERROR } from '../../src/workflow/workflow';
import { SimulatedEcs } from '../harness/simulated-ecs';

jest.setTimeout(120_000);

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
