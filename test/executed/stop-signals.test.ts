/**
 * What ECS says when a task stops, read from the stopped task's fields, executed on the
 * definitions FargateFanOut synthesizes against the simulated ECS. Every run is counted item by
 * item: none lost, none run again after a success.
 */
import { attemptsOf, expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut, TestItem } from './fan-out-run';
import { FanOutCapacity, FanOutMode, FanOutRetryRule } from '../../src';
import { ERROR_SPOT_INTERRUPTED } from '../../src/retries/private/spot';
import { SimulatedEcs } from '../harness/simulated-ecs';

jest.setTimeout(120_000);

/** The exit codes seen from interrupted Spot tasks: 0 (SIGTERM handled), 2, 137 (SIGKILL), 143 (SIGTERM). */
const INTERRUPTED_EXIT_CODES = [0, 2, 137, 143];
const exitCodeOnInterruption = (item: unknown) => INTERRUPTED_EXIT_CODES[(item as TestItem).id % INTERRUPTED_EXIT_CODES.length];

describe.each([
  ['distributed', FanOutMode.DISTRIBUTED, 400, 100],
  ['inline', FanOutMode.INLINE, 200, 40],
])('Spot interruptions, whatever the exit code, in the %s Map', (_name, mode, count, cap) => {
  test('SPOT_WITH_ON_DEMAND_FALLBACK: every interrupted item (exit 0, 2, 137, 143) reruns on on-demand once; none is lost', async () => {
    const items = makeItems(count);
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.3, spotInterruptionExitCode: exitCodeOnInterruption, seed: 131 });

    const run = await runFanOut(fanOutWith({ mode, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    expect(accounting.succeededOnce).toBe(count);
    expect(ecs.spotInterruptionsExitingZero).toBeGreaterThan(10);
    const interruptedExitCodes = new Set<number | undefined>();
    for (const item of items) {
      const attempts = attemptsOf(ecs, item).filter((a) => a.startedAt !== undefined);
      const interrupted = attempts.find((a) => a.detail === 'spot-interruption');
      if (interrupted) interruptedExitCodes.add(interrupted.exitCode);
      // Interrupted: one Spot task, then one on-demand task; otherwise one Spot task.
      expect(attempts.map((a) => a.capacity)).toEqual(interrupted ? ['FARGATE_SPOT', 'FARGATE'] : ['FARGATE_SPOT']);
    }
    expect([...interruptedExitCodes].sort((a, b) => a! - b!)).toEqual(INTERRUPTED_EXIT_CODES);
    expect(ecs.onDemandTasksStarted).toBe(ecs.spotInterruptions);
  });

  test('SPOT: an interrupted task is retried on Spot whatever its exit code, 3 times by default; an item interrupted 4 times fails with FanOut.SpotInterrupted', async () => {
    const items = makeItems(count);
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.35, spotInterruptionExitCode: exitCodeOnInterruption, seed: 132 });

    const run = await runFanOut(fanOutWith({ mode, capacity: FanOutCapacity.SPOT }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    const interruptionsOf = (item: TestItem) => attemptsOf(ecs, item).filter((a) => a.detail === 'spot-interruption').length;
    expect(accounting.reportedFailed).toEqual(items.filter((item) => interruptionsOf(item) === 4).map((item) => item.id));
    expect(run.summary!.failedItems.every((failure) => failure.error === ERROR_SPOT_INTERRUPTED)).toBe(true);
    // Interrupted items that exited 0 were retried too, and completed.
    const retriedAfterExitZero = items.filter((item) => {
      const attempts = attemptsOf(ecs, item);
      return attempts.some((a) => a.detail === 'spot-interruption' && a.exitCode === 0) && attempts[attempts.length - 1].result === 'succeeded';
    });
    expect(retriedAfterExitZero.length).toBeGreaterThan(5);
    expect(ecs.onDemandTasksStarted).toBe(0);
  });

  test('SPOT with onSpotInterruption({ maxAttempts: 0 }): every interrupted task fails its item, also when its container exited 0, never counted a success', async () => {
    const items = makeItems(count);
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.2, spotInterruptionExitCode: exitCodeOnInterruption, seed: 133 });
    const retryRules = [FanOutRetryRule.onSpotInterruption({ maxAttempts: 0 })];

    const run = await runFanOut(fanOutWith({ mode, capacity: FanOutCapacity.SPOT, retryRules }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    expect(accounting.reportedFailed).toHaveLength(ecs.spotInterruptions);
    expect(run.summary!.failedItems.every((failure) => failure.error === ERROR_SPOT_INTERRUPTED)).toBe(true);
    expect(ecs.spotInterruptionsExitingZero).toBeGreaterThan(5);
  });
});

test('an item whose own text says "SpotInterruption" and that exits 1 on Spot is not rerun on on-demand', async () => {
  const items: TestItem[] = makeItems(100).map((item) => (item.id % 10 === 3 ? { ...item, pad: 'SpotInterruption in the text' } : item));
  const ecs = new SimulatedEcs({ exitCodeFor: (item: any) => (item.pad ? 1 : 0), seed: 133 });

  for (const mode of [FanOutMode.DISTRIBUTED, FanOutMode.INLINE]) {
    const run = await runFanOut(fanOutWith({ mode, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }), items, ecs);
    expect(run.summary!.failedItems.map((failure) => failure.index).sort((a, b) => a - b)).toEqual(items.filter((i) => i.pad).map((i) => i.id));
  }
  expect(ecs.spotInterruptions).toBe(0);
  expect(ecs.onDemandTasksStarted).toBe(0);
});
