import { FARGATE_RUN_TASK_BURST, FARGATE_RUN_TASK_CALLS_PER_SECOND, SFN_WAIT_SECONDS_MAX } from '../facts';

/**
 * The largest cap left unpaced by default: 5 seconds of RunTask calls. Up to it, the throttle
 * retry's jitter spreads the first wave at a cost of about 1.4 throttled calls per first-wave item
 * (142 at a cap of 100, about 1% of a 10,000-item run), and refills stay under the RunTask rate for
 * tasks of 5 s or more (cap / rate); above it throttled calls grow faster than the cap (4,293 for a
 * first wave of 1,000, 122,393 for one of 10,000, in the planner's model), and tasks shorter than
 * cap / rate make refills collide with the first wave however long the run is (the planner: 0.58
 * throttled calls per item for 50,000 items of 10 s at a cap of 500), while pacing costs every
 * item one Wait state (one billed transition). The construct does not know the tasks' durations,
 * so a large `expectedItemCount` does not exempt a cap above this one.
 */
export const PACING_MIN_UNPACED_CAP = 5 * FARGATE_RUN_TASK_CALLS_PER_SECOND;

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
 * until `floor(i / rate)` seconds after the run's start (the seconds left when its Wait is
 * entered, see launchWaitSecondsExpression), so that at most `rate`
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
  return paced(`the cap is above ${PACING_MIN_UNPACED_CAP}, where an unpaced first wave throttles about ${throttles} calls `
    + `and tasks shorter than ${Math.ceil(input.maxConcurrency / rate)} s would call RunTask faster than the rate after it`);
}

/** Where a Distributed Map child finds the run's start time (`$$.Execution.StartTime`, set by the Map's ItemSelector). */
export const RUN_START_FIELD = 'runStartTime';

/**
 * Where a Distributed Map child finds its item's index (`$$.Map.Item.Index`): the `index` the
 * Map's ItemSelector sets for every item (see workflow/map-input.ts).
 */
export const ITEM_INDEX_FIELD = 'index';

/**
 * The JSONata expression of the seconds item `i` waits: until `runStart + floor(i / rate)` seconds,
 * counted from the moment its Wait is entered (`$states.context.State.EnteredTime`), rounded up to
 * a whole second, and 0 when that time has passed (an item that starts late, after an earlier one
 * ended, goes on at once). A `Seconds` of 0 is documented (SFN_WAIT_SECONDS_MAX), a past
 * `Timestamp` is not, hence seconds. Rounding up makes an item call at most a second after its
 * due time, never before it. JSONPath intrinsics have no date arithmetic, hence JSONata.
 */
export function launchWaitSecondsExpression(rate: number): string {
  const due = `$toMillis($states.input.${RUN_START_FIELD}) + $floor($states.input.${ITEM_INDEX_FIELD} / ${rate}) * 1000`;
  const entered = '$toMillis($states.context.State.EnteredTime)';
  // At most SFN_WAIT_SECONDS_MAX: a run would need 20 x 99,999,999 items to reach it.
  return `{% $min([${SFN_WAIT_SECONDS_MAX}, $max([0, $ceil((${due} - ${entered}) / 1000)])]) %}`;
}
