import { Prices } from './prices';
import { RunResults } from './run-results';

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
