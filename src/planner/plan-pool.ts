import { checkInteger } from '../checks';
import { tasksHeldByVcpus } from '../concurrency/concurrency';
import { POOL_MAX_TASKS_LIMIT } from '../concurrency-pool/private/decide-pool';
import { FARGATE_RUN_TASK_CALLS_PER_SECOND } from '../facts';

// A planned run's share of a concurrency pool it shares with other fan-outs.

/**
 * A concurrency pool the run shares with other fan-outs (see `FanOutConcurrencyPool`), and the
 * load they put on it while the run goes on, taken as steady.
 */
export interface FanOutPlanPool {
  /**
   * The pool's `maxTasks`.
   *
   * @default - no task limit
   */
  readonly maxTasks?: number;

  /**
   * The pool's `maxVcpus`.
   *
   * @default - no vCPU limit
   */
  readonly maxVcpus?: number;

  /**
   * The pool's `maxRunTaskCallsPerSecond`.
   *
   * @default 20 (the RunTask rate)
   */
  readonly maxRunTaskCallsPerSecond?: number;

  /**
   * Slots (tasks) the other fan-outs hold on average during the run.
   *
   * @default 0
   */
  readonly otherTasks?: number;

  /**
   * vCPUs the other fan-outs' tasks hold on average during the run.
   *
   * @default - `otherTasks` times this run's task vCPUs
   */
  readonly otherVcpus?: number;

  /**
   * RunTask calls per second the other fan-outs make through the pool on average.
   *
   * @default 0
   */
  readonly otherRunTaskCallsPerSecond?: number;
}

/** What a shared pool does to the run. */
export interface FanOutPlanPoolEffect {
  /** Tasks of this run at once at most: what the pool's limits leave after the other fan-outs. */
  readonly effectiveCap: number;
  /** RunTask calls per second left to this run. */
  readonly runTaskCallsPerSecond: number;
  /** Seconds the pool adds to the makespan, against the same run without it. */
  readonly addedSeconds: number;
  /** Which limit binds, in a sentence. */
  readonly reason: string;
}

/**
 * What a shared pool leaves to the run: the fewest tasks its limits allow once the other
 * fan-outs' steady load is taken off, and the RunTask calls per second left of its rate (never
 * above the account's 20). Throws, naming the field, when nothing is left.
 */
export function poolShare(pool: FanOutPlanPool, taskVcpus: number): { cap: number; callsPerSecond: number; reason: string } {
  checkInteger('pool.maxTasks', pool.maxTasks, 1, POOL_MAX_TASKS_LIMIT);
  checkInteger('pool.otherTasks', pool.otherTasks, 0, POOL_MAX_TASKS_LIMIT);
  const otherTasks = pool.otherTasks ?? 0;
  const otherVcpus = pool.otherVcpus ?? otherTasks * taskVcpus;
  const limits: Array<[number, string]> = [];
  if (pool.maxTasks !== undefined) {
    limits.push([pool.maxTasks - otherTasks, `maxTasks ${pool.maxTasks} less ${otherTasks} held by other fan-outs`]);
  }
  if (pool.maxVcpus !== undefined) {
    if (!(pool.maxVcpus > 0)) {
      throw new Error(`pool.maxVcpus must be above 0, got ${pool.maxVcpus}`);
    }
    limits.push([tasksHeldByVcpus(pool.maxVcpus - otherVcpus, taskVcpus), `maxVcpus ${pool.maxVcpus} less ${otherVcpus} held by other fan-outs, in tasks of ${taskVcpus} vCPU`]);
  }
  const [cap, capReason] = limits.length > 0
    ? limits.reduce((a, b) => (b[0] < a[0] ? b : a))
    : [Number.MAX_SAFE_INTEGER, 'no task or vCPU limit'];
  if (cap < 1) {
    throw new Error(`pool leaves no room for one task of ${taskVcpus} vCPU: ${capReason}`);
  }
  const poolRate = pool.maxRunTaskCallsPerSecond ?? FARGATE_RUN_TASK_CALLS_PER_SECOND;
  const callsPerSecond = Math.min(poolRate, FARGATE_RUN_TASK_CALLS_PER_SECOND) - (pool.otherRunTaskCallsPerSecond ?? 0);
  if (!(callsPerSecond > 0)) {
    throw new Error(`pool leaves no RunTask calls: maxRunTaskCallsPerSecond ${poolRate} less otherRunTaskCallsPerSecond ${pool.otherRunTaskCallsPerSecond}`);
  }
  return { cap, callsPerSecond, reason: `${capReason}; ${callsPerSecond} RunTask calls per second left` };
}
