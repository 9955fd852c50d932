import { DISTRIBUTED_MAP_MAX_CONCURRENCY, FARGATE_DEFAULT_VCPU_QUOTA, FARGATE_LAUNCH_BURST, FARGATE_LAUNCH_RATE_PER_SECOND, FARGATE_RUN_TASK_CALLS_PER_SECOND, FARGATE_MIN_EPHEMERAL_STORAGE_GIB, FARGATE_MAX_EPHEMERAL_STORAGE_GIB } from '../facts';
import { simulateLaunches } from './launch-simulation';
import { makespanLowerBound } from './makespan-lower-bound';
import { FanOutPlan } from './plan';
import { FanOutPlanOptions } from './plan-options';
import { poolShare } from './plan-pool';
import { formatPlanReport } from './plan-report';
import { billRun } from './run-bill';
import { checkInteger } from '../checks';
import { DEFAULT_DISTRIBUTED_MAX_CONCURRENCY, tasksHeldByVcpus } from '../concurrency/concurrency';
import { decideLaunchPacing } from '../concurrency/launch-pacing';
import { capWithinQuota } from '../concurrency/vcpu-quota';
import { MAX_ITEMS_PER_BATCH } from '../items/private/batch-limits';
import { networkIdleCost } from '../network/idle-cost';
import { CREATED_VPC_MAX_AZS } from '../network/network';
import { resolveRetryPolicy } from '../retries/private/retry-policy';
import { DEFAULT_DISTRIBUTED_THROTTLE_RETRY } from '../retries/private/throttle-retry';
import { FanOutCpuArchitecture } from '../task/cpu-architecture';
import { checkFargateTaskSize, DEFAULT_CPU, smallestMemoryFor, vcpusOf } from '../task/private/task-size';

/** Interface endpoints of the default configuration: ECR API, ECR Docker, CloudWatch Logs. */
export const DEFAULT_INTERFACE_ENDPOINTS = 3;

/** State transitions of reading the vCPU quota: one state when it is read (two when the read fails). */
export const QUOTA_READ_TRANSITIONS = 1;

/**
 * State transitions a run spends outside the items (the quota read, count, choose, Map, summary,
 * end); one fewer when the quota is not read.
 */
export const TRANSITIONS_PER_RUN = 6 + QUOTA_READ_TRANSITIONS;

/**
 * State transitions a pooled item spends on the pool when it finds room: taking the slot, giving
 * it back, and the item's record after the release (a task followed by a release cannot end the
 * item itself). Waiting for room is not counted: the plan gives the Map the pool's room as its
 * cap, so no child waits but for the pool's pacing window.
 */
export const POOL_TRANSITIONS_PER_ITEM = 3;

/**
 * Answers "how long will it take, what will it cost, which limit binds?" before deploying, by
 * simulating the run against Fargate's documented limits (launch burst 100 and 20 per second,
 * 20 RunTask calls per second, the vCPU quota) with the retry policy. Prices are us-east-1
 * On-Demand (x86, or ARM64 with `cpuArchitecture`; ephemeral storage above the included 20 GiB
 * with `ephemeralStorageGiB`) and Standard workflows (see facts/prices.ts).
 */
