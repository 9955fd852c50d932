/**
 * 10,000 items with 30% of RunTask calls throttled, on the Distributed Map the construct
 * synthesizes. The default retry gets every item through; a short retry without jitter, in the
 * same scenario, loses items: the accounting can fail. A third run (5,000 items) raises the cap to 1,000 so
 * that the RunTask (20/s) and Fargate launch (burst 100, 20/s) buckets throttle as well.
 *
 * Those are the full-scale sizes (FANOUT_TEST_SCALE=full, which .ci/run sets); by default the
 * first three runs take a quarter of the items, with the same assertions (see test/util/scale.ts).
 * The run at a cap of 2,000 keeps its 10,000 items: its point is a long run.
 */
import { Duration } from 'aws-cdk-lib';
import { expectEveryItemAccountedFor, fanOutWith, FanOutRun, makeItems, PAYLOAD_LIMIT_BYTES, runFanOut } from './fan-out-run';
import { FanOutMode } from '../../src';
import { DEFAULT_DISTRIBUTED_THROTTLE_RETRY } from '../../src/retries/private/throttle-retry';
import { StateNames } from '../../src/workflow/workflow';
import { EcsErrors, itemKey, SimulatedEcs } from '../harness/simulated-ecs';
import { atScale, count, SCALE_NOTE } from '../util/scale';

// 10,000-item runs take about a minute alone, several times that on a loaded 2-core machine.
jest.setTimeout(300_000);

const ITEMS = makeItems(atScale(10_000, 2_500));
/** Twice the default cap, so the first wave overruns the RunTask bucket (burst 20). */
const CAP = 200;
/** A cap that keeps the RunTask and launch buckets saturated for most of the run. */
const HEAVY_CAP = 1000;
/** Half the items, to keep the suite fast (10,000 at this cap: 28,321 calls, worst item 28 attempts). */
const HEAVY_ITEMS = ITEMS.slice(0, ITEMS.length / 2);
/**
 * 10,000 items at either scale: the demand must stay above the RunTask rate long enough for some
 * item to need more than 31 calls (38 measured at 10,000 items; 5,000 items came to 22).
 */
const LONG_RUN_ITEMS = makeItems(10_000);
const THROTTLE_RATE = 0.3;
const scenario = () => new SimulatedEcs({ throttleRate: THROTTLE_RATE, seed: 42 });
/**
 * These runs test the retry against throttling, so the first wave is not paced (launchPacing,
 * on by default above a cap of 100, is tested in launch-pacing.test.ts).
 */
const UNPACED = { launchPacing: false };

