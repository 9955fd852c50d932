import { Duration, Token } from 'aws-cdk-lib';
import {
  CPU_UNITS_PER_VCPU, EVENTBRIDGE_MIN_SCHEDULE_SECONDS, FARGATE_RUN_TASK_BURST, FARGATE_RUN_TASK_CALLS_PER_SECOND,
} from '../aws-limits';

/** Largest `maxTasks` a pool accepts (a counter, not a quota: far above any Fargate account's). */
export const POOL_MAX_TASKS_LIMIT = 1_000_000;

/** Largest `maxVcpus` a pool accepts. */
export const POOL_MAX_VCPUS_LIMIT = 1_000_000;

/** The smallest vCPU step a pool counts in: the smallest Fargate task (256 CPU units). */
export const POOL_VCPU_STEP = 0.25;

/** How often the sweep gives back leases of executions that ended, when `sweepInterval` is not set. */
export const DEFAULT_POOL_SWEEP_INTERVAL = Duration.minutes(15);

/** Longest sweep interval accepted (a day: a leak lasts at most this long after a lost event). */
export const MAX_POOL_SWEEP_INTERVAL_SECONDS = 24 * 3600;

/**
 * How long waiting items sleep between looks at the pool, in whole seconds `[from, to)` (a Wait
 * state's `SecondsPath`, drawn by `States.MathRandom`). The cost of waiting is about four state
 * transitions per look; see `decidePool` for how the bands are chosen.
 */
export const PoolWaits = {
  /** Eligible, there was room, but the try failed (pacing window full, or a race): look again soon. */
  ROOM: [1, 3] as const,
  /** Eligible and among the oldest tickets (POOL_HEAD_TICKETS), but the pool is full. */
  HEAD: [1, 4] as const,
  /** Eligible, but the pool is full: one of the eligible items takes a freed slot within ~FULL / window s. */
  FULL: [5, 20] as const,
  /** Not yet eligible but within two windows of it, and the pool has room (launches are paced). */
  NEAR: [2, 6] as const,
  /** Not yet eligible, further off, while the pool has room. */
  FAR: [20, 60] as const,
  /** Not yet eligible, and the pool is full: admissions are paced by tasks finishing. */
  FAR_FULL: [60, 120] as const,
};

/**
 * Tickets at the head of the line (`base >= ticket - POOL_HEAD_TICKETS`) that look at a full
 * pool every PoolWaits.HEAD seconds instead of every PoolWaits.FULL: a freed slot then goes to
 * one of the oldest tickets, not to whichever eligible ticket happens to look first.
 */
export const POOL_HEAD_TICKETS = 2;

/** What a pool is built from: the props as given. */
export interface PoolInput {
  readonly maxTasks?: number;
  readonly maxVcpus?: number;
  readonly maxRunTaskCallsPerSecond?: number;
  readonly sweepInterval?: Duration;
}

/** How the pool paces RunTask calls. */
export interface PacingDecision {
  /** Calls admitted per calendar second (the pacing window). */
  readonly callsPerWindow: number;
  /** True when two adjacent windows together can exceed the RunTask burst. */
  readonly mayExceedBurstAcrossWindows: boolean;
  readonly reason: string;
}

/** The pool's limits, pacing, waiting order and sweep. */
export interface PoolDecision {
  /** Most tasks holding a slot at once; undefined when only vCPUs are counted. */
  readonly maxTasks?: number;
  /** Most CPU units (1,024 per vCPU) held at once; undefined when only tasks are counted. */
  readonly maxCpuUnits?: number;
  readonly pacing: PacingDecision;
  /**
   * The waiting window: an item that had to wait takes a ticket, and may take a slot once fewer
   * than this many tickets separate it from the slots taken so far (`base >= ticket - window`).
   * Items further back cannot overtake it, and only the window's items look at the pool often.
   */
  readonly waitingWindow: number;
  readonly sweepIntervalSeconds: number;
  readonly reason: string;
}

/**
 * Validates the pool's props and decides its limits. Throws, naming the prop and the allowed
 * range, on bad input; called before the construct is created, so a bad pool leaves nothing
 * behind.
 */
