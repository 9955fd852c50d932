import { ItemResult, RunResults } from './run-results';
import { CapacityProviderNames } from '../library';

/** One ECS task of the run, for the timeline and the sums. */
export interface TaskRun {
  /** Position of its result in `RunResults.results`. */
  readonly result: number;
  /** The item's index, when known. */
  readonly item?: number;
  /** 1 for the item's first task. */
  readonly attempt: number;
  readonly capacity?: string;
  readonly cpu?: number;
  readonly memoryMiB?: number;
  readonly startedAt?: number;
  readonly stoppedAt?: number;
  readonly stopCode?: string;
  readonly exitCode?: number;
  /** The item's last task. */
  readonly last: boolean;
  /** The task the item failed with (its last, for a failed item). */
  readonly failed: boolean;
}

/** A task that started and stopped: what the timeline, the curve and run times count. */
export type TimedTaskRun = TaskRun & { readonly startedAt: number; readonly stoppedAt: number };

/** True when the task has its start and its stop. */
export function isTimed(task: TaskRun): task is TimedTaskRun {
  return task.startedAt !== undefined && task.stoppedAt !== undefined;
}

/** The tasks of one result, the last first in its record, numbered from the item's first. */
export function tasksOfResult(result: ItemResult, r: number): TaskRun[] {
  const recorded = result.record?.tasks ?? [];
  return recorded.map((task, i) => {
    const last = i === 0;
    return {
      result: r,
      item: result.index,
      attempt: recorded.length - i,
      capacity: task.capacity,
      cpu: task.cpu,
      memoryMiB: task.memoryMiB,
      startedAt: task.startedAt,
      stoppedAt: task.stoppedAt,
      stopCode: task.stopCode,
      exitCode: task.exitCode,
      last,
      failed: last && result.outcome === 'FAILED',
    };
  });
}

/** Tasks of every result, the last first in each record, numbered from the item's first. */
export function tasksOf(run: RunResults): TaskRun[] {
  return run.results.flatMap((result, r) => tasksOfResult(result, r));
}

/** The step curve of tasks running: `[time, running, running on Spot]` at each change. */
export function concurrencyCurve(tasks: readonly TaskRun[]): Array<[number, number, number]> {
  const events: Array<[number, number, number]> = [];
  for (const t of tasks) {
    if (!isTimed(t)) continue;
    const spot = t.capacity === CapacityProviderNames.SPOT ? 1 : 0;
    events.push([t.startedAt, 1, spot], [t.stoppedAt, -1, -spot]);
  }
  // At one instant, stops before starts: a task that replaces another does not overlap it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const curve: Array<[number, number, number]> = [];
  let running = 0;
  let spot = 0;
  for (const [time, delta, spotDelta] of events) {
    running += delta;
    spot += spotDelta;
    if (curve.length > 0 && curve[curve.length - 1][0] === time) curve[curve.length - 1] = [time, running, spot];
    else curve.push([time, running, spot]);
  }
  return curve;
}
