import { FARGATE_RUN_TASK_BURST, FARGATE_RUN_TASK_CALLS_PER_SECOND, SFN_ARRAY_RANGE_MAX_ITEMS } from '../facts';

/**
 * The largest cap whose first wave is left unpaced by default: 5 seconds of RunTask calls. Up to
 * it, the throttle retry's jitter spreads the first wave at a cost of about 1.4 throttled calls
 * per first-wave item (142 at a cap of 100, about 1% of a 10,000-item run); above it throttled
 * calls grow faster than the cap (4,293 for a first wave of 1,000, 122,393 for one of 10,000, in
 * the planner's model), while pacing costs every item one Wait state (one billed transition).
 */
export const PACING_MIN_UNPACED_CAP = 5 * FARGATE_RUN_TASK_CALLS_PER_SECOND;

/** The throttle target pacing aims at: throttled RunTask calls at most this share of the items. */
export const PACING_THROTTLED_SHARE_TARGET = 0.05;

/**
 * Throttled RunTask calls of an unpaced first wave of `cap` items (all calling at once, the default
 * retry spreading them): 142 x (cap / 100)^1.47, fitted to the planner's model at the documented
 * rate (142 at 100, 427 at 200, 1,661 at 500, 4,293 at 1,000, 122,393 at 10,000; within 15% from
 * 100 to 10,000, pinned by test/planner/planner.test.ts). At most 0 up to the RunTask burst.
 */
export function estimatedUnpacedFirstWaveThrottles(cap: number): number {
  return cap <= FARGATE_RUN_TASK_BURST ? 0 : 142 * Math.pow(cap / 100, 1.47);
}


/** What pacing the first wave depends on. */
export interface LaunchPacingInput {
  /** `launchPacing` as set; undefined to decide. */
  readonly requested?: boolean;
  /** True when the items run in a Distributed Map (the only Map paced). */
  readonly hasDistributedMap: boolean;
  /** The Distributed Map's cap. */
  readonly maxConcurrency: number;
  /** True when the items take a slot of a concurrency pool first. */
  readonly pooled: boolean;
  /** True with `itemBatching`: a batch carries no item index. */
  readonly batched: boolean;
  /** RunTask calls admitted per second. @default 20 */
  readonly callsPerSecond?: number;
  /**
   * Items a run is expected to have (`expectedItemCount`; the planner's `items`): a run long
   * enough to keep an unpaced first wave's throttled calls under 5% of its items is not paced.
   * @default - unknown: decided by the cap alone
   */
  readonly expectedItemCount?: number;
}

/** Whether the first wave is paced, at what rate, and why. */
export interface LaunchPacingDecision {
  readonly paced: boolean;
  /** RunTask calls started per second of the first wave (the item index's group of this size waits one second more). */
  readonly callsPerSecond: number;
  /** Items paced: the first wave (the cap); 0 when not paced. */
  readonly firstWave: number;
  /** Seconds the paced first wave takes to start: ceil(cap / rate) - 1 for its last group. */
  readonly lastDelaySeconds: number;
  readonly reason: string;
}

/**
 * Paces the first wave of a Distributed Map when its cap lets more RunTask calls start at once
 * than the RunTask rate admits by a wide margin (cap above PACING_MIN_UNPACED_CAP): item `i` of
 * the first `cap` waits `floor(i / rate)` seconds, so that `rate` calls start each second; later
 * items, which start when an earlier item ends, do not wait. Not paced: the inline Map (at most
 * 40 at once), batches (no index), and a pool (its own pacing windows hold the rate).
 */
