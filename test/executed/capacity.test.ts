/**
 * Spot, and Spot with on-demand fallback, executed on the definitions FargateFanOut synthesizes, against the simulated ECS.
 * Every run is counted item by item.
 */
import { expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut, attemptsOf, TestItem } from './fan-out-run';
import { FanOutCapacity, FanOutMode } from '../../src';
import { SimulatedEcs } from '../harness/simulated-ecs';

jest.setTimeout(120_000);

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

  test('SPOT alone: an interrupted task is retried on Spot (3 times by default), never on on-demand; only items interrupted 4 times fail', async () => {
    const items = makeItems(200);
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.3, seed: 88 });

    const run = await runFanOut(fanOutWith({ mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT }), items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    const interruptionsOf = (item: TestItem) => attemptsOf(ecs, item).filter((a) => a.detail === 'spot-interruption').length;
    expect(accounting.reportedFailed).toEqual(items.filter((item) => interruptionsOf(item) === 4).map((item) => item.id));
    expect(accounting.reportedFailed.length).toBeGreaterThan(0);
    expect(items.filter((item) => interruptionsOf(item) > 0 && interruptionsOf(item) < 4).length).toBeGreaterThan(50);
    expect(ecs.onDemandTasksStarted).toBe(0);
  });
});
