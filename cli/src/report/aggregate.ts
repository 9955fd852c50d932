import { TaskSize, estimateTransitions, taskCost } from './cost';
import { FailureCollector, FAILED_ITEMS_LISTED, MAX_FAILURE_GROUPS } from './failure-collector';
import { Numbers, quantile } from './numbers';
import { Prices } from './prices';
import { CapacityUse, RunReport } from './run-report';
import { ItemResult, RunInfo, RunResults } from './run-results';
import { isTimed, TaskRun, tasksOfResult } from './task-runs';
import { Timeline, TimelineCollector } from './timeline';
import { CapacityProviderNames, FanOutCpuArchitecture } from '../library';

/** What the planner's prediction takes from the records. */
export interface PredictionBasis {
  /** The most common task size in the records. */
  readonly cpu?: number;
  readonly memoryMiB?: number;
  /** The largest batch among the results. */
  readonly itemsPerTask: number;
}

function mostCommon(counts: Map<number, number>): number | undefined {
  let best: number | undefined;
  let bestCount = 0;
  for (const [v, n] of counts) {
    if (n > bestCount) {
      best = v;
      bestCount = n;
    }
  }
  return best;
}


/**
 * A run's report, built one item result at a time: the counts and sums exact, what grows with the
 * run bounded (failure groups, listed failed items, the timeline's tasks and curve points), and
 * per task only its start, stop and run time kept, as numbers (24 bytes), for the exact peak,
 * span and quantiles. A run of millions of items fits in a few hundred MB at most.
 */
export class RunAggregator {
  private results = 0;
  private failedResults = 0;
  private failedFromResults = 0;
  private succeededFromResults = 0;
  private readonly failures = new FailureCollector();
  private readonly byAttempts = new Map<number, number>();
  private readonly retriedStops = new Map<string, number>();
  private retriedResults = 0;
  private extraTasks = 0;
  private recordedRuns = 0;
  private itemsPerTask = 1;
  private readonly cpus = new Map<number, number>();
  private readonly memories = new Map<number, number>();
  private readonly byCapacity = new Map<string, { -readonly [K in Exclude<keyof CapacityUse, 'capacity'>]: CapacityUse[K] }>();
  private started = 0;
  private neverStarted = 0;
  private withoutSize = 0;
  private taskSeconds = 0;
  private firstTaskStart: number | undefined;
  private lastTaskStop: number | undefined;
  private readonly successful = new Numbers();
  private readonly timeline = new TimelineCollector();

  constructor(private readonly prices: Prices, private readonly fallbackSize: TaskSize = {}) {}

  public add(result: ItemResult): void {
    const r = this.results++;
    this.itemsPerTask = Math.max(this.itemsPerTask, result.items);
    if (result.outcome === 'FAILED') this.addFailure(result);
    else this.succeededFromResults += result.items;

    if (result.record) {
      // Tasks, not runs: a last run that RunTask refused launched no task.
      const launched = result.record.tasks.length;
      this.byAttempts.set(launched, (this.byAttempts.get(launched) ?? 0) + 1);
      if (launched > 1) {
        this.retriedResults++;
        this.extraTasks += launched - 1;
      }
      for (const earlier of result.record.tasks.slice(1)) {
        const code = earlier.stopCode ?? 'unknown';
        this.retriedStops.set(code, (this.retriedStops.get(code) ?? 0) + 1);
      }
      // One RunTask state per run (a task launched, or a last call refused).
      this.recordedRuns += Math.max(result.record.attempts ?? 0, launched);
    }
    for (const task of tasksOfResult(result, r)) this.addTask(task);
  }

  private addFailure(result: ItemResult): void {
    this.failedResults++;
    this.failedFromResults += result.items;
    this.failures.add(result);
  }

  private addTask(task: TaskRun): void {
    if (task.cpu !== undefined) this.cpus.set(task.cpu, (this.cpus.get(task.cpu) ?? 0) + 1);
    if (task.memoryMiB !== undefined) this.memories.set(task.memoryMiB, (this.memories.get(task.memoryMiB) ?? 0) + 1);
    if (task.startedAt === undefined) {
      this.neverStarted++;
    } else {
      this.started++;
      const capacity = task.capacity ?? 'unknown';
      let use = this.byCapacity.get(capacity);
      if (!use) {
        use = { tasks: 0, taskSeconds: 0, billedSeconds: 0, vcpuHours: 0, gbHours: 0, storageGbHours: 0, costUsd: 0 };
        this.byCapacity.set(capacity, use);
      }
      use.tasks++;
      const ran = task.stoppedAt !== undefined ? (task.stoppedAt - task.startedAt) / 1000 : 0;
      use.taskSeconds += ran;
      this.taskSeconds += ran;
      const cost = taskCost(task, this.prices, this.fallbackSize);
      if (!cost) {
        if (task.stoppedAt !== undefined) this.withoutSize++;
      } else {
        use.billedSeconds += cost.billedSeconds;
        use.vcpuHours += cost.vcpuHours;
        use.gbHours += cost.gbHours;
        use.storageGbHours += cost.storageGbHours;
        use.costUsd += cost.usd;
      }
      this.firstTaskStart = this.firstTaskStart === undefined ? task.startedAt : Math.min(this.firstTaskStart, task.startedAt);
    }
    if (task.stoppedAt !== undefined) {
      this.lastTaskStop = this.lastTaskStop === undefined ? task.stoppedAt : Math.max(this.lastTaskStop, task.stoppedAt);
    }
    if (!isTimed(task)) return;
    if (task.last && !task.failed) this.successful.push((task.stoppedAt - task.startedAt) / 1000);
    this.timeline.add(task);
  }