export function decidePool(input: PoolInput): PoolDecision {
  const { maxTasks, maxVcpus } = input;
  if (maxTasks === undefined && maxVcpus === undefined) {
    throw new Error('FanOutConcurrencyPool: set maxTasks, maxVcpus or both (a pool with no limit caps nothing)');
  }
  if (maxTasks !== undefined && !Token.isUnresolved(maxTasks) && (!Number.isInteger(maxTasks) || maxTasks < 1 || maxTasks > POOL_MAX_TASKS_LIMIT)) {
    throw new Error(`maxTasks must be a whole number from 1 to ${POOL_MAX_TASKS_LIMIT}, got ${maxTasks}`);
  }
  if (maxTasks !== undefined && Token.isUnresolved(maxTasks)) {
    throw new Error('maxTasks must be a concrete number (the pool\'s conditions are written at synth time)');
  }
  let maxCpuUnits: number | undefined;
  if (maxVcpus !== undefined) {
    if (Token.isUnresolved(maxVcpus)) {
      throw new Error('maxVcpus must be a concrete number (the pool\'s conditions are written at synth time)');
    }
    const steps = maxVcpus / POOL_VCPU_STEP;
    if (!Number.isFinite(maxVcpus) || maxVcpus < POOL_VCPU_STEP || maxVcpus > POOL_MAX_VCPUS_LIMIT || Math.abs(steps - Math.round(steps)) > 1e-9) {
      throw new Error(`maxVcpus must be a multiple of ${POOL_VCPU_STEP} from ${POOL_VCPU_STEP} to ${POOL_MAX_VCPUS_LIMIT} (the smallest Fargate task has 0.25 vCPU), got ${maxVcpus}`);
    }
    maxCpuUnits = Math.round(maxVcpus * CPU_UNITS_PER_VCPU);
  }

  const pacing = decidePacing(input.maxRunTaskCallsPerSecond);

  const sweep = input.sweepInterval ?? DEFAULT_POOL_SWEEP_INTERVAL;
  if (sweep.isUnresolved()) {
    throw new Error('sweepInterval must be a concrete duration');
  }
  const sweepIntervalSeconds = sweep.toSeconds();
  const wholeMinutes = Number.isInteger(sweepIntervalSeconds / 60);
  if (!wholeMinutes || sweepIntervalSeconds < EVENTBRIDGE_MIN_SCHEDULE_SECONDS || sweepIntervalSeconds > MAX_POOL_SWEEP_INTERVAL_SECONDS) {
    throw new Error(`sweepInterval must be a whole number of minutes from 1 minute to ${MAX_POOL_SWEEP_INTERVAL_SECONDS / 3600} hours (an EventBridge schedule), got ${sweep.toHumanString()}`);
  }

  // Enough eligible items to keep the pacing rate busy while each sleeps about two seconds
  // between tries (PoolWaits.ROOM): a smaller window would admit slower than the pace.
  const waitingWindow = 2 * pacing.callsPerWindow;

  const limits = [
    maxTasks !== undefined ? `${maxTasks} tasks` : undefined,
    maxVcpus !== undefined ? `${maxVcpus} vCPUs` : undefined,
  ].filter((x) => x !== undefined).join(' and ');
  return {
    maxTasks,
    maxCpuUnits,
    pacing,
    waitingWindow,
    sweepIntervalSeconds,
    reason: `At most ${limits} at once across every execution that uses the pool, checked by one conditional DynamoDB transaction per slot taken. `
      + `${pacing.reason} Items that have to wait take a ticket; an item may take a slot only once fewer than ${waitingWindow} `
      + 'later tickets have been admitted ahead of it, so items further back cannot overtake it. '
      + `Leases of executions that failed, timed out or were aborted are given back on their status-change event, and every ${sweepIntervalSeconds / 60} minutes `
      + 'a sweep gives back the leases of any execution that is no longer running (events are delivered best effort).',
  };
}

/**
 * The pacing of RunTask calls: at most `maxRunTaskCallsPerSecond` slots taken per calendar
 * second (read from the state's entry time), across every execution that uses the pool.
 */
export function decidePacing(maxRunTaskCallsPerSecond?: number): PacingDecision {
  const rate = maxRunTaskCallsPerSecond ?? FARGATE_RUN_TASK_CALLS_PER_SECOND;
  if (Token.isUnresolved(rate) || !Number.isInteger(rate) || rate < 1 || rate > FARGATE_RUN_TASK_CALLS_PER_SECOND) {
    throw new Error(`maxRunTaskCallsPerSecond must be a whole number from 1 to ${FARGATE_RUN_TASK_CALLS_PER_SECOND} (Fargate's documented RunTask rate, which is not adjustable), got ${rate}`);
  }
  const mayExceedBurstAcrossWindows = 2 * rate > FARGATE_RUN_TASK_BURST;
  return {
    callsPerWindow: rate,
    mayExceedBurstAcrossWindows,
    reason: `Slots are taken at most ${rate} per calendar second across executions, so RunTask calls are paced at that rate`
      + (mayExceedBurstAcrossWindows
        ? ` (calls at the end of one second and the start of the next can reach ${2 * rate} within a second, above the RunTask burst of ${FARGATE_RUN_TASK_BURST}; set ${Math.floor(FARGATE_RUN_TASK_BURST / 2)} or less to rule that out).`
        : ` (never more than ${FARGATE_RUN_TASK_BURST} within any second, the RunTask burst).`),
  };
}

/** What one task takes from a pool. */
export interface PoolWeightDecision {
  /** CPU units (1,024 per vCPU) taken from the vCPU limit; 0 when the pool has none. */
  readonly cpuUnits: number;
  readonly reason: string;
}

/**
 * What a task of `taskCpuUnits` takes from the pool: its vCPUs when the pool counts vCPUs, and
 * one slot of `maxTasks` when it counts tasks (both when both are set). Throws, naming
 * `maxVcpus`, when one task does not fit the pool at all.
 */
export function decidePoolWeight(pool: PoolDecision, taskCpuUnits: number): PoolWeightDecision {
  if (pool.maxCpuUnits !== undefined && taskCpuUnits > pool.maxCpuUnits) {
    throw new Error(`maxVcpus of the concurrency pool (${pool.maxCpuUnits / CPU_UNITS_PER_VCPU}) must be at least the vCPUs of one task (${taskCpuUnits / CPU_UNITS_PER_VCPU})`);
  }
  const parts = [
    pool.maxCpuUnits !== undefined ? `${taskCpuUnits / CPU_UNITS_PER_VCPU} vCPU of ${pool.maxCpuUnits / CPU_UNITS_PER_VCPU}` : undefined,
    pool.maxTasks !== undefined ? `one of ${pool.maxTasks} task slots` : undefined,
  ].filter((x) => x !== undefined);
  return {
    cpuUnits: pool.maxCpuUnits !== undefined ? taskCpuUnits : 0,
    reason: `Each task takes ${parts.join(' and ')} before RunTask and gives them back after it.`,
  };
}
