import { itemBudgetParts } from './history-budget-parts';
import {
  CHILD_HISTORY_OVERHEAD_EVENTS,
  HISTORY_EVENTS_PER_PASS_STATE,
  HISTORY_EVENTS_PER_RETRY,
  HISTORY_EVENTS_PER_TASK_RERUN,
  PARENT_HISTORY_OVERHEAD_EVENTS,
  SFN_HISTORY_EVENT_LIMIT,
} from '../facts';
import { CALLBACK_NOT_RUNNING_RERUN_EVENTS, CALLBACK_INTERRUPTED_RETRIES, CALLBACK_NOT_RUNNING_RERUNS, CALLBACK_WORST_CASE_EVENTS } from './item/callback-runner';
import { SPILL_EVENTS } from './item/item-spill';
import { FALLBACK_RUN_EVENTS, ITEM_RECORD_EVENTS } from './item/run-job-runner';
import { LOOP_RERUN_EVENTS } from '../retries/private/retry-rule-states';
import { SPOT_STOP_CHECK_EVENTS } from '../retries/private/spot';
import { INVALID_PARAMETER_QUICK_RETRIES } from '../retries/private/throttle-retry';
import { FanOutRetryPolicy } from '../retries/retry-options';
import { FanOutCapacity } from '../task/capacity';

// The history budget: how many events one item can write at worst, and so how many items an
// inline Map holds and how many refused calls a Distributed Map child may retry. Each part of
// the worst case is declared next to the states it counts (the callback runner's, the run job's,
// the retry rules' loop, the spill, the inline failure record), and history-budget-parts.ts says
// which states each counts; test/workflow/history-budget-parts.test.ts checks that against the
// states the workflow builds. Nothing here is read at load time from those
// modules (they import this one through the decisions), only inside the functions.

/**
 * How many times one item's task may be attempted again, by kind of retry. Step Functions
 * counts attempts per retrier, so an item can use up every retrier it has.
 */
export interface ItemRetryAttempts {
  /** Retries of RunTask calls ECS refused (throttling, capacity, quota), summed over the retriers. */
  readonly refusedAttempts: number;
  /** Reruns of a task that ran and failed (`taskRetry`), 0 when failed tasks are not retried. */
  readonly rerunAttempts: number;
  /**
   * Runs on another capacity after the first task failed (1 with Spot and on-demand fallback).
   * @default 0
   */
  readonly fallbackRuns?: number;
  /**
   * True with the callback pattern, which adds states around the task.
   * @default false
   */
  readonly callback?: boolean;
  /**
   * Reruns of a callback item whose task was not running after a timeout
   * (CALLBACK_NOT_RUNNING_RERUNS per run).
   * @default 0
   */
  readonly callbackReruns?: number;
  /**
   * True when a Spot task's stop is checked after it succeeds (Spot without fallback, run job).
   * @default false
   */
  readonly checksSpotStop?: boolean;
  /**
   * Reruns by the retry rules (run job): each goes round a loop of states back to the task.
   * @default 0
   */
  readonly loopReruns?: number;
  /**
   * Runs after the item was written to S3 for its size (one item per task, run job): 0 or 1.
   * @default 0
   */
  readonly spills?: number;
  /**
   * Events a Distributed Map child keeps for a concurrency pool (taking, waiting, giving back).
   * @default 0
   */
  readonly poolEvents?: number;
  /** Events a Distributed Map child spends in its pacing Wait (see launch-pacing.ts). @default 0 */
  readonly launchPacingEvents?: number;
}

/** The pacing Wait of a paced Distributed Map child: its Entered and Exited events. */
export const LAUNCH_PACING_CHILD_EVENTS = HISTORY_EVENTS_PER_PASS_STATE;

/**
 * The most history events one item can write when every retry it has is used and it fails in
 * the end. Refused calls and reruns are counted at their own size; the final attempt is part of
 * the item's own events.
 */
export function worstCaseItemEvents(attempts: ItemRetryAttempts): number {
  return itemBudgetParts().reduce((sum, part) => sum + part.events * part.times(attempts), 0);
}

/**
 * The most items an inline Map can run while its parent execution is guaranteed to stay under
 * the 25,000-event history, even if every item uses every retry. A bound that holds only on
 * average is not enough: going over fails the whole execution, items that succeeded included,
 * and throttling or a vCPU quota below the cap makes every item retry at once. 0 when not even
 * one item fits.
 */
export function inlineMaxItems(attempts: ItemRetryAttempts): number {
  return Math.max(0, Math.floor((SFN_HISTORY_EVENT_LIMIT - PARENT_HISTORY_OVERHEAD_EVENTS) / worstCaseItemEvents(attempts)));
}

/**
 * The most refused-call retries a Distributed Map child can make, with `rerunAttempts` reruns
 * and `extraEvents` more (a fallback task, the callback states), and still stay under its own
 * 25,000-event history.
 */
export function maxChildRefusedAttempts(rerunAttempts: number, extraEvents = 0): number {
  const room = SFN_HISTORY_EVENT_LIMIT - CHILD_HISTORY_OVERHEAD_EVENTS - extraEvents - rerunAttempts * HISTORY_EVENTS_PER_TASK_RERUN;
  return Math.max(0, Math.floor(room / HISTORY_EVENTS_PER_RETRY));
}