export function decideLaunchPacing(input: LaunchPacingInput): LaunchPacingDecision {
  const rate = input.callsPerSecond ?? FARGATE_RUN_TASK_CALLS_PER_SECOND;
  const off = (reason: string): LaunchPacingDecision => ({ paced: false, callsPerSecond: rate, firstWave: 0, lastDelaySeconds: 0, reason });
  const refuse = (why: string) => {
    throw new Error(`launchPacing can be true only for items run one by one in a Distributed Map without a concurrencyPool; ${why}`);
  };
  if (!input.hasDistributedMap) {
    if (input.requested === true) refuse('here the items run in an inline Map');
    return off('not paced: an inline Map runs at most 40 items at once, and the throttle retry spreads them');
  }
  if (input.pooled) {
    if (input.requested === true) refuse('a concurrencyPool paces RunTask calls itself');
    return off('not paced here: the concurrency pool\'s pacing windows hold RunTask calls to its maxRunTaskCallsPerSecond');
  }
  if (input.batched) {
    if (input.requested === true) refuse('with itemBatching a batch carries no item index to pace by');
    return off('not paced: with itemBatching a batch carries no item index to pace by');
  }
  // The delay is counted with States.ArrayRange (see launchDelayExpression): one element a group.
  const groups = Math.ceil(input.maxConcurrency / rate);
  if (groups > SFN_ARRAY_RANGE_MAX_ITEMS) {
    // Not reachable with the documented rate (10,000 / 20 = 500 groups); kept for a lower rate.
    if (input.requested === true) refuse(`a first wave of ${input.maxConcurrency} at ${rate} per second takes more than ${SFN_ARRAY_RANGE_MAX_ITEMS} seconds`);
    return off(`not paced: a first wave of ${input.maxConcurrency} at ${rate} per second takes more than ${SFN_ARRAY_RANGE_MAX_ITEMS} seconds`);
  }
  const paced = (why: string): LaunchPacingDecision => ({
    paced: true,
    callsPerSecond: rate,
    firstWave: input.maxConcurrency,
    lastDelaySeconds: groups - 1,
    reason: `the first ${input.maxConcurrency} items start ${rate} per second over ${groups - 1} s (the RunTask rate; ${why}); `
      + 'each item passes one Wait state (a billed transition), later items do not wait',
  });
  if (input.requested === false) {
    return off(`not paced (launchPacing is false): a first wave of ${input.maxConcurrency} meets a RunTask rate of ${rate} per second with burst ${FARGATE_RUN_TASK_BURST}, and the throttle retry spreads it`);
  }
  if (input.requested === true) {
    return paced('launchPacing is true');
  }
  if (input.maxConcurrency <= PACING_MIN_UNPACED_CAP) {
    return off(`not paced: a first wave of ${input.maxConcurrency} (at most ${PACING_MIN_UNPACED_CAP}) throttles about one call per item, which the throttle retry spreads for less than a Wait state per item costs`);
  }
  const throttles = Math.round(estimatedUnpacedFirstWaveThrottles(input.maxConcurrency));
  if (input.expectedItemCount !== undefined && throttles <= PACING_THROTTLED_SHARE_TARGET * input.expectedItemCount) {
    return off(`not paced: an unpaced first wave of ${input.maxConcurrency} throttles about ${throttles} calls, at most ${PACING_THROTTLED_SHARE_TARGET * 100}% of the ${input.expectedItemCount} expected items, for less than a Wait state per item costs`);
  }
  return paced(`the cap is above ${PACING_MIN_UNPACED_CAP}, where an unpaced first wave throttles about ${throttles} calls`
    + (input.expectedItemCount !== undefined ? `, over ${PACING_THROTTLED_SHARE_TARGET * 100}% of the ${input.expectedItemCount} expected items` : ''));
}

/** Where a Distributed Map child finds its first-wave delay (set by the Map's ItemSelector). */
export const LAUNCH_DELAY_FIELD = 'launchDelaySeconds';

/**
 * The ItemSelector expression of an item's delay in seconds, from its index `i`
 * (`$$.Map.Item.Index`): `floor(i / rate)` for `i < cap`, else 0. JSONPath intrinsics only (the
 * offline interpreter has no JSONata), 9 of the 10 a field may nest:
 * - `States.MathAdd(i, -cap)` is negative exactly in the first wave; formatted after an 'x' and
 *   split at '-', it gives 2 parts there and 1 after it;
 * - that count picks `i` or 0 from `[0, 0, i]`;
 * - `States.ArrayRange(0, that, rate)` has `floor(that / rate) + 1` elements (at most 1,000:
 *   see `SFN_ARRAY_RANGE_MAX_ITEMS`), less one.
 */
export function launchDelayExpression(cap: number, rate: number): string {
  const index = '$$.Map.Item.Index';
  const parts = `States.ArrayLength(States.StringSplit(States.Format('x{}', States.MathAdd(${index}, -${cap})), '-'))`;
  const inWave = `States.ArrayGetItem(States.Array(0, 0, ${index}), ${parts})`;
  return `States.MathAdd(States.ArrayLength(States.ArrayRange(0, ${inWave}, ${rate})), -1)`;
}
