/**
 * Launch pacing (issue 23 item 2, issue 28 item 2), executed: the synthesized workflow runs against
 * the simulated ECS with AWS's documented buckets only (RunTask 20 calls a second, burst 20; Fargate
 * launches burst 100, 20 a second), no random throttling. Above a cap of 100 the construct paces
 * every item: item i waits (a JSONata Wait, run by the harness) until floor(i / 20) s after the
 * run's start, so that refills after short tasks cannot collide with the first wave.
 *
 * Transitions per item are counted from the executed events as AWS bills them: every state
 * entered in the root and in every child execution, plus every retry of a state.
 */
import { expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut } from './fan-out-run';
import { FanOutMode } from '../../src';
import { makespanLowerBound } from '../../src/planner/makespan-lower-bound';
import { ItemStateNames } from '../../src/workflow/item/item-runner';
import { SimulatedEcs } from '../harness/simulated-ecs';
import { atScale, count, SCALE_NOTE } from '../util/scale';

jest.setTimeout(300_000);

interface PacedRun {
  /** Billed transitions per item: the run's own states and every child's, over the items. */
  readonly transitionsPerItem: number;
  /** Billed transitions of the children (the items' own states) per item. */
  readonly childTransitionsPerItem: number;
  readonly throttledPerItem: number;
  readonly makespanOverBound: number;
  /** When each item's pacing Wait ended, ms after the run's start, by item index. */
  readonly waitEnds: Map<number, number>;
  readonly describe: string;
}

/** State transitions as AWS bills them: each state entered (root and children), each retry. */
function isBilledTransition(event: any): boolean {
  return event.type === 'StateEntered' || event.type === 'StateRetried';
}

async function run(options: { cap: number; items: number; taskSeconds: number; launchPacing?: boolean }): Promise<PacedRun> {
  const { cap, taskSeconds } = options;
  const items = makeItems(options.items);
  const pacing = options.launchPacing === undefined ? {} : { launchPacing: options.launchPacing };
  const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: cap, ...pacing });
  const ecs = new SimulatedEcs({ taskDurationMs: taskSeconds * 1000, seed: 7 });
  let rootTransitions = 0;
  let childTransitions = 0;
  const waitEnds = new Map<number, number>();
  let startMs: number | undefined;
  const result = await runFanOut(synth, items, ecs, {
    measurePayloads: false,
    onEvent: (event, execution) => {
      startMs ??= Date.now();
      if (isBilledTransition(event)) {
        if (execution === 'root') rootTransitions++;
        else childTransitions++;
      }
      if (event.type === 'StateExited' && event.state?.name === ItemStateNames.DISTRIBUTED_PACE_LAUNCH) {
        waitEnds.set(event.state.input.index, Date.now() - startMs);
      }
    },
  });
  expectEveryItemAccountedFor(result, cap);
  expect(result.result.status).toBe('SUCCEEDED');
  const bound = makespanLowerBound({ items: items.length, taskSeconds, parallel: cap, launchBurst: 20, launchRatePerSecond: 20 });
  return {
    transitionsPerItem: (rootTransitions + childTransitions) / items.length,
    childTransitionsPerItem: childTransitions / items.length,
    throttledPerItem: ecs.throttled / items.length,
    makespanOverBound: result.result.virtualMs / 1000 / bound,
    waitEnds,
    describe: result.describe,
  };
}

/**
 * The 10,000 items at full scale (FANOUT_TEST_SCALE=full, .ci/run); 3,000 by default. At
 * the default cap (not paced) the first wave throttles about 137 calls whatever the run's length:
 * 1.4% of 10,000 items, 4.6% of 3,000 (6.9% of 2,000 would miss the 5% target; launchPacing: true
 * paces such a short run).
 */
const TARGET_ITEMS = atScale(10_000, 3_000);

describe(`every item paced, ${count(TARGET_ITEMS)} items of 10 s, 30 s and 5 min, no random throttling ${SCALE_NOTE}`, () => {
  test.each([
    // The default cap is not paced: one Task state per item, and what its first second throttles.
    [100, 10, 1.1], [100, 30, 1.1], [100, 300, 1.1],
    // Paced: a Wait and a Task state per item, and no throttled call (a retry would be one more).
    [1000, 10, 2], [1000, 30, 2], [1000, 300, 2],
    [10_000, 10, 2], [10_000, 30, 2], [10_000, 300, 2],
  ])('maxConcurrency %d, %d s tasks: at most %d transitions per item, throttled calls at most 5% of the items, makespan within 1.05x of the bound', async (cap, taskSeconds, maxTransitions) => {
    const result = await run({ cap, items: TARGET_ITEMS, taskSeconds });

    console.log(`cap ${cap}, ${taskSeconds} s tasks: ${result.transitionsPerItem.toFixed(4)} transitions/item (${result.childTransitionsPerItem.toFixed(4)} in the children), `
      + `${result.throttledPerItem.toFixed(4)} throttled/item, makespan ${result.makespanOverBound.toFixed(3)}x the bound; ${result.describe}`);
    expect(result.waitEnds.size).toBe(cap > 100 ? TARGET_ITEMS : 0);
    // No item leaves its Wait before floor(index / 20) s (the run starts on a whole second).
    for (const [index, endMs] of result.waitEnds) expect(endMs).toBeGreaterThanOrEqual(Math.floor(index / 20) * 1000);
    // The items' own states meet the target as stated: paced, exactly 2 per item (Wait and Task,
    // no throttled retry, which would take it over 2).
    expect(result.childTransitionsPerItem).toBeLessThanOrEqual(maxTransitions);
    // With the run's own 5 states (Map, DescribeMapRun, summary, ...): 5 / 3,000 = 0.0017 per item
    // at the reduced scale, 0.0005 at 10,000 items, under the 0.002 allowed.
    expect(result.transitionsPerItem).toBeLessThanOrEqual(maxTransitions + 0.002);
    expect(result.throttledPerItem).toBeLessThanOrEqual(0.05);
    expect(result.makespanOverBound).toBeLessThanOrEqual(1.05);
  });
});

