/**
 * A running fan-out's progress, from what Step Functions says about it: DescribeMapRun's counts
 * for a Distributed Map, the execution history's Map iteration events for an inline Map (facts
 * §8.4); and how the watch shows it, as one live line in a terminal or plain lines elsewhere.
 */
import { HistoryEvent } from '@aws-sdk/client-sfn';

export interface Progress {
  /** Items in the Map, once known. */
  readonly total?: number;
  readonly succeeded: number;
  /** Failed, timed out or aborted items. */
  readonly failed: number;
  readonly running: number;
  readonly pending?: number;
  /** ECS tasks running now (a Distributed Map's running children; an inline Map's started tasks not yet ended). */
  readonly tasksRunning?: number;
  /** Where the counts come from. */
  readonly from: 'map run' | 'history' | 'not started';
}

/** DescribeMapRun's `itemCounts` and `executionCounts` as progress. */
export function progressOfMapRun(mapRun: { itemCounts?: any; executionCounts?: any }): Progress {
  const items = mapRun.itemCounts ?? {};
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    total: typeof items.total === 'number' ? items.total : undefined,
    succeeded: n(items.succeeded),
    failed: n(items.failed) + n(items.timedOut) + n(items.aborted),
    running: n(items.running),
    pending: typeof items.pending === 'number' ? items.pending : undefined,
    // One ECS task at a time per child execution (an item or a batch).
    tasksRunning: typeof mapRun.executionCounts?.running === 'number' ? mapRun.executionCounts.running : undefined,
    from: 'map run',
  };
}

/** Counts an inline Map's progress from history events, read incrementally (each event once). */
export class HistoryProgress {
  /** The highest event id counted. */
  public lastEventId = 0;
  private total: number | undefined;
  private started = 0;
  private succeeded = 0;
  private failed = 0;
  private tasksStarted = 0;
  private tasksEnded = 0;
  public mapStarted = false;
  /** A Distributed Map's Map Run, when the history names it. */
  public mapRunArn: string | undefined;

  /** Counts the events not counted yet (any order; each event id once). */
  public add(events: readonly HistoryEvent[]): void {
    const fresh = events.filter((e) => (e.id ?? 0) > this.lastEventId).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    for (const event of fresh) {
      switch (event.type) {
        case 'MapStateStarted':
          this.mapStarted = true;
          this.total = (this.total ?? 0) + (event.mapStateStartedEventDetails?.length ?? 0);
          break;
        case 'MapRunStarted':
          this.mapRunArn = event.mapRunStartedEventDetails?.mapRunArn ?? this.mapRunArn;
          break;
        case 'MapIterationStarted': this.started++; break;
        case 'MapIterationSucceeded': this.succeeded++; break;
        case 'MapIterationFailed':
        case 'MapIterationAborted': this.failed++; break;
        case 'TaskStarted':
          if (event.taskStartedEventDetails?.resourceType === 'ecs') this.tasksStarted++;
          break;
        case 'TaskSucceeded':
          if (event.taskSucceededEventDetails?.resourceType === 'ecs') this.tasksEnded++;
          break;
        case 'TaskFailed':
          if (event.taskFailedEventDetails?.resourceType === 'ecs') this.tasksEnded++;
          break;
        case 'TaskTimedOut':
          if (event.taskTimedOutEventDetails?.resourceType === 'ecs') this.tasksEnded++;
          break;
        default:
          break;
      }
    }
    if (fresh.length > 0) this.lastEventId = fresh[fresh.length - 1].id ?? this.lastEventId;
  }

  public progress(): Progress {
    const running = Math.max(0, this.started - this.succeeded - this.failed);
    return {
      total: this.total,
      succeeded: this.succeeded,
      failed: this.failed,
      running,
      pending: this.total !== undefined ? Math.max(0, this.total - this.started) : undefined,
      tasksRunning: Math.max(0, this.tasksStarted - this.tasksEnded),
      from: this.mapStarted ? 'history' : 'not started',
    };
  }
}

/** How the watch ends, by the execution's status: the process's exit code. */
export const EXIT_CODES: Readonly<Record<string, number>> = {
  SUCCEEDED: 0,
  FAILED: 10,
  TIMED_OUT: 11,
  ABORTED: 12,
};
/** The watch stopped on Ctrl-C (SIGINT): the execution goes on. 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Items done per second since the execution started, and the time left at that rate. */
export function rateOf(progress: Progress, elapsedSeconds: number): { perSecond?: number; leftSeconds?: number } {
  const done = progress.succeeded + progress.failed;
  if (elapsedSeconds <= 0 || done === 0) return {};
  const perSecond = done / elapsedSeconds;
  const left = progress.total !== undefined ? Math.max(0, progress.total - done) : undefined;
  return { perSecond, leftSeconds: left !== undefined ? left / perSecond : undefined };
}

const count = (n: number | undefined) => (n === undefined ? '?' : n.toLocaleString('en-US'));

/** The live line of a terminal: a bar, the counts, throughput, elapsed and time left, tasks running. */
export function formatProgressLine(status: string, progress: Progress, elapsedSeconds: number, width = 20): string {
  const { perSecond, leftSeconds } = rateOf(progress, elapsedSeconds);
  const done = progress.succeeded + progress.failed;
  const share = progress.total ? done / progress.total : 0;
  const filled = Math.round(share * width);
  const bar = progress.total ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(1)}%  ` : '';
  if (progress.from === 'not started') return `${status}: the Map has not started yet  elapsed ${formatDuration(elapsedSeconds)}`;
  return `${bar}succeeded ${count(progress.succeeded)}  failed ${count(progress.failed)}  running ${count(progress.running)}  pending ${count(progress.pending)}`
    + `  | ${perSecond !== undefined ? `${perSecond.toFixed(1)} items/s` : '- items/s'}  elapsed ${formatDuration(elapsedSeconds)}`
    + `  left ${leftSeconds !== undefined ? `~${formatDuration(leftSeconds)}` : '?'}  | tasks running ${count(progress.tasksRunning)}`;
}

/** A plain line for logs and pipes: the time, the status and key=value counts. */
export function formatPlainLine(now: Date, status: string, progress: Progress, elapsedSeconds: number): string {
  const { perSecond, leftSeconds } = rateOf(progress, elapsedSeconds);
  const fields = [
    ['total', progress.total], ['succeeded', progress.succeeded], ['failed', progress.failed], ['running', progress.running],
    ['pending', progress.pending], ['rate', perSecond !== undefined ? `${perSecond.toFixed(2)}/s` : undefined],
    ['elapsed', `${Math.round(elapsedSeconds)}s`], ['left', leftSeconds !== undefined ? `${Math.round(leftSeconds)}s` : undefined],
    ['tasks', progress.tasksRunning],
  ].filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  return `${now.toISOString().replace(/\.\d{3}Z$/, 'Z')} ${status} ${progress.from === 'not started' ? 'map=not-started ' : ''}${fields.join(' ')}`;
}
