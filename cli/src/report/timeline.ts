import { Numbers } from './numbers';
import { TaskRun, TimedTaskRun } from './task-runs';
import { CapacityProviderNames, seededRandom } from '../library';

/** Tasks the timeline draws at most (a uniform sample of the run's, plus its failed items'). */
export const TIMELINE_MAX_TASKS = 2000;
/** Failed items' last tasks the timeline draws and marks at most. */
export const TIMELINE_MAX_FAILED = 1000;
/** Points of the concurrency curve the picture draws at most (the peak is exact). */
export const TIMELINE_MAX_CURVE_POINTS = 2000;

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

/**
 * The timeline of a run, built one timed task at a time: every task's start and stop kept as
 * numbers (16 bytes) for the exact curve and peak, and a bounded sample of the tasks to draw.
 */
export class TimelineCollector {
  private readonly starts = new Numbers();
  private readonly stops = new Numbers();
  private readonly spotStarts = new Numbers();
  private readonly spotStops = new Numbers();
  private timed = 0;
  private readonly sample: TaskRun[] = [];
  private readonly failedSample: TaskRun[] = [];
  private readonly random = seededRandom(0x5eed);

  /** Adds a task that started and stopped. */
  public add(task: TimedTaskRun): void {
    this.starts.push(task.startedAt);
    this.stops.push(task.stoppedAt);
    if (task.capacity === CapacityProviderNames.SPOT) {
      this.spotStarts.push(task.startedAt);
      this.spotStops.push(task.stoppedAt);
    }
    // The timeline's sample: reservoir sampling keeps each task with the same chance.
    const seen = ++this.timed;
    if (this.sample.length < TIMELINE_MAX_TASKS) {this.sample.push(task);} else {
      const j = Math.floor(this.random() * seen);
      if (j < TIMELINE_MAX_TASKS) this.sample[j] = task;
    }
    if (task.failed && this.failedSample.length < TIMELINE_MAX_FAILED) this.failedSample.push(task);
  }

  /**
   * The concurrency curve from every task's start and stop (sorted, swept once: at one instant,
   * stops before starts), its exact peak, and the points the picture draws.
   */
  public build(): Timeline & { peakAt?: number } {
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
