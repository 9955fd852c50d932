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
import { ItemStateNames } from '../../src/build/item-runner';
import { makespanLowerBound } from '../../src/planner/launch-simulation';
import { SimulatedEcs } from '../harness/simulated-ecs';

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

async function run(launchPacing?: boolean): Promise<PacedRun> {
  const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: CAP, ...(launchPacing === undefined ? {} : { launchPacing }) });
  const ecs = new SimulatedEcs({ taskDurationMs: TASK_SECONDS * 1000, seed: 7 });
  const waits = new Map<number, number>();
  const result = await runFanOut(synth, ITEMS, ecs, {
    measurePayloads: false,
    onEvent: (event) => {
      if (event.type === 'StateEntered' && event.state?.name === ItemStateNames.DISTRIBUTED_PACE_LAUNCH) {
        waits.set(event.state.input.index, event.state.input.launchDelaySeconds);
      }
    },
  });
  expectEveryItemAccountedFor(result, CAP);
  expect(result.result.status).toBe('SUCCEEDED');
  const bound = makespanLowerBound(ITEMS.length, TASK_SECONDS, CAP, 20, 20);
  return {
    transitionsPerItem: (ecs.runTaskCalls + waits.size) / ITEMS.length,
    throttledPerItem: ecs.throttled / ITEMS.length,
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