/** What an item's retries depend on. */
export interface ItemRetryInput {
  /** The retry of refused RunTask calls (throttling, capacity). */
  readonly throttleRetry: FanOutRetryPolicy;
  /** The retry of tasks that ran and failed, if any. */
  readonly taskRetry?: FanOutRetryPolicy;
  /** Which capacity runs the tasks: a fallback lets an item use its retries twice. */
  readonly capacity: FanOutCapacity;
  /** True with the callback pattern. */
  readonly callback: boolean;
  /**
   * Reruns the retry rules allow one item (run job), `taskRetry` included.
   * @default 0
   */
  readonly loopReruns?: number;
  /**
   * True when an item too large for the container overrides is written to S3 and run again (one
   * item per task, run job).
   * @default false
   */
  readonly spillsItems?: boolean;
}

/**
 * The attempts one item can make at worst. With an on-demand fallback an item can use its
 * retries twice, once on each capacity. Each entry into a task state may use its retriers in
 * full: AWS does not document whether a state entered again (a rule's rerun) starts its retry
 * counts afresh, so the worst case assumes it does.
 */
export function itemRetryAttempts(input: ItemRetryInput): ItemRetryAttempts {
  const runsPerItem = input.capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK ? 2 : 1;
  if (input.callback) {
    // A task not running after a timeout is run again, and an item too large for the overrides
    // once more after its write to S3: each entry may use every retrier again.
    const spills = input.spillsItems ? 1 : 0;
    const entries = runsPerItem * (1 + CALLBACK_NOT_RUNNING_RERUNS) + spills;
    return {
      spills,
      refusedAttempts: entries * input.throttleRetry.maxAttempts,
      // The worker's FanOut.Interrupted reruns the item a few times besides taskRetry.
      rerunAttempts: entries * ((input.taskRetry?.maxAttempts ?? 0) + CALLBACK_INTERRUPTED_RETRIES),
      fallbackRuns: runsPerItem - 1,
      callback: true,
      callbackReruns: runsPerItem * CALLBACK_NOT_RUNNING_RERUNS,
      checksSpotStop: false,
    };
  }
  // Reruns are counted once for the item: the rules' counters are the item's, not a task state's.
  const loopReruns = input.loopReruns ?? 0;
  const spills = input.spillsItems ? 1 : 0;
  const entries = runsPerItem + loopReruns + spills;
  return {
    refusedAttempts: entries * (input.throttleRetry.maxAttempts + INVALID_PARAMETER_QUICK_RETRIES),
    rerunAttempts: 0,
    fallbackRuns: runsPerItem - 1,
    callback: false,
    checksSpotStop: input.capacity !== FanOutCapacity.ON_DEMAND,
    loopReruns,
    spills,
  };
}

/**
 * The refused-call retries a Distributed Map child has room for on each entry into its task
 * states (a task state is entered again for a fallback run or a rule's rerun, and may use its
 * retriers in full each time), besides `attempts` (the inline throttle retry it keeps for
 * `ECS.InvalidParameterException`, its reruns, a fallback task, the callback states), within
 * its own 25,000-event history.
 */
export function childRefusedAttemptsLeft(attempts: ItemRetryAttempts): number {
  const extraEvents = (attempts.fallbackRuns ?? 0) * FALLBACK_RUN_EVENTS + (attempts.callback ? CALLBACK_WORST_CASE_EVENTS : ITEM_RECORD_EVENTS)
    + (attempts.callbackReruns ?? 0) * CALLBACK_NOT_RUNNING_RERUN_EVENTS
    + (attempts.checksSpotStop ? SPOT_STOP_CHECK_EVENTS : 0) + (attempts.loopReruns ?? 0) * LOOP_RERUN_EVENTS
    + (attempts.spills ?? 0) * SPILL_EVENTS
    + (attempts.poolEvents ?? 0) + (attempts.launchPacingEvents ?? 0);
  const room = maxChildRefusedAttempts(attempts.rerunAttempts, extraEvents) - attempts.refusedAttempts;
  return Math.floor(room / taskStateEntries(attempts));
}

/** How many times an item's task states can be entered at worst: first run, fallback, reruns. */
export function taskStateEntries(attempts: ItemRetryAttempts): number {
  return 1 + (attempts.fallbackRuns ?? 0) + (attempts.loopReruns ?? 0) + (attempts.spills ?? 0) + (attempts.callbackReruns ?? 0);
}

/** How many items an inline Map takes, and why. */
export interface InlineHistoryBudget {
  /** The most items an inline Map surely holds (see `inlineMaxItems`). */
  readonly inlineMaxItems: number;
  /** One sentence a user can read. */
  readonly reason: string;
  /** The attempts one item can make at worst, which the limit is computed from. */
  readonly attempts: ItemRetryAttempts;
}

/** The inline Map's item limit for `attempts`, with the arithmetic behind it. */
export function decideInlineHistoryBudget(attempts: ItemRetryAttempts): InlineHistoryBudget {
  const perItem = worstCaseItemEvents(attempts);
  const items = inlineMaxItems(attempts);
  return {
    inlineMaxItems: items,
    attempts,
    reason: `an item writes at most ${perItem} history events when it uses every retry and fails, so ${items} items surely fit the ${SFN_HISTORY_EVENT_LIMIT}-event history (${PARENT_HISTORY_OVERHEAD_EVENTS} kept for the run itself).`,
  };
}