export class FanOutPlanner {
  /** Plans a run. */
  public static plan(options: FanOutPlanOptions): FanOutPlan {
    checkPlanOptions(options);
    const cpu = options.cpu ?? DEFAULT_CPU;
    const memoryLimitMiB = options.memoryLimitMiB ?? smallestMemoryFor(cpu);
    const taskSeconds = options.taskDuration.toSeconds();
    const vcpuQuota = options.vcpuQuota ?? FARGATE_DEFAULT_VCPU_QUOTA;
    const taskVcpus = vcpusOf(cpu);
    const extraThrottleRate = options.extraThrottleRate ?? 0;
    const retry = resolveRetryPolicy('throttleRetry', options.throttleRetry, DEFAULT_DISTRIBUTED_THROTTLE_RETRY);
    const maxConcurrency = options.maxConcurrency ?? DEFAULT_DISTRIBUTED_MAX_CONCURRENCY;
    // A batch is one task running its items one after another. The simulation gives every task a
    // full batch (the last may be shorter: the makespan errs long); the bill counts the last exactly.
    const itemsPerTask = options.itemsPerTask ?? 1;
    const tasks = Math.ceil(options.items / itemsPerTask);
    const batchSeconds = itemsPerTask * taskSeconds;

    const pool = options.pool ? poolShare(options.pool, taskVcpus) : undefined;
    // The construct reads the quota unless a pool (or maxVcpus, which is a cap here) is set.
    const readsVcpuQuota = options.readsVcpuQuota ?? pool === undefined;
    const runCap = readsVcpuQuota ? capWithinQuota(maxConcurrency, vcpuQuota, taskVcpus).cap : maxConcurrency;
    const cap = pool ? Math.min(runCap, pool.cap) : runCap;
    const callRate = pool ? pool.callsPerSecond : FARGATE_RUN_TASK_CALLS_PER_SECOND;
    const byQuota = tasksHeldByVcpus(vcpuQuota, taskVcpus);
    const parallel = Math.min(cap, byQuota);
    // Step Functions launches one task per RunTask call, so the call bucket caps the burst too.
    const launchBurst = Math.min(FARGATE_LAUNCH_BURST, callRate);
    const launchRate = Math.min(FARGATE_LAUNCH_RATE_PER_SECOND, callRate);
    const launches = { items: tasks, taskSeconds: batchSeconds, launchBurst, launchRatePerSecond: launchRate };
    const lowerBound = makespanLowerBound({ ...launches, parallel });
    const slotBound = Math.ceil(tasks / parallel) * batchSeconds;
    const rateBound = makespanLowerBound({ ...launches, parallel: Number.MAX_SAFE_INTEGER });
    const bindingLimit = rateBound > slotBound ? 'launch rate' : byQuota < cap || runCap < maxConcurrency ? 'vCPU quota' : pool && pool.cap < maxConcurrency ? 'concurrency pool' : 'concurrency cap';

    // Pacing is decided at synth, from the cap the construct is given, not the one the run reads.
    const pacing = decideLaunchPacing({
      requested: options.launchPacing,
      hasDistributedMap: true,
      maxConcurrency,
      pooled: pool !== undefined,
      batched: itemsPerTask > 1,
    });
    const firstWave = options.firstWavePacingOnly ? maxConcurrency : undefined;
    const simulate = (withPool: boolean) => simulateLaunches({
      items: tasks,
      taskSeconds: batchSeconds,
      taskVcpus,
      maxConcurrency: withPool ? cap : runCap,
      vcpuQuota,
      retry,
      extraThrottleRate,
      seed: options.seed,
      runTaskCallsPerSecond: withPool ? callRate : undefined,
      launchPacing: pacing.paced ? { callsPerSecond: pacing.callsPerSecond, firstWave } : undefined,
    });
    const run = simulate(pool !== undefined);

    // One transition per attempt of the Task state, one per failure record, the pacing Wait, the
    // pool's states, and the run's own (the quota read among them when it is read).
    const runTransitions = TRANSITIONS_PER_RUN - (readsVcpuQuota ? 0 : QUOTA_READ_TRANSITIONS);
    const stateTransitions = runTransitions + run.runTaskCalls + run.itemsLost + run.pacingStates
      + (pool ? POOL_TRANSITIONS_PER_ITEM * tasks : 0);
    const cpuArchitecture = options.cpuArchitecture ?? FanOutCpuArchitecture.X86_64;
    const bill = billRun({
      items: options.items,
      itemsPerTask,
      itemSeconds: taskSeconds,
      tasksSucceeded: run.itemsSucceeded,
      taskVcpus,
      memoryLimitMiB,
      ephemeralStorageGiB: options.ephemeralStorageGiB,
      cpuArchitecture,
      stateTransitions,
    });
    const network = networkIdleCost(options.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS, options.availabilityZones ?? CREATED_VPC_MAX_AZS);
    return {
      networkIdleMonthlyUsd: network.monthlyUsd,
      networkIdleReason: network.reason,
      networkCheaperChoices: network.cheaperChoices,
      items: options.items,
      tasks,
      makespanSeconds: run.makespanSeconds,
      lowerBoundSeconds: lowerBound,
      bindingLimit,
      effectiveParallelism: parallel,
      runTaskCalls: run.runTaskCalls,
      throttledCalls: run.throttledCalls,
      capacityFailures: run.capacityFailures,
      retries: run.retries,
      // A lost task loses its whole batch.
      itemsLost: Math.min(options.items, run.itemsLost * itemsPerTask),
      stateTransitions,
      ...bill,
      cpuArchitecture,
      readsVcpuQuota,
      runCap,
      launchPacing: pacing.paced,
      launchPacingReason: pacing.reason,
      pool: pool ? {
        effectiveCap: parallel,
        runTaskCallsPerSecond: callRate,
        addedSeconds: run.makespanSeconds - simulate(false).makespanSeconds,
        reason: pool.reason,
      } : undefined,
    };
  }

  /**
   * Plans a run and reports it in a few lines of plain text: makespan against its lower bound,
   * the binding limit, RunTask calls and retries, items lost, and the cost.
   */
  public static report(options: FanOutPlanOptions): string {
    return formatPlanReport(FanOutPlanner.plan(options));
  }
}

/** Throws, naming the option and its range, for options no run could have. */
function checkPlanOptions(options: FanOutPlanOptions): void {
  checkInteger('items', options.items, 0, 100_000_000);
  checkInteger('maxConcurrency', options.maxConcurrency, 1, DISTRIBUTED_MAP_MAX_CONCURRENCY);
  checkInteger('itemsPerTask', options.itemsPerTask, 1, MAX_ITEMS_PER_BATCH);
  const cpu = options.cpu ?? DEFAULT_CPU;
  checkFargateTaskSize(cpu, options.memoryLimitMiB ?? smallestMemoryFor(cpu));
  checkInteger('ephemeralStorageGiB', options.ephemeralStorageGiB, FARGATE_MIN_EPHEMERAL_STORAGE_GIB, FARGATE_MAX_EPHEMERAL_STORAGE_GIB);
  checkInteger('interfaceEndpoints', options.interfaceEndpoints, 0, 100);
  checkInteger('availabilityZones', options.availabilityZones, 1, 6);
  if (!(options.taskDuration.toSeconds() > 0)) {
    throw new Error(`taskDuration must be at least one second, got ${options.taskDuration.toHumanString()}`);
  }
  const taskVcpus = vcpusOf(cpu);
  const vcpuQuota = options.vcpuQuota ?? FARGATE_DEFAULT_VCPU_QUOTA;
  if (!(vcpuQuota >= taskVcpus)) {
    throw new Error(`vcpuQuota must hold at least one task (${taskVcpus} vCPU), got ${vcpuQuota}`);
  }
  const extraThrottleRate = options.extraThrottleRate ?? 0;
  if (!(extraThrottleRate >= 0 && extraThrottleRate < 1)) {
    throw new Error(`extraThrottleRate must be from 0 to below 1, got ${extraThrottleRate}`);
  }
}
