import { FARGATE_RUN_TASK_BURST, FARGATE_RUN_TASK_CALLS_PER_SECOND, SFN_WAIT_TIMESTAMP_RESOLUTION_MS } from '../facts';

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


/** What pacing the launches depends on. */
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

/** Whether every item is paced, at what rate, and why. */
export interface LaunchPacingDecision {
  readonly paced: boolean;
  /** RunTask calls started per second: item `i` starts no earlier than `floor(i / callsPerSecond)` s after the run's start. */
  readonly callsPerSecond: number;
  /** Seconds the paced first wave (the cap's items) takes to start: ceil(cap / rate) - 1; 0 when not paced. */
  readonly firstWaveSeconds: number;
  readonly reason: string;
}

/**
 * Paces every item of a Distributed Map when its cap lets more RunTask calls start at once than
 * the RunTask rate admits by a wide margin (cap above PACING_MIN_UNPACED_CAP): item `i` waits
 * until `floor(i / rate)` seconds after the run's start, an absolute time, so that at most `rate`
 * calls start in any second whatever the tasks' durations: an item that starts after its second
 * (its slot came free late) does not wait at all, and one that starts early (short tasks freed
 * its slot while the first wave was still launching) waits its turn. Not paced: the inline Map (at
 * most 40 at once), batches (no index), and a pool (its own pacing windows hold the rate).
 */
export function decideLaunchPacing(input: LaunchPacingInput): LaunchPacingDecision {
  const rate = input.callsPerSecond ?? FARGATE_RUN_TASK_CALLS_PER_SECOND;
  const off = (reason: string): LaunchPacingDecision => ({ paced: false, callsPerSecond: rate, firstWaveSeconds: 0, reason });
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
  const firstWaveSeconds = Math.ceil(input.maxConcurrency / rate) - 1;
  const paced = (why: string): LaunchPacingDecision => ({
    paced: true,
    callsPerSecond: rate,
    firstWaveSeconds,
    reason: `every item starts no earlier than floor(index / ${rate}) s after the run's start, ${rate} RunTask calls per second `
      + `(the first ${input.maxConcurrency} over ${firstWaveSeconds} s; ${why}); each item passes one Wait state (a billed transition), `
      + 'which an item starting after its second leaves at once; a redriven run keeps its start time, so its items do not wait '
      + 'and the throttle retry spreads them',
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

/** Where a Distributed Map child finds the run's start time (`$$.Execution.StartTime`, set by the Map's ItemSelector). */
export const RUN_START_FIELD = 'runStartTime';

/**
 * Where a Distributed Map child finds its item's index (`$$.Map.Item.Index`): the `index` the
 * Map's ItemSelector sets for every item (see workflow/map-input.ts).
 */
export const ITEM_INDEX_FIELD = 'index';

/**
 * The JSONata expression of the time item `i` may start: `runStart + floor(i / rate)` seconds, as
 * an RFC 3339 UTC time in whole seconds (a Wait's Timestamp is read to the second, see
 * SFN_WAIT_TIMESTAMP_RESOLUTION_MS). JSONPath intrinsics have no date arithmetic, hence JSONata.
 */
export function launchTimestampExpression(rate: number): string {
  const start = `$toMillis($states.input.${RUN_START_FIELD})`;
  const offset = `$floor($states.input.${ITEM_INDEX_FIELD} / ${rate}) * ${SFN_WAIT_TIMESTAMP_RESOLUTION_MS}`;
  return `{% $fromMillis(${start} + ${offset}, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z') %}`;
}