describe(`${count(ITEMS.length)} items, ${THROTTLE_RATE * 100}% of RunTask calls throttled, DISTRIBUTED mode ${SCALE_NOTE}`, () => {
  test(`maxConcurrency ${CAP} and the DEFAULT retry policy: every item succeeds exactly once; none lost, none run twice`, async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: CAP, ...UNPACED });
    expect(synth.fanOut.distributedThrottleRetryPolicy).toEqual(DEFAULT_DISTRIBUTED_THROTTLE_RETRY);
    expect(synth.fanOut.maxConcurrency).toBe(CAP);
    const ecs = scenario();

    const run = await runFanOut(synth, ITEMS, ecs);

    const accounting = expectEveryItemAccountedFor(run, CAP);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(accounting.succeededOnce).toBe(ITEMS.length);
    expect(ecs.successesByItem.size).toBe(ITEMS.length);
    expect(ecs.tasksStarted).toBe(ITEMS.length);
    expect(ecs.throttled / ecs.runTaskCalls).toBeGreaterThanOrEqual(THROTTLE_RATE);
    const worst = worstAttempts(ecs);
    expect(worst).toBeLessThanOrEqual(31);
    // Payloads: the children's results go to S3; the Map outputs only a Map Run ARN and a manifest key.
    const map = run.result.payloads.byState[StateNames.DISTRIBUTED_MAP];
    expect(map.maxMapResultBytes).toBe(0);
    expect(map.maxOutputBytes).toBeLessThan(1000);
    expect(run.result.payloads.max!.bytes).toBeLessThan(PAYLOAD_LIMIT_BYTES / 2);
    expect(run.result.mapRuns[0].maxChildHistoryEvents).toBeLessThan(200);
    log('default retry', run, worst);
  });

  test('negative control: the same scenario with distributedThrottleRetry of 3 attempts from 3 s, x2, no jitter LOSES items (reported failed, never run)', async () => {
    const shortRetry = { maxAttempts: 3, interval: Duration.seconds(3), backoffRate: 2, jitter: false };
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: CAP, distributedThrottleRetry: shortRetry, ...UNPACED });
    const ecs = scenario();

    const run = await runFanOut(synth, ITEMS, ecs);

    // The accounting still holds: what is lost is reported, not silently dropped...
    const accounting = expectEveryItemAccountedFor(run, CAP);
    // ...and items ARE lost: never run, reported failed with the throttling error after 4 attempts
    // (478 of 10,000 measured, 410 of 2,500: more than 1% of the items at either scale).
    const lost = accounting.reportedFailed;
    expect(lost.length).toBeGreaterThan(ITEMS.length / 100);
    expect(accounting.succeededOnce).toBe(ITEMS.length - lost.length);
    expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: expect.stringMatching(new RegExp(`^${lost.length} of ${ITEMS.length} items failed`)) });
    expect(new Set(run.summary!.failedItems.map((f) => f.error))).toEqual(new Set([EcsErrors.THROTTLED]));
    for (const index of lost) {
      const attempts = ecs.attemptsByItem.get(itemKey(ITEMS[index]))!;
      expect(attempts.map((a) => a.result)).toEqual(['throttled', 'throttled', 'throttled', 'throttled']);
    }
    log('short retry (negative control)', run);
  });

  test(`throttle-heavy: ${count(HEAVY_ITEMS.length)} items with maxConcurrency ${HEAVY_CAP}, the buckets throttle too, and the DEFAULT retry still gets every item through once`, async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: HEAVY_CAP, ...UNPACED });
    const ecs = scenario();

    // Payloads are the same as at maxConcurrency 200 (checked above); skip measuring them here.
    const run = await runFanOut(synth, HEAVY_ITEMS, ecs, { measurePayloads: false });

    const accounting = expectEveryItemAccountedFor(run, HEAVY_CAP);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(accounting.succeededOnce).toBe(HEAVY_ITEMS.length);
    // More throttled calls than items: well over the random 30%, from the buckets.
    expect(ecs.throttled).toBeGreaterThan(2 * HEAVY_ITEMS.length);
    expect(ecs.throttled / ecs.runTaskCalls).toBeGreaterThan(0.5);
    const worst = worstAttempts(ecs);
    expect(worst).toBeGreaterThan(10);
    expect(worst).toBeLessThanOrEqual(31);
    log('throttle-heavy, default retry', run, worst);
  });
});

/**
 * At maxConcurrency 2,000 and 60-second
 * tasks the demand (about 33 RunTask calls a second) stays above what RunTask admits (20 a
 * second) for the whole run. With 30 retries a few items ran out of attempts; the children's
 * default of 1,440 retries rides it out.
 */
test(`FIXED: with maxConcurrency 2000 and 30% throttling, the default retry gets all ${count(LONG_RUN_ITEMS.length)} items through`, async () => {
  const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 2000, ...UNPACED });
  const ecs = scenario();

  const run = await runFanOut(synth, LONG_RUN_ITEMS, ecs, { measurePayloads: false });

  const accounting = expectEveryItemAccountedFor(run, 2000);
  expect(run.result.status).toBe('SUCCEEDED');
  expect(accounting.succeededOnce).toBe(LONG_RUN_ITEMS.length);
  const worst = worstAttempts(ecs);
  expect(worst).toBeGreaterThan(31);
  log('maxConcurrency 2000, default retry', run, worst);
});

function worstAttempts(ecs: SimulatedEcs): number {
  return Math.max(...[...ecs.attemptsByItem.values()].map((a) => a.length));
}

function log(label: string, run: FanOutRun, worst?: number): void {
  const lost = run.summary?.failedCount ?? 0;
  const duplicates = [...run.ecs.successesByItem.values()].filter((n) => n > 1).length;
  console.log(`${label}: ${run.describe}; lost ${lost}, duplicates ${duplicates}` +
    (worst ? `, worst item ${worst} attempts` : '') +
    (run.result.payloads.max ? `, largest payload ${run.result.payloads.max.bytes} bytes (${run.result.payloads.max.kind})` : '') +
    `, largest child history ${run.result.mapRuns[0]?.maxChildHistoryEvents} events`);
}
