import { TaskSize, estimateTransitions, taskCost } from './cost';
import { Prices } from './prices';
import { RunResults } from './run-results';
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

/** Failed items with the same error, stop code and exit code. */
export interface FailureGroup {
  readonly error: string;
  readonly stopCode?: string;
  readonly exitCode?: number;
  readonly items: number;
  /** Up to a few examples: the item index (when known), where its result is, the stop reason. */
  readonly examples: Array<{ readonly index?: number; readonly source: string; readonly stoppedReason?: string }>;
}

export interface CapacityUse {
  /** `FARGATE`, `FARGATE_SPOT`, or `unknown` (billed at On-Demand prices). */
  readonly capacity: string;
  readonly tasks: number;
  /** Sum of run times (stop minus start). */
  readonly taskSeconds: number;
  readonly billedSeconds: number;
  readonly vcpuHours: number;
  readonly gbHours: number;
  readonly costUsd: number;
}

/** The report of one run: what `--json` prints, and what the text and page show. */
export interface RunReport {
  readonly source: string;
  readonly mode: 'distributed' | 'inline';
  readonly execution?: RunResults['execution'];
  readonly mapRun?: RunResults['mapRun'];
  readonly counts: {
    /** Items in the run, from the run's own counts or else the results. */
    readonly items?: number;
    readonly succeeded?: number;
    readonly failed: number;
    /** Items that never ran (the Map Run stopped first). */
    readonly pending: number;
    /** Where the succeeded count comes from: the result files, or the run's summary only (inline). */
    readonly succeededFrom: 'results' | 'summary' | 'unknown';
  };
  readonly failures: FailureGroup[];
  /** Every failed item: index (when known), error, stop code, exit code, tasks started. */
  readonly failedItems: Array<{
    index?: number; items: number; error: string; stopCode?: string; exitCode?: number; attempts?: number; source: string;
  }>;
  readonly retries: {
    /** Items (or batches) with more than one task. */
    readonly retriedResults: number;
    /** Tasks beyond the first, over all items. */
    readonly extraTasks: number;
    /** How many items took 0, 1, 2, 3, ... tasks (0: no task launched). */
    readonly byAttempts: Array<{ attempts: number; results: number }>;
    /** Why the retried tasks stopped: their stop codes. */
    readonly retriedStops: Array<{ stopCode: string; tasks: number }>;
  };
  readonly time: {
    readonly executionSeconds?: number;
    readonly firstTaskStart?: number;
    readonly lastTaskStop?: number;
    /** From the first task's start to the last task's stop. */
    readonly taskSpanSeconds?: number;
    /** The execution's duration when known, else the task span. */
    readonly makespanSeconds?: number;
    /** Run times of the items' last successful tasks, in seconds. */
    readonly successfulTaskSeconds?: { min: number; median: number; p90: number; max: number };
  };
  readonly tasks: {
    readonly started: number;
    /** Tasks that stopped before starting (TaskFailedToStart): not billed here. */
    readonly neverStarted: number;
    /** Started tasks without a size (in the record or from --cpu/--memory): left out of the cost. */
    readonly withoutSize: number;
    readonly taskSeconds: number;
    readonly byCapacity: CapacityUse[];
  };
  readonly cost: {
    /** Whose tasks the Fargate cost covers: every item's, or the failed items' only (an inline run). */
    readonly covers: 'every item' | 'failed items only';
    readonly fargateUsd: number;
    readonly onDemandUsd: number;
    readonly spotUsd: number;
    readonly transitions: number;
    readonly transitionsUsd: number;
    readonly totalUsd: number;
    readonly prices: Prices;
  };
  readonly concurrency: { readonly peak: number; readonly peakAt?: number };
  /** What the report cannot see, in words (inline successes, missing records, ...). */
  readonly notes: string[];
}

const EXAMPLES_PER_GROUP = 3;

/** Tasks of every result, the last first in each record, numbered from the item's first. */
export function tasksOf(run: RunResults): TaskRun[] {
  const tasks: TaskRun[] = [];
  run.results.forEach((result, r) => {
    const recorded = result.record?.tasks ?? [];
    recorded.forEach((task, i) => {
      const last = i === 0;
      tasks.push({
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
      });
    });
  });
  return tasks;
}

