/**
 * Pacing of the first wave (issue 14, item 4), executed: the synthesized workflow runs against the
 * simulated ECS with AWS's documented buckets only (RunTask 20 calls a second, burst 20; Fargate
 * launches burst 100, 20 a second), no random throttling. At a cap of 1,000 the construct paces the
 * first wave by default; the same run with `launchPacing: false` is today's policy, and misses the
 * throttle target by far.
 *
 * Transitions per item count what the launch policy adds to an item's path, as the planner does:
 * the Task state's attempts (every RunTask call, retries included) and the pacing Wait.
 */
import { expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut } from './fan-out-run';
import { FanOutMode } from '../../src';
import { makespanLowerBound } from '../../src/planner/launch-simulation';
import { ItemStateNames } from '../../src/workflow/item/item-runner';
import { SimulatedEcs } from '../harness/simulated-ecs';
import { atScale, count, SCALE_NOTE } from '../util/scale';

jest.setTimeout(120_000);

const CAP = 1000;
/** Two waves: the second starts as the first ends, and must not wait. */
const ITEMS = makeItems(2 * CAP);
const TASK_SECONDS = 60;

interface PacedRun {
  readonly transitionsPerItem: number;
  readonly throttledPerItem: number;
  readonly makespanOverBound: number;
  /** Seconds each item's Wait was told to wait, by item index. */
  readonly waits: Map<number, number>;
  readonly describe: string;
}

async function run(launchPacing?: boolean, cap = CAP, items = ITEMS): Promise<PacedRun> {
  const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: cap, ...(launchPacing === undefined ? {} : { launchPacing }) });
  const ecs = new SimulatedEcs({ taskDurationMs: TASK_SECONDS * 1000, seed: 7 });
  const waits = new Map<number, number>();
  const result = await runFanOut(synth, items, ecs, {
    measurePayloads: false,
    onEvent: (event) => {
      if (event.type === 'StateEntered' && event.state?.name === ItemStateNames.DISTRIBUTED_PACE_LAUNCH) {
        waits.set(event.state.input.index, event.state.input.launchDelaySeconds);
      }
    },
  });
  expectEveryItemAccountedFor(result, cap);
  expect(result.result.status).toBe('SUCCEEDED');
  const bound = makespanLowerBound({ items: items.length, taskSeconds: TASK_SECONDS, parallel: cap, launchBurst: 20, launchRatePerSecond: 20 });
  return {
    transitionsPerItem: (ecs.runTaskCalls + waits.size) / items.length,
    throttledPerItem: ecs.throttled / items.length,
    makespanOverBound: result.result.virtualMs / 1000 / bound,
    waits,
    describe: result.describe,
  };
}

test(`maxConcurrency ${CAP}, paced by default: throttled calls at most 5% of the items, at most 2 transitions per item, makespan within 1.05x of the bound`, async () => {
  const paced = await run();

  expect(paced.waits.size).toBe(ITEMS.length);
  // The first wave waits floor(index / 20) s: 20 items a second over 49 s; the second wave does not wait.
  for (const [index, seconds] of paced.waits) {
    expect(seconds).toBe(index < CAP ? Math.floor(index / 20) : 0);
  }
  expect(paced.throttledPerItem).toBeLessThanOrEqual(0.05);
  // Measured: exactly 2.000, the bound itself, with no margin on purpose: each item passes its
  // Wait and makes one RunTask call, and the paced first wave calls at the RunTask rate, so no
  // call is throttled. One throttled call would take it over 2; pacing that works throttles none.
  expect(paced.throttledPerItem).toBe(0);
  expect(paced.transitionsPerItem).toBeLessThanOrEqual(2);
  expect(paced.makespanOverBound).toBeLessThanOrEqual(1.05);
  console.log(`paced: ${paced.transitionsPerItem.toFixed(3)} transitions/item, ${paced.throttledPerItem.toFixed(4)} throttled/item, `
    + `makespan ${paced.makespanOverBound.toFixed(3)}x the bound; ${paced.describe}`);
});

test(`today's policy (launchPacing false) at maxConcurrency ${CAP}: the first wave is throttled far past 5% of the items`, async () => {
  const unpaced = await run(false);

  expect(unpaced.waits.size).toBe(0);
  expect(unpaced.throttledPerItem).toBeGreaterThan(0.05);
  console.log(`unpaced: ${unpaced.transitionsPerItem.toFixed(3)} transitions/item, ${unpaced.throttledPerItem.toFixed(4)} throttled/item, `
    + `makespan ${unpaced.makespanOverBound.toFixed(3)}x the bound; ${unpaced.describe}`);
});

/**
 * The benchmark's 10,000 items at full scale (FANOUT_TEST_SCALE=full, .ci/run); 5,000 by default.
 * At the default cap the first wave throttles 137 calls whatever the run's length: 1.4% of 10,000
 * items, 2.7% of 5,000 (6.9% of 2,000: a short run at the default cap misses the 5% target, and
 * launchPacing: true paces it). At a cap of 10,000, 5,000 items are one paced wave of 250 s
 * instead of 500 s.
 */
const TARGET_ITEMS = atScale(10_000, 5_000);

test.each([
  // The default cap is not paced: what its first second throttles is below the targets.
  [100, TARGET_ITEMS, 1.1],
  // Paced: each item passes its Wait and makes one RunTask call, none throttled (2.000 measured,
  // the bound itself: see the paced test above).
  [10_000, TARGET_ITEMS, 2],
])(`maxConcurrency %d with its default pacing decision, %d items: within the targets (at most %d transitions per item, 5%% throttled, 1.05x the bound) ${SCALE_NOTE}`, async (cap, items, maxTransitions) => {
  const result = await run(undefined, cap, makeItems(items));

  expect(result.waits.size).toBe(cap > 100 ? items : 0);
  expect(result.transitionsPerItem).toBeLessThanOrEqual(maxTransitions);
  expect(result.throttledPerItem).toBeLessThanOrEqual(0.05);
  expect(result.makespanOverBound).toBeLessThanOrEqual(1.05);
  console.log(`cap ${cap}: ${result.transitionsPerItem.toFixed(3)} transitions/item, ${result.throttledPerItem.toFixed(4)} throttled/item, `
    + `makespan ${result.makespanOverBound.toFixed(3)}x the bound; ${result.describe}`);
}, 300_000);

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
    const result = await runFanOut(synth, items, ecs, { measurePayloads: false });
    expectEveryItemAccountedFor(result, synth.fanOut.maxConcurrency);
    const bound = makespanLowerBound({ items: items.length, taskSeconds: 30, parallel: 100, launchBurst: 20, launchRatePerSecond: 20 });
    return {
      transitionsPerItem: ecs.runTaskCalls / items.length,
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