  /** The report, the timeline and the prediction's basis, once every result was added. */
  public finish(run: RunInfo): { report: RunReport; timeline: Timeline; basis: PredictionBasis } {
    const notes = [...run.notes];
    const { failedFromResults, succeededFromResults } = this;

    // Counts.
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

    const failures = this.failures.failureGroups();
    if (this.failures.overflowed) notes.push(`more than ${MAX_FAILURE_GROUPS} kinds of failure: the rarer ones are counted together as '(other errors)'`);
    const failedItems = this.failures.failedItems();
    const failedItemsOmitted = this.failedResults - failedItems.length;
    if (failedItemsOmitted > 0) notes.push(`${failedItemsOmitted} more failed results are counted but not listed (the list holds the ${FAILED_ITEMS_LISTED} lowest item indices)`);

    // Time.
    const { startDate, stopDate } = run.execution ?? {};
    const executionSeconds = startDate !== undefined && stopDate !== undefined ? (stopDate - startDate) / 1000 : undefined;
    const { firstTaskStart, lastTaskStop } = this;
    const taskSpanSeconds = firstTaskStart !== undefined && lastTaskStop !== undefined ? (lastTaskStop - firstTaskStart) / 1000 : undefined;
    const successful = this.successful.sorted();

    // Cost by capacity.
    if (this.withoutSize > 0) notes.push(`${this.withoutSize} started tasks have no size in their record: left out of the cost (pass --cpu and --memory to price them)`);
    if (this.byCapacity.has('unknown')) notes.push(`${this.byCapacity.get('unknown')!.tasks} tasks do not say their capacity: priced as On-Demand`);
    if (this.neverStarted > 0) notes.push(`${this.neverStarted} tasks never started (no start time): not billed here`);
    const capacityUse: CapacityUse[] = [...this.byCapacity.entries()].map(([capacity, use]) => ({ capacity, ...use }))
      .sort((a, b) => a.capacity.localeCompare(b.capacity));
    const spotUsd = capacityUse.filter((c) => c.capacity === CapacityProviderNames.SPOT).reduce((n, c) => n + c.costUsd, 0);
    const onDemandUsd = capacityUse.filter((c) => c.capacity !== CapacityProviderNames.SPOT).reduce((n, c) => n + c.costUsd, 0);
    const storageGbHours = capacityUse.reduce((n, c) => n + c.storageGbHours, 0);
    // The records say neither the architecture nor the storage: what prices them is the user's word.
    if (this.prices.cpuArchitecture === FanOutCpuArchitecture.ARM64) notes.push('priced at the ARM64 On-Demand rates (--arm64): the records do not say the tasks\' architecture');
    if (this.fallbackSize.ephemeralStorageGiB !== undefined) {
      notes.push(`ephemeral storage of ${this.fallbackSize.ephemeralStorageGiB} GiB per task (--ephemeral-storage): the records do not say it`);
    }
    // An item without a record (an inline success) ran at least once.
    const runs = this.recordedRuns + (run.everyItemHasResult ? 0 : succeeded ?? 0);
    const transitions = estimateTransitions(runs, this.failedResults);

    const timeline = this.timeline.build();
    const report: RunReport = {
      source: run.source,
      mode: run.mode,
      execution: run.execution,
      mapRun: run.mapRun,
      counts: { items, succeeded, failed: failedFromResults, pending, succeededFrom },
      failures,
      failedItems,
      failedItemsOmitted,
      retries: {
        retriedResults: this.retriedResults,
        extraTasks: this.extraTasks,
        byAttempts: [...this.byAttempts.entries()].sort((a, b) => a[0] - b[0]).map(([attempts, results]) => ({ attempts, results })),
        retriedStops: [...this.retriedStops.entries()].sort((a, b) => b[1] - a[1]).map(([stopCode, n]) => ({ stopCode, tasks: n })),
      },
      time: {
        executionSeconds,
        firstTaskStart: this.firstTaskStart,
        lastTaskStop: this.lastTaskStop,
        taskSpanSeconds,
        makespanSeconds: executionSeconds ?? taskSpanSeconds,
        successfulTaskSeconds: successful.length > 0
          ? { min: successful[0], median: quantile(successful, 0.5), p90: quantile(successful, 0.9), max: successful[successful.length - 1] }
          : undefined,
      },
      tasks: {
        started: this.started, neverStarted: this.neverStarted, withoutSize: this.withoutSize, taskSeconds: this.taskSeconds, byCapacity: capacityUse,
      },
      cost: {
        covers: run.everyItemHasResult ? 'every item' : 'failed items only',
        fargateUsd: onDemandUsd + spotUsd,
        onDemandUsd,
        spotUsd,
        storageGbHours,
        storageUsd: storageGbHours * this.prices.storageGbHour,
        transitions,
        transitionsUsd: transitions * this.prices.transition,
        totalUsd: onDemandUsd + spotUsd + transitions * this.prices.transition,
        prices: this.prices,
      },
      concurrency: { peak: timeline.peak, peakAt: timeline.peakAt },
      notes,
    };
    return {
      report,
      timeline,
      basis: { cpu: mostCommon(this.cpus), memoryMiB: mostCommon(this.memories), itemsPerTask: this.itemsPerTask },
    };
  }
}

/** Aggregates a run's results: counts, failures, retries, time, cost, concurrency. */
export function aggregateRun(run: RunResults, prices: Prices, fallbackSize: TaskSize = {}): RunReport {
  const aggregator = new RunAggregator(prices, fallbackSize);
  for (const result of run.results) aggregator.add(result);
  return aggregator.finish(run).report;
}