test('launchPacing false at maxConcurrency 1,000 (the unpaced policy): the first wave is throttled far past 5% of the items', async () => {
  const unpaced = await run({ cap: 1000, items: 2000, taskSeconds: 60, launchPacing: false });

  expect(unpaced.waitEnds.size).toBe(0);
  expect(unpaced.throttledPerItem).toBeGreaterThan(0.05);
  console.log(`unpaced: ${unpaced.transitionsPerItem.toFixed(3)} transitions/item, ${unpaced.throttledPerItem.toFixed(4)} throttled/item, `
    + `makespan ${unpaced.makespanOverBound.toFixed(3)}x the bound; ${unpaced.describe}`);
});

/**
 * The undeclared run makes 18 RunTask calls an item: 90,000 calls for 5,000 items, most of this
 * file's time. By default it runs the first 1,000 items (still 10 waves of the 100-vCPU quota;
 * 9.4 calls an item measured);
 * the declared run keeps 5,000, as the first wave's 137 refused calls are 2.7% of them (6.9% of
 * 2,000 would miss the 5% target whatever the construct does).
 */
const UNDECLARED_ITEMS = atScale(5_000, 1_000);

test(`a vCPU quota below the cap (100 vCPUs, 1-vCPU tasks, cap 2,000): declared as maxVcpus, 5,000 items are within the targets; undeclared, ${count(UNDECLARED_ITEMS)} items hammer RunTask ${SCALE_NOTE}`, async () => {
  const quotaRun = async (props: Parameters<typeof fanOutWith>[0], items: ReturnType<typeof makeItems>, serviceQuotaError?: string) => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, cpu: 1024, memoryLimitMiB: 2048, ...props });
    const ecs = new SimulatedEcs({ taskDurationMs: 30_000, taskVcpu: 1, taskMemoryMiB: 2048, vcpuQuota: 100, seed: 9, serviceQuotaError });
    let transitions = 0;
    const onEvent = (event: any) => {
      if (isBilledTransition(event)) transitions++;
    };
    const result = await runFanOut(synth, items, ecs, { measurePayloads: false, onEvent });
    expectEveryItemAccountedFor(result, synth.fanOut.maxConcurrency);
    const bound = makespanLowerBound({ items: items.length, taskSeconds: 30, parallel: 100, launchBurst: 20, launchRatePerSecond: 20 });
    return {
      transitionsPerItem: transitions / items.length,
      throttledPerItem: (ecs.throttled + ecs.capacityFailures) / items.length,
      makespanOverBound: result.result.virtualMs / 1000 / bound,
      describe: result.describe,
    };
  };
  const declared = await quotaRun({ maxVcpus: 100 }, makeItems(5_000));
  // Undeclared and not readable (the read denied): the quota read is test/executed/vcpu-quota.test.ts's.
  const undeclared = await quotaRun({ maxConcurrency: 2_000, launchPacing: false }, makeItems(UNDECLARED_ITEMS), 'ServiceQuotas.AccessDeniedException');

  expect(declared.transitionsPerItem).toBeLessThanOrEqual(1.1);
  expect(declared.throttledPerItem).toBeLessThanOrEqual(0.05);
  expect(declared.makespanOverBound).toBeLessThanOrEqual(1.05);
  // Undeclared and unreadable, the quota is met by the full cap: items retry against it.
  expect(undeclared.transitionsPerItem).toBeGreaterThan(2);
  console.log(`quota 100 vCPU, maxVcpus 100: ${declared.transitionsPerItem.toFixed(3)} transitions/item, ${declared.throttledPerItem.toFixed(4)} refused/item, `
    + `makespan ${declared.makespanOverBound.toFixed(3)}x; cap 2,000 undeclared, ${count(UNDECLARED_ITEMS)} items: ${undeclared.transitionsPerItem.toFixed(3)} transitions/item, `
    + `${undeclared.throttledPerItem.toFixed(4)} refused/item, makespan ${undeclared.makespanOverBound.toFixed(3)}x`);
}, 300_000);
