import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LEFT_OUT, stoppedTaskDefaults } from './item-record';
import { RetryRulesDecision } from '../../retries/private/decide-retry-rules';

/**
 * Where an item's state keeps what its runner needs besides the item. A batch's child gets the
 * Distributed Map's BatchInput under `$.BatchInput`, one item's iteration its ItemSelector's
 * fields at the top.
 */
export interface ItemStatePaths {
  /**
   * The attempt counters, the earlier tasks and (with an out-of-memory rule) the size the next
   * task runs at: `{ attempts, <rule id>: n, delay, earlier, cpu, memory }`.
   */
  readonly retry: string;
  /**
   * The stopped task: `{ task: <ECS task description>, capacity, cpu, memory }`, from a `.sync`
   * result or parsed from a failure's Cause, the same shape either way; `emptyStop()` before.
   */
  readonly stop: string;
  /** True for a batch (`{ Items, BatchInput }`). */
  readonly batched: boolean;
  /**
   * True when the size the task runs at is kept in the retry state (`cpu`, `memory`): with an
   * out-of-memory rule it changes from one task to the next.
   */
  readonly resized: boolean;
}

/** The task's size, as ECS describes it. */
export interface TaskSize {
  readonly cpu: number;
  readonly memoryMiB: number;
}

/** The paths of an item's state, for one item or a batch. */
export function itemStatePaths(batched: boolean, resized: boolean): ItemStatePaths {
  return batched
    ? { retry: '$.BatchInput.retry', stop: '$.BatchInput.stop', batched, resized }
    : { retry: '$.retry', stop: '$.stop', batched, resized };
}

/** What every item's state starts with (merged into the Map's ItemSelector or BatchInput). */
export function initialItemState(decision: RetryRulesDecision, size: TaskSize): { [key: string]: any } {
  const retry: { [key: string]: any } = { attempts: 0, delay: 0, earlier: {} };
  for (const rule of decision.rules) {
    if (rule.retry) {
      retry[rule.id] = 0;
    }
  }
  if (decision.resizes) {
    retry.cpu = String(size.cpu);
    retry.memory = String(size.memoryMiB);
  }
  return { retry, stop: emptyStop() };
}

/**
 * The stop path before any task stopped: every field an item's record reads, left out (`[]`,
 * see item-record.ts), so that the record never reads a path that is not there.
 */
export function emptyStop(): { [key: string]: any } {
  return { task: stoppedTaskDefaults(), ExitCode: [...LEFT_OUT], capacity: [...LEFT_OUT], cpu: [...LEFT_OUT], memory: [...LEFT_OUT] };
}

/** What is known of a run besides ECS's description of it: the capacity and size it ran at. */
export function runFields(paths: ItemStatePaths, size: TaskSize, capacity: string): { [key: string]: any } {
  return {
    capacity,
    cpu: paths.resized ? sfn.JsonPath.stringAt(`${paths.retry}.cpu`) : String(size.cpu),
    memory: paths.resized ? sfn.JsonPath.stringAt(`${paths.retry}.memory`) : String(size.memoryMiB),
  };
}

/**
 * What a task state's result selector keeps of its `.sync` result (at the stop path): the task's
 * description, the capacity and size it ran at, and the `summary` an inline Map keeps of a
 * successful item (which capacity ran it, when that varies).
 */
export function stopOfResult(paths: ItemStatePaths, size: TaskSize, capacity: string, reportsCapacity: boolean): { [key: string]: any } {
  // A result selector reads the task's result, not the state: a size kept in the retry state
  // is read from there when the record is made (see item-record.ts).
  const run = paths.resized ? { capacity } : runFields(paths, size, capacity);
  return { task: sfn.JsonPath.objectAt('$'), ...run, summary: reportsCapacity ? { capacity } : {} };
}
