import { TaskSize, estimateTransitions, taskCost } from './cost';
import { Prices } from './prices';
import { ItemResult, RunInfo, RunResults } from './run-results';
import { CapacityProviderNames, FanOutCpuArchitecture, seededRandom } from '../library';

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
  /** GB-hours of ephemeral storage above the included 20 GiB (from --ephemeral-storage). */
  readonly storageGbHours: number;
  /** vCPU, memory and storage. */
  readonly costUsd: number;
}

export interface FailedItem {
  readonly index?: number;
  readonly items: number;
  readonly error: string;
  readonly stopCode?: string;
  readonly exitCode?: number;
  readonly attempts?: number;
  readonly source: string;
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
  /** Failure groups, the largest first; past MAX_FAILURE_GROUPS kinds, the rest in one '(other errors)' group. */
  readonly failures: FailureGroup[];
  /** Failed items, the lowest indices first, at most FAILED_ITEMS_LISTED: index (when known), error, stop code, exit code, tasks started. */
  readonly failedItems: FailedItem[];
  /** Failed results not listed in `failedItems` (the list is capped; the counts are exact). */
  readonly failedItemsOmitted: number;
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
    /** GB-hours of ephemeral storage above the included 20 GiB, every capacity's. */
    readonly storageGbHours: number;
    /** Their part of `fargateUsd`. */
    readonly storageUsd: number;
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
/** Kinds of failure (error, stop code, exit code) counted apart; more go into one group. */
export const MAX_FAILURE_GROUPS = 50;
/** Failed items the report lists (the lowest indices); the counts cover every one. */
export const FAILED_ITEMS_LISTED = 1000;
/** Tasks the timeline draws at most (a uniform sample of the run's, plus its failed items'). */
export const TIMELINE_MAX_TASKS = 2000;
/** Failed items' last tasks the timeline draws and marks at most. */
export const TIMELINE_MAX_FAILED = 1000;
/** Points of the concurrency curve the picture draws at most (the peak is exact). */
export const TIMELINE_MAX_CURVE_POINTS = 2000;

/** The tasks of one result, the last first in its record, numbered from the item's first. */
function tasksOfResult(result: ItemResult, r: number): TaskRun[] {
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

function quantile(sorted: ArrayLike<number>, q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** A growable array of numbers: 8 bytes each, no object per value. */
class Numbers {
  private values = new Float64Array(1024);
  public length = 0;
  public push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  /** The values, sorted (the buffer is sorted in place and shared). */
  public sorted(): Float64Array {
    return this.values.subarray(0, this.length).sort();
  }
}

/** What the picture draws: a bounded sample of the tasks, and the curve of all of them. */
export interface Timeline {
  /** Tasks drawn: every task when there are at most TIMELINE_MAX_TASKS, else a uniform sample plus the failed items' last tasks. */
  readonly tasks: readonly TaskRun[];
  /** Tasks with start and stop times in the run. */
  readonly timedTasks: number;
  readonly start?: number;
  readonly end?: number;
  /** Tasks running at once (all, Spot): `[time, running, spot]`, at most TIMELINE_MAX_CURVE_POINTS points (each the highest in its slice of time). */
  readonly curve: ReadonlyArray<readonly [number, number, number]>;
  readonly peak: number;
}

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
  private readonly groups = new Map<string, FailureGroup & { items: number }>();
  /** The listed failed items: a max-heap by index, so the lowest indices stay. */
  private readonly failedItems: FailedItem[] = [];
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
  private readonly starts = new Numbers();
  private readonly stops = new Numbers();
  private readonly spotStarts = new Numbers();
  private readonly spotStops = new Numbers();
  private readonly successful = new Numbers();
  private timed = 0;
  private readonly sample: TaskRun[] = [];
  private readonly failedSample: TaskRun[] = [];
  private readonly random = seededRandom(0x5eed);

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
    const last = result.record?.tasks[0];
    const error = result.error ?? 'unknown';
    this.listFailedItem({
      index: result.index,
      items: result.items,
      error,
      stopCode: last?.stopCode,
      exitCode: last?.exitCode,
      attempts: result.record?.attempts ?? result.record?.tasks.length,
      source: result.source,
    });
    let key = JSON.stringify([error, last?.stopCode ?? null, last?.exitCode ?? null]);
    let group = this.groups.get(key);
    if (!group && this.groups.size >= MAX_FAILURE_GROUPS) {
      key = 'other';
      group = this.groups.get(key);
      if (!group) {
        group = { error: '(other errors)', items: 0, examples: [] };
        this.groups.set(key, group);
      }
    }
    if (!group) {
      group = { error, stopCode: last?.stopCode, exitCode: last?.exitCode, items: 0, examples: [] };
      this.groups.set(key, group);
    }
    group.items += result.items;
    if (group.examples.length < EXAMPLES_PER_GROUP) {
      group.examples.push({ index: result.index, source: result.source, stoppedReason: last?.stoppedReason });
    }
  }

  /** Keeps the FAILED_ITEMS_LISTED lowest indices (items without one rank last), in a max-heap. */
  private listFailedItem(item: FailedItem): void {
    const heap = this.failedItems;
    const rank = (f: FailedItem) => f.index ?? Infinity;
    const up = (i: number) => {
      while (i > 0) {
        const p = Math.floor((i - 1) / 2);
        if (rank(heap[p]) >= rank(heap[i])) break;
        [heap[p], heap[i]] = [heap[i], heap[p]];
        i = p;
      }
    };
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        let m = i;
        if (l < heap.length && rank(heap[l]) > rank(heap[m])) m = l;
        if (l + 1 < heap.length && rank(heap[l + 1]) > rank(heap[m])) m = l + 1;
        if (m === i) return;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    };
    if (heap.length < FAILED_ITEMS_LISTED) {
      heap.push(item);
      up(heap.length - 1);
    } else if (rank(item) < rank(heap[0])) {
      heap[0] = item;
      down(0);
    }
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
    if (task.startedAt === undefined || task.stoppedAt === undefined) return;

    this.starts.push(task.startedAt);
    this.stops.push(task.stoppedAt);
    if (task.capacity === CapacityProviderNames.SPOT) {
      this.spotStarts.push(task.startedAt);
      this.spotStops.push(task.stoppedAt);
    }
    if (task.last && !task.failed) this.successful.push((task.stoppedAt - task.startedAt) / 1000);
    // The timeline's sample: reservoir sampling keeps each task with the same chance.
    const seen = ++this.timed;
    if (this.sample.length < TIMELINE_MAX_TASKS) {this.sample.push(task);} else {
      const j = Math.floor(this.random() * seen);
      if (j < TIMELINE_MAX_TASKS) this.sample[j] = task;
    }
    if (task.failed && this.failedSample.length < TIMELINE_MAX_FAILED) this.failedSample.push(task);
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

    const failures = [...this.groups.values()].sort((a, b) => b.items - a.items || a.error.localeCompare(b.error));
    if (this.groups.has('other')) notes.push(`more than ${MAX_FAILURE_GROUPS} kinds of failure: the rarer ones are counted together as '(other errors)'`);
    const failedItems = [...this.failedItems].sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
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

    const timeline = this.timeline();
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

  /**
   * The concurrency curve from every task's start and stop (sorted, swept once: at one instant,
   * stops before starts), its exact peak, and the points the picture draws.
   */
  private timeline(): Timeline & { peakAt?: number } {
    const starts = this.starts.sorted();
    const stops = this.stops.sorted();
    const spotStarts = this.spotStarts.sorted();
    const spotStops = this.spotStops.sorted();
    const drawn = new Set<TaskRun>([...this.sample, ...this.failedSample]);
    const tasks = [...drawn].sort((a, b) => a.result - b.result || b.attempt - a.attempt);
    if (starts.length === 0) return { tasks, timedTasks: 0, curve: [], peak: 0 };
    const start = starts[0];
    const end = stops[stops.length - 1];
    const slices = TIMELINE_MAX_CURVE_POINTS;
    const sliceOf = (t: number) => Math.min(slices - 1, Math.floor(((t - start) / Math.max(1, end - start)) * slices));
    const curve: Array<[number, number, number]> = [];
    let peak = 0;
    let peakAt: number | undefined;
    let running = 0;
    let spot = 0;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    // Every change when there are few, else the highest point of each slice of time.
    const every = starts.length * 2 <= TIMELINE_MAX_CURVE_POINTS;
    let slice = -1;
    while (a < starts.length || b < stops.length) {
      const time = Math.min(a < starts.length ? starts[a] : Infinity, b < stops.length ? stops[b] : Infinity);
      while (b < stops.length && stops[b] === time) { running--; b++; }
      while (d < spotStops.length && spotStops[d] === time) { spot--; d++; }
      while (a < starts.length && starts[a] === time) { running++; a++; }
      while (c < spotStarts.length && spotStarts[c] === time) { spot++; c++; }
      if (running > peak) {
        peak = running;
        peakAt = time;
      }
      if (every) {
        curve.push([time, running, spot]);
      } else {
        const s = sliceOf(time);
        const last = curve[curve.length - 1];
        if (s !== slice) {
          curve.push([time, running, spot]);
          slice = s;
        } else if (running > last[1]) {
          curve[curve.length - 1] = [last[0], running, Math.max(last[2], spot)];
        }
      }
    }
    if (!every && curve.length > 0 && curve[curve.length - 1][1] !== 0) curve.push([end, 0, 0]);
    return { tasks, timedTasks: starts.length, start, end, curve, peak, peakAt };
  }
}

/** Aggregates a run's results: counts, failures, retries, time, cost, concurrency. */
export function aggregateRun(run: RunResults, prices: Prices, fallbackSize: TaskSize = {}): RunReport {
  const aggregator = new RunAggregator(prices, fallbackSize);
  for (const result of run.results) aggregator.add(result);
  return aggregator.finish(run).report;
}