/** The step curve of tasks running: `[time, running, running on Spot]` at each change. */
export function concurrencyCurve(tasks: readonly TaskRun[]): Array<[number, number, number]> {
  const events: Array<[number, number, number]> = [];
  for (const t of tasks) {
    if (t.startedAt === undefined || t.stoppedAt === undefined) continue;
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

function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Aggregates a run's results: counts, failures, retries, time, cost, concurrency. */
export function aggregateRun(run: RunResults, prices: Prices, fallbackSize: TaskSize = {}): RunReport {
  const notes = [...run.notes];
  const tasks = tasksOf(run);

  // Counts.
  const failedResults = run.results.filter((r) => r.outcome === 'FAILED');
  const failedFromResults = failedResults.reduce((n, r) => n + r.items, 0);
  const succeededFromResults = run.results.filter((r) => r.outcome === 'SUCCEEDED').reduce((n, r) => n + r.items, 0);
  const items = run.summary?.itemCount ?? (run.everyItemHasResult ? succeededFromResults + failedFromResults + run.pendingItems : undefined);
  let succeeded: number | undefined;
  let succeededFrom: RunReport['counts']['succeededFrom'];
  if (run.everyItemHasResult) {
    succeeded = succeededFromResults;
    succeededFrom = 'results';
  } else if (run.summary?.itemCount !== undefined && run.summary.failedCount !== undefined) {
    succeeded = run.summary.itemCount - run.summary.failedCount;
    succeededFrom = 'summary';
  } else {
    succeededFrom = 'unknown';
  }
  if (run.summary?.failedCount !== undefined && run.summary.failedCount !== failedFromResults) {
    notes.push(`the run counted ${run.summary.failedCount} failed items, its result files ${failedFromResults}`);
  }
  // Items the run counted that no result lists never ran (a Map Run stopped past its threshold).
  const itemsInResults = succeededFromResults + failedFromResults;
  const pending = run.everyItemHasResult && items !== undefined ? Math.max(run.pendingItems, items - itemsInResults) : run.pendingItems;
  if (run.everyItemHasResult && items !== undefined && items < itemsInResults + run.pendingItems) {
    notes.push(`the run counted ${items} items, its result files ${itemsInResults + run.pendingItems}`);
  }
  if (run.mode === 'inline') {
    notes.push('inline run: only failed items leave a record, so task times, retries, the timeline and the Fargate cost cover the failed items alone; successes are counted from the execution\'s output'
      + (succeededFrom === 'unknown' ? ' (not available here: report the execution ARN, or put its describe-execution JSON in execution.json beside the files)' : ''));
  }

  // Failures, grouped by error, stop code and exit code.
  const groups = new Map<string, FailureGroup>();
  const failedItems: RunReport['failedItems'] = [];
  for (const result of failedResults) {
    const last = result.record?.tasks[0];
    const error = result.error ?? 'unknown';
    failedItems.push({
      index: result.index,
      items: result.items,
      error,
      stopCode: last?.stopCode,
      exitCode: last?.exitCode,
      attempts: result.record?.attempts ?? result.record?.tasks.length,
      source: result.source,
    });
    const key = JSON.stringify([error, last?.stopCode ?? null, last?.exitCode ?? null]);
    let group = groups.get(key);
    if (!group) {
      group = { error, stopCode: last?.stopCode, exitCode: last?.exitCode, items: 0, examples: [] };
      groups.set(key, group);
    }
    (group as { items: number }).items += result.items;
    if (group.examples.length < EXAMPLES_PER_GROUP) {
      group.examples.push({ index: result.index, source: result.source, stoppedReason: last?.stoppedReason });
    }
  }
  const failures = [...groups.values()].sort((a, b) => b.items - a.items || a.error.localeCompare(b.error));
  failedItems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));

  // Retries: tasks per item, and why the earlier ones stopped.
  const byAttempts = new Map<number, number>();
  const retriedStops = new Map<string, number>();
  let retriedResults = 0;
  let extraTasks = 0;
  for (const result of run.results) {
    if (!result.record) continue;
    // Tasks, not runs: a last run that RunTask refused launched no task.
    const launched = result.record.tasks.length;
    byAttempts.set(launched, (byAttempts.get(launched) ?? 0) + 1);
    if (launched > 1) {
      retriedResults++;
      extraTasks += launched - 1;
    }
    for (const earlier of result.record.tasks.slice(1)) {
      const code = earlier.stopCode ?? 'unknown';
      retriedStops.set(code, (retriedStops.get(code) ?? 0) + 1);
    }
  }

  // Time.
  const starts = tasks.map((t) => t.startedAt).filter((t): t is number => t !== undefined);
  const stops = tasks.map((t) => t.stoppedAt).filter((t): t is number => t !== undefined);
  const firstTaskStart = starts.length > 0 ? starts.reduce((a, b) => Math.min(a, b)) : undefined;
  const lastTaskStop = stops.length > 0 ? stops.reduce((a, b) => Math.max(a, b)) : undefined;
  const taskSpanSeconds = firstTaskStart !== undefined && lastTaskStop !== undefined ? (lastTaskStop - firstTaskStart) / 1000 : undefined;
  const { startDate, stopDate } = run.execution ?? {};
  const executionSeconds = startDate !== undefined && stopDate !== undefined ? (stopDate - startDate) / 1000 : undefined;
  const successful = tasks.filter((t) => t.last && !t.failed && t.startedAt !== undefined && t.stoppedAt !== undefined)
    .map((t) => (t.stoppedAt! - t.startedAt!) / 1000).sort((a, b) => a - b);

  // Tasks and cost, by capacity.
  const byCapacity = new Map<string, { -readonly [K in Exclude<keyof CapacityUse, 'capacity'>]: CapacityUse[K] }>();
  let started = 0;
  let neverStarted = 0;
  let withoutSize = 0;
  let taskSeconds = 0;
  for (const task of tasks) {
    if (task.startedAt === undefined) {
      neverStarted++;
      continue;
    }
    started++;
    const capacity = task.capacity ?? 'unknown';
    const use = byCapacity.get(capacity) ?? { tasks: 0, taskSeconds: 0, billedSeconds: 0, vcpuHours: 0, gbHours: 0, costUsd: 0 };
    byCapacity.set(capacity, use);
    use.tasks++;
    const ran = task.stoppedAt !== undefined ? (task.stoppedAt - task.startedAt) / 1000 : 0;
    use.taskSeconds += ran;
    taskSeconds += ran;
    const cost = taskCost(task, prices, fallbackSize);
    if (!cost) {
      if (task.stoppedAt !== undefined) withoutSize++;
      continue;
    }
    use.billedSeconds += cost.billedSeconds;
    use.vcpuHours += cost.vcpuHours;
    use.gbHours += cost.gbHours;
    use.costUsd += cost.usd;
  }
  if (withoutSize > 0) notes.push(`${withoutSize} started tasks have no size in their record: left out of the cost (pass --cpu and --memory to price them)`);
  if (byCapacity.has('unknown')) notes.push(`${byCapacity.get('unknown')!.tasks} tasks do not say their capacity: priced as On-Demand`);
  if (neverStarted > 0) notes.push(`${neverStarted} tasks never started (no start time): not billed here`);
  const capacityUse: CapacityUse[] = [...byCapacity.entries()].map(([capacity, use]) => ({ capacity, ...use }))
    .sort((a, b) => a.capacity.localeCompare(b.capacity));
  const spotUsd = capacityUse.filter((c) => c.capacity === CapacityProviderNames.SPOT).reduce((n, c) => n + c.costUsd, 0);
  const onDemandUsd = capacityUse.filter((c) => c.capacity !== CapacityProviderNames.SPOT).reduce((n, c) => n + c.costUsd, 0);
  // One RunTask state per run (a task launched, or a last call refused); an item without a
  // record (an inline success) ran at least once.
  const recordedRuns = run.results.reduce((n, r) => n + (r.record ? Math.max(r.record.attempts ?? 0, r.record.tasks.length) : 0), 0);
  const runs = recordedRuns + (run.everyItemHasResult ? 0 : succeeded ?? 0);
  const transitions = estimateTransitions(runs, failedResults.length);
  const transitionsUsd = transitions * prices.transition;

  const curve = concurrencyCurve(tasks);
  let peak = 0;
  let peakAt: number | undefined;
  for (const [time, running] of curve) {
    if (running > peak) {
      peak = running;
      peakAt = time;
    }
  }

  return {
    source: run.source,
    mode: run.mode,
    execution: run.execution,
    mapRun: run.mapRun,
    counts: { items, succeeded, failed: failedFromResults, pending, succeededFrom },
    failures,
    failedItems,
    retries: {
      retriedResults,
      extraTasks,
      byAttempts: [...byAttempts.entries()].sort((a, b) => a[0] - b[0]).map(([attempts, results]) => ({ attempts, results })),
      retriedStops: [...retriedStops.entries()].sort((a, b) => b[1] - a[1]).map(([stopCode, n]) => ({ stopCode, tasks: n })),
    },
    time: {
      executionSeconds,
      firstTaskStart,
      lastTaskStop,
      taskSpanSeconds,
      makespanSeconds: executionSeconds ?? taskSpanSeconds,
      successfulTaskSeconds: successful.length > 0
        ? { min: successful[0], median: quantile(successful, 0.5), p90: quantile(successful, 0.9), max: successful[successful.length - 1] }
        : undefined,
    },
    tasks: { started, neverStarted, withoutSize, taskSeconds, byCapacity: capacityUse },
    cost: {
      covers: run.everyItemHasResult ? 'every item' : 'failed items only',
      fargateUsd: onDemandUsd + spotUsd,
      onDemandUsd,
      spotUsd,
      transitions,
      transitionsUsd,
      totalUsd: onDemandUsd + spotUsd + transitionsUsd,
      prices,
    },
    concurrency: { peak, peakAt },
    notes,
  };
}
