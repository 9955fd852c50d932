import { DISTRIBUTED_MAP_MAX_CONCURRENCY, FARGATE_LAUNCH_BURST, INLINE_MAP_MAX_CONCURRENCY } from '../facts';
import { FanOutMode } from '../mode/mode';

/**
 * Parallel tasks when neither `maxConcurrency` nor `maxVcpus` is set, in a Distributed Map:
 * Fargate's launch burst (100). RunTask admits 20 calls a second, bursts included, so a first
 * wave of 100 has about 142 throttled calls (the retry's jitter spreads them, about 1% of a
 * 10,000-item run); later launches are paced by tasks finishing. Above this cap every item is
 * paced (see launch-pacing.ts).
 */
export const DEFAULT_DISTRIBUTED_MAX_CONCURRENCY = FARGATE_LAUNCH_BURST;

/** What the concurrency cap depends on. */
export interface ConcurrencyInput {
  /** The mode being built (never AUTO). */
  readonly mode: FanOutMode;
  /** Explicit `maxConcurrency`, if set. */
  readonly maxConcurrency?: number;
  /** Explicit `maxVcpus` budget, if set. */
  readonly maxVcpus?: number;
  /** vCPUs one task reserves. */
  readonly taskVcpus: number;
}

/** The effective caps and why. */
export interface ConcurrencyDecision {
  /** Cap of the Map that runs the items (the Distributed Map's in RUN_TIME mode). */
  readonly maxConcurrency: number;
  /** Cap of the inline Map, when one is built (never above 40). */
  readonly inlineMaxConcurrency: number;
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * `floor(vcpus / taskVcpus)`: how many tasks a number of vCPUs holds at once (a `maxVcpus` budget,
 * or the account's vCPU quota), as AWS Batch counts a compute environment's maxvCpus; 0 when not
 * even one task fits.
 */
export function tasksHeldByVcpus(vcpus: number, taskVcpus: number): number {
  // Round before flooring so that 0.75 / 0.25 is 3, not 2.9999.
  return Math.floor(Math.round((vcpus / taskVcpus) * 1e6) / 1e6);
}

/**
 * `floor(maxVcpus / taskVcpus)`: how many tasks a vCPU budget holds at once. Throws, naming the
 * prop, when not even one task fits.
 */
export function tasksWithinVcpuBudget(maxVcpus: number, taskVcpus: number): number {
  const tasks = tasksHeldByVcpus(maxVcpus, taskVcpus);
  if (tasks < 1) {
    throw new Error(`maxVcpus must be at least the vCPUs of one task (${taskVcpus}), got ${maxVcpus}`);
  }
  return tasks;
}

/**
 * The cap on parallel tasks: the smaller of `maxConcurrency` and the vCPU budget, else the mode's
 * default, never above what the Map runs at once.
 */
export function decideConcurrency(input: ConcurrencyInput): ConcurrencyDecision {
  const modeMax = input.mode === FanOutMode.INLINE ? INLINE_MAP_MAX_CONCURRENCY : DISTRIBUTED_MAP_MAX_CONCURRENCY;
  const budget = input.maxVcpus !== undefined ? tasksWithinVcpuBudget(input.maxVcpus, input.taskVcpus) : undefined;

  let cap: number;
  let reason: string;
  if (input.maxConcurrency !== undefined && (budget === undefined || input.maxConcurrency <= budget)) {
    cap = input.maxConcurrency;
    reason = `maxConcurrency is ${cap}`;
    if (budget !== undefined) {
      reason += ` (within the maxVcpus budget of ${budget} tasks)`;
    }
  } else if (budget !== undefined) {
    cap = Math.min(budget, modeMax);
    reason = `maxVcpus ${input.maxVcpus} holds ${budget} tasks of ${input.taskVcpus} vCPU`;
    if (input.maxConcurrency !== undefined) {
      reason += `, fewer than maxConcurrency ${input.maxConcurrency}`;
    }
    if (budget > modeMax) {
      reason += `; the Map runs at most ${modeMax} at once`;
    }
  } else if (input.mode === FanOutMode.INLINE) {
    cap = INLINE_MAP_MAX_CONCURRENCY;
    reason = `default: an inline Map runs at most ${INLINE_MAP_MAX_CONCURRENCY} iterations at once`;
  } else {
    cap = DEFAULT_DISTRIBUTED_MAX_CONCURRENCY;
    reason = `default: ${cap} tasks, the Fargate launch burst; RunTask admits 20 calls a second, so the first wave's throttled calls are retried with jitter`;
  }

  const inlineMaxConcurrency = Math.min(cap, INLINE_MAP_MAX_CONCURRENCY);
  if (input.mode === FanOutMode.RUN_TIME && inlineMaxConcurrency < cap) {
    reason += `; short arrays run in the inline Map, at most ${inlineMaxConcurrency} at once`;
  }
  return { maxConcurrency: cap, inlineMaxConcurrency, reason: `${reason}.` };
}
