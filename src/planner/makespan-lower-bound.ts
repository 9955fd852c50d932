/** A run the makespan bound is computed for. */
export interface MakespanBoundInput {
  /** Tasks to run (items, or batches). */
  readonly items: number;
  /** How long each task runs. */
  readonly taskSeconds: number;
  /** Most tasks running at once. */
  readonly parallel: number;
  /** Launches admitted at once before the steady rate applies. */
  readonly launchBurst: number;
  /** Launches admitted per second after the burst. */
  readonly launchRatePerSecond: number;
}

/**
 * A lower bound on the makespan that no schedule can beat: the k-th task to start cannot start
 * before the launch limits allow k launches (a burst, then a steady rate; one task per RunTask
 * call, as Step Functions calls it), nor before the (k - parallel)-th task, started earlier,
 * has finished. The last start plus one task duration bounds the makespan.
 */
export function makespanLowerBound(run: MakespanBoundInput): number {
  const { items, taskSeconds, parallel, launchBurst, launchRatePerSecond } = run;
  if (items <= 0) {
    return 0;
  }
  const starts = new Float64Array(items);
  for (let k = 0; k < items; k++) {
    const byRate = k < launchBurst ? 0 : (k - launchBurst + 1) / launchRatePerSecond;
    const bySlot = k >= parallel ? starts[k - parallel] + taskSeconds : 0;
    starts[k] = Math.max(byRate, bySlot);
  }
  return starts[items - 1] + taskSeconds;
}
