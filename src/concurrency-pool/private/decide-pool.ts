import { Duration, Token } from 'aws-cdk-lib';
import {
  CPU_UNITS_PER_VCPU, EVENTBRIDGE_MIN_SCHEDULE_SECONDS, FARGATE_RUN_TASK_BURST, FARGATE_RUN_TASK_CALLS_PER_SECOND,
} from '../../facts';

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
 * state's `SecondsPath`, drawn by `States.MathRandom`), at backoff level 0. The cost of waiting is
 * about four state transitions per look; see `decidePool` for how the bands are chosen and
 * `decidePoolWaits` for how they grow.
 */
export const PoolWaits = {
  /** Eligible, there was room, but the try failed (pacing window full, or a race): look again soon. Never grows. */
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
 * The longest a band grows to, per kind of wait: `[from, to)` seconds. The head of the line
 * never sleeps more than a minute, so a slot freed by a long task stays idle at most that long
 * (under 2% of an hour-long task); items further back sleep up to four minutes (longer sleeps
 * let later tickets wake first once the line moves, and overtake).
 */
export const PoolWaitCaps = {
  HEAD: [30, 60] as const,
  FULL: [60, 120] as const,
  NEAR: [15, 45] as const,
  FAR: [40, 120] as const,
  FAR_FULL: [120, 240] as const,
};

/**
 * Backoff levels 0 to POOL_BACKOFF_MAX_LEVEL: past a kind's PoolWaitDelays, each level doubles
 * the bands of level 0, up to PoolWaitCaps. The head's band reaches its cap at level 10.
 */
export const POOL_BACKOFF_MAX_LEVEL = 10;

/**
 * Levels a kind stays at its level-0 band before doubling: the head of the line keeps looking
 * every 1 to 4 s through stalls of about ten seconds (five looks) (a few tasks ending together), so it keeps
 * the freed slots from later tickets; it backs off only when the pool stays full longer.
 */
export const PoolWaitDelays = {
  HEAD: 5,
  FULL: 1,
  NEAR: 0,
  FAR: 0,
  FAR_FULL: 1,
};

/** A band of whole seconds, `[from, to)`. */
export type PoolWaitBand = readonly [number, number];

/** The kinds of wait that back off (ROOM does not: the pool had room). */
export type PoolWaitKind = 'HEAD' | 'FULL' | 'NEAR' | 'FAR' | 'FAR_FULL';

/** How waiting items back off. */
export interface PoolWaitDecision {
  /** Per kind, the band at each level 0..maxLevel. */
  readonly bands: Record<PoolWaitKind, PoolWaitBand[]>;
  readonly maxLevel: number;
  /** The next level after a look that found the line where it was: `up[level]`, one up to maxLevel (a table: JSONPath has no `min`). */
  readonly up: number[];
  /** Longest sleep between two looks, seconds. */
  readonly maxWaitSeconds: number;
  readonly reason: string;
}

/**
 * How the waits grow: every look that finds the line where it was at the item's last look (no
 * slot taken meanwhile: long tasks hold the pool) raises the item's level by one, up to
 * POOL_BACKOFF_MAX_LEVEL, and its wait is drawn from that level's band; a look that finds the
 * line moved puts it back to level 0. Each level doubles the bands of level 0 (jittered: the
 * wait is drawn at random within the band), capped per kind. After every move of the line all
 * waiting items start again from level 0, so the oldest tickets, whose bands are the shortest at
 * every level, still look most often; while the line stands still, every item backs off alike.
 */
export function decidePoolWaits(): PoolWaitDecision {
  const kinds: PoolWaitKind[] = ['HEAD', 'FULL', 'NEAR', 'FAR', 'FAR_FULL'];
  const bands = {} as Record<PoolWaitKind, PoolWaitBand[]>;
  for (const kind of kinds) {
    const [from, to] = PoolWaits[kind];
    const [capFrom, capTo] = PoolWaitCaps[kind];
    const doublings = (level: number) => 2 ** Math.max(0, level - PoolWaitDelays[kind]);
    bands[kind] = Array.from({ length: POOL_BACKOFF_MAX_LEVEL + 1 }, (_, level) =>
      [Math.min(from * doublings(level), capFrom), Math.min(to * doublings(level), capTo)] as const);
  }
  const up = Array.from({ length: POOL_BACKOFF_MAX_LEVEL + 1 }, (_, level) => Math.min(level + 1, POOL_BACKOFF_MAX_LEVEL));
  const maxWaitSeconds = Math.max(...kinds.map((kind) => PoolWaitCaps[kind][1]));
  const head = bands.HEAD;
  return {
    bands,
    maxLevel: POOL_BACKOFF_MAX_LEVEL,
    up,
    maxWaitSeconds,
    reason: `Waiting items back off: each look that finds the line where it was raises the item's level, and past a few levels (${PoolWaitDelays.HEAD} at the head) each level doubles its wait band `
      + `(the head of the line from ${head[0][0]}-${head[0][1]} s to ${head[POOL_BACKOFF_MAX_LEVEL][0]}-${head[POOL_BACKOFF_MAX_LEVEL][1]} s, `
      + `items further back to at most ${maxWaitSeconds} s), and a look that finds it moved starts again from the shortest band; every wait is drawn at random within its band.`,
  };
}

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
  /** How waiting items back off between looks. */
  readonly waits: PoolWaitDecision;
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

  const waits = decidePoolWaits();

  const limits = [
    maxTasks !== undefined ? `${maxTasks} tasks` : undefined,
    maxVcpus !== undefined ? `${maxVcpus} vCPUs` : undefined,
  ].filter((x) => x !== undefined).join(' and ');
  return {
    maxTasks,
    maxCpuUnits,
    pacing,
    waitingWindow,
    waits,
    sweepIntervalSeconds,
    reason: `At most ${limits} at once across every execution that uses the pool, checked by one conditional DynamoDB transaction per slot taken. `
      + `${pacing.reason} Items that have to wait take a ticket; an item may take a slot only once fewer than ${waitingWindow} `
      + 'later tickets have been admitted ahead of it, so items further back cannot overtake it. '
      + `${waits.reason} `
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
