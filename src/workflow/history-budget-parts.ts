import type { ItemRetryAttempts } from './history-budget';
import { INLINE_FAILURE_RECORD_EVENTS } from './inline-map';
import { HISTORY_EVENTS_PER_INLINE_ITEM, HISTORY_EVENTS_PER_RETRY, HISTORY_EVENTS_PER_TASK_RERUN } from '../facts';
import { CALLBACK_NOT_RUNNING_RERUN_EVENTS, CALLBACK_WORST_CASE_EVENTS } from './item/callback-runner';
import { SPILL_EVENTS } from './item/item-spill';
import { FALLBACK_RUN_EVENTS, ITEM_RECORD_EVENTS } from './item/run-job-runner';
import { LOOP_RERUN_EVENTS } from '../retries/private/retry-rule-states';
import { SPOT_STOP_CHECK_EVENTS } from '../retries/private/spot';

/**
 * One part of an inline item's worst case: the events it adds each time (declared next to the
 * states it counts), how many times an item can add them, and the states of the inline item it
 * counts. test/workflow/history-budget-parts.test.ts builds the workflow and checks that every
 * state of an inline item is counted by a part that the item's worst case includes, and that
 * every part it includes has its states: a state added, removed or moved without the budget
 * fails it.
 */
export interface ItemBudgetPart {
  /** The constant that holds its events. */
  readonly name: string;
  /** Events it adds each time. */
  readonly events: number;
  /** How many times one item can add them at worst. */
  readonly times: (attempts: ItemRetryAttempts) => number;
  /** The names of the inline item's states it counts; undefined for retries, which are no states. */
  readonly states?: RegExp;
}

/**
 * The parts of an inline item's worst case (see `worstCaseItemEvents`). A function, not a
 * constant: the modules that declare the events import the decisions, which import this one.
 */
export function itemBudgetParts(): ItemBudgetPart[] {
  const onDemand = '(OnDemand)?';
  return [
    // The item's task state, with its Map iteration's events; the final attempt is part of them.
    { name: 'HISTORY_EVENTS_PER_INLINE_ITEM', events: HISTORY_EVENTS_PER_INLINE_ITEM, times: () => 1, states: /^RunItemTask$/ },
    { name: 'INLINE_FAILURE_RECORD_EVENTS', events: INLINE_FAILURE_RECORD_EVENTS, times: () => 1, states: /^(DescribeItemFailure|WriteItemFailure|RecordItemFailure)$/ },
    {
      name: 'ITEM_RECORD_EVENTS',
      events: ITEM_RECORD_EVENTS,
      times: (a) => (a.callback ? 0 : 1),
      states: new RegExp(`^(ItemSucceeded|IsStopDescribed${onDemand}|ReadStop(WithoutExitCode)?${onDemand}|ApplyStopRules${onDemand})$`),
    },
    { name: 'FALLBACK_RUN_EVENTS', events: FALLBACK_RUN_EVENTS, times: (a) => a.fallbackRuns ?? 0, states: /^(RunItemOnDemand|FallBackSpot)$/ },
    {
      name: 'CALLBACK_WORST_CASE_EVENTS',
      events: CALLBACK_WORST_CASE_EVENTS,
      times: (a) => (a.callback ? 1 : 0),
      states: /^(NameItemTask|FindTimedOutTask|StopTimedOutTask|IsTimedOutTaskRunning)$/,
    },
    {
      name: 'CALLBACK_NOT_RUNNING_RERUN_EVENTS',
      events: CALLBACK_NOT_RUNNING_RERUN_EVENTS,
      times: (a) => a.callbackReruns ?? 0,
      states: /^(RenameItemTask|FindTimedOutTask|IsTimedOutTaskRunning)$/,
    },
    {
      name: 'SPOT_STOP_CHECK_EVENTS',
      events: SPOT_STOP_CHECK_EVENTS,
      times: (a) => (a.checksSpotStop ? 1 : 0),
      states: new RegExp(`^(WasStoppedBySpot${onDemand}|SpotTaskInterrupted${onDemand})$`),
    },
    { name: 'HISTORY_EVENTS_PER_RETRY', events: HISTORY_EVENTS_PER_RETRY, times: (a) => a.refusedAttempts },
    { name: 'HISTORY_EVENTS_PER_TASK_RERUN', events: HISTORY_EVENTS_PER_TASK_RERUN, times: (a) => a.rerunAttempts },
    {
      name: 'LOOP_RERUN_EVENTS',
      events: LOOP_RERUN_EVENTS,
      times: (a) => a.loopReruns ?? 0,
      // A rule's rerun, and a RunTask that ECS's VPC lookups throttled (a shorter loop, counted as one).
      states: new RegExp(`^((Wait)?(Retry|RateLimited)\\w+|IsRateLimited${onDemand})$`),
    },
    {
      name: 'SPILL_EVENTS',
      events: SPILL_EVENTS,
      times: (a) => a.spills ?? 0,
      states: new RegExp(`^(SpillItem${onDemand}|UseItemReference${onDemand}|IsRateLimited${onDemand}|IsItemTooLarge)$`),
    },
  ];
}
