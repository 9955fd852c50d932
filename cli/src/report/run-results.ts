import { ItemRecord } from './item-record';

/** What one child execution (Distributed Map) or one failed inline item left behind. */
export interface ItemResult {
  /** The item's position in the run's item list, when the result says (batches do not). */
  readonly index?: number;
  /** Items the result covers: 1, or the batch's size. */
  readonly items: number;
  readonly outcome: 'SUCCEEDED' | 'FAILED';
  /** The error a failure ended with (`States.TaskFailed`, ...). */
  readonly error?: string;
  /** The per-item record, when the result carries one. */
  readonly record?: ItemRecord;
  /** Where the result was read: the file and, for result files, the entry's position. */
  readonly source: string;
}

/** Counts the run itself reports (the execution output, or DescribeMapRun). */
export interface RunSummary {
  readonly itemCount?: number;
  readonly failedCount?: number;
  /** Tasks by capacity for an inline run with Spot (`tasksByCapacity`), successful items only. */
  readonly tasksByCapacity?: Record<string, number>;
}

/** A run's results as read, before any aggregation. */
export interface RunResults {
  /** What was read: a folder, an s3:// URL or an execution ARN. */
  readonly source: string;
  /** Which Map ran the items. */
  readonly mode: 'distributed' | 'inline';
  /**
   * True when every item has a result (Distributed Map: every child is in the result files);
   * false for an inline run, which records failed items only.
   */
  readonly everyItemHasResult: boolean;
  readonly results: readonly ItemResult[];
  /** Items of child executions the result files list as PENDING (never ran: the Map Run stopped). */
  readonly pendingItems: number;
  readonly summary?: RunSummary;
  readonly execution?: {
    readonly arn?: string;
    readonly status?: string;
    readonly startDate?: number;
    readonly stopDate?: number;
    readonly error?: string;
    readonly cause?: string;
  };
  readonly mapRun?: {
    readonly arn?: string;
    readonly maxConcurrency?: number;
    readonly status?: string;
  };
  /** Things noticed while reading (unreadable entries, counts that disagree, ...). */
  readonly notes: readonly string[];
}

/** A run as read, without its item results (which a scan hands over one by one). */
export type RunInfo = Omit<RunResults, 'results'>;
