import { Duration } from 'aws-cdk-lib';
import { DISTRIBUTED_MAP_MAX_CONCURRENCY, FARGATE_DEFAULT_VCPU_QUOTA, FARGATE_LAUNCH_BURST, FARGATE_LAUNCH_RATE_PER_SECOND, FARGATE_MINIMUM_BILLED_SECONDS, FARGATE_RUN_TASK_CALLS_PER_SECOND, MIB_PER_GIB, PRICE_FARGATE_GB_HOUR_USD, PRICE_FARGATE_ARM64_VCPU_HOUR_USD, PRICE_FARGATE_ARM64_GB_HOUR_USD, PRICE_FARGATE_EPHEMERAL_STORAGE_GB_HOUR_USD, FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB, FARGATE_MIN_EPHEMERAL_STORAGE_GIB, FARGATE_MAX_EPHEMERAL_STORAGE_GIB, PRICE_FARGATE_VCPU_HOUR_USD, PRICE_SFN_STANDARD_PER_TRANSITION_USD } from '../facts';
import { makespanLowerBound, simulateLaunches } from './launch-simulation';
import { FanOutPlanPool, FanOutPlanPoolEffect, poolShare } from './plan-pool';
import { formatPlanReport } from './plan-report';
import { checkInteger } from '../checks';
import { DEFAULT_DISTRIBUTED_MAX_CONCURRENCY, tasksHeldByVcpus } from '../concurrency/concurrency';
import { decideLaunchPacing } from '../concurrency/launch-pacing';
import { capWithinQuota } from '../concurrency/vcpu-quota';
import { MAX_ITEMS_PER_BATCH } from '../items/private/batch-limits';
import { networkIdleCost } from '../network/idle-cost';
import { CREATED_VPC_MAX_AZS } from '../network/network';
import { resolveRetryPolicy } from '../retries/private/retry-policy';
import { DEFAULT_DISTRIBUTED_THROTTLE_RETRY } from '../retries/private/throttle-retry';
import { FanOutRetryOptions } from '../retries/retry-options';
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


/** What to plan. */
export interface FanOutPlanOptions {
  /** How many items the run has. */
  readonly items: number;

  /** How long one item takes: one task's run, or its share of a batch's. */
  readonly taskDuration: Duration;

  /**
   * Items per task (`itemBatching.maxItems`): a task runs its items one after another.
   *
   * @default 1
   */
  readonly itemsPerTask?: number;

  /**
   * CPU units of each task.
   *
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Memory of each task in MiB.
   *
   * @default - the smallest Fargate allows for `cpu`
   */
  readonly memoryLimitMiB?: number;

  /**
   * The cap on items in progress at once.
   *
   * @default 100 (the construct's Distributed Map default)
   */
  readonly maxConcurrency?: number;

  /**
   * The account's Fargate On-Demand vCPU quota.
   *
   * @default 6 (AWS's default; read yours in Service Quotas)
   */
  readonly vcpuQuota?: number;

  /**
   * Whether the run reads the account's vCPU quota (`vcpuQuota`) at its start and lowers its cap
   * to the tasks the quota holds, as the construct does unless `maxVcpus` or a concurrency pool
   * is set. False models a run that does not (today's policy before issue 23): it meets the
   * quota with its full cap and retries what the quota refuses.
   *
   * @default - true, false with a pool
   */
  readonly readsVcpuQuota?: boolean;

  /**
   * The retry for throttling and capacity errors.
   *
   * @default - the construct's default retry for Distributed Map children (`distributedThrottleRetry`)
   */
  readonly throttleRetry?: FanOutRetryOptions;

  /**
   * A share of RunTask calls throttled at random on top of the documented limits (0 to 1), to
   * model other callers in the same account.
   *
   * @default 0
   */
  readonly extraThrottleRate?: number;

  /**
   * Seed of the simulation's random numbers (jitter).
   *
   * @default 1
   */
  readonly seed?: number;

  /**
   * Whether items start at the RunTask rate (the construct's `launchPacing`).
   *
   * @default - as the construct decides: paced when the cap is above 100; never with a pool or
   * batching
   */
  readonly launchPacing?: boolean;

  /**
   * Model the earlier pacing policy, which paced the first wave only (items below the cap), to
   * compare it with the construct's pacing of every item.
   *
   * @default false
   */
  readonly firstWavePacingOnly?: boolean;

  /**
   * A concurrency pool shared with other fan-outs: the run gets what the others leave of it.
   *
   * @default - no pool
   */
  readonly pool?: FanOutPlanPool;

  /**
   * Interface endpoints of the VPC the construct creates, one per service the tasks call besides
   * S3 and DynamoDB (free gateway endpoints): 3 by default (ECR API, ECR Docker, CloudWatch
   * Logs), 4 with the callback pattern (Step Functions), one more each for Secrets Manager, SSM
   * and KMS secrets; `describe()` lists them. 0 for a VPC given.
   *
   * @default 3
   */
  readonly interfaceEndpoints?: number;

  /**
   * Which processors run the tasks: ARM64 is priced at Fargate's Linux/ARM64 rates.
   *
   * @default FanOutCpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: FanOutCpuArchitecture;

  /**
   * Ephemeral storage of each task in GiB (21 to 200); what is above the included 20 GiB is priced.
   *
   * @default 20 (included)
   */
  readonly ephemeralStorageGiB?: number;

  /**
   * Availability Zones of the VPC the construct creates.
   *
   * @default 2
   */
  readonly availabilityZones?: number;
}

/** The expected run. */
export interface FanOutPlan {
  /** Items planned. */
  readonly items: number;
  /** Tasks the items make (fewer than items with batching). */
  readonly tasks: number;
  /** Expected seconds from start to the last item's end. */
  readonly makespanSeconds: number;
  /** Seconds no schedule can beat under the limits. */
  readonly lowerBoundSeconds: number;
  /** The limit that sets the pace: 'concurrency cap', 'vCPU quota' or 'launch rate'. */
  readonly bindingLimit: string;
  /** Tasks running at once at most (the smaller of the cap and what the vCPU quota holds). */
  readonly effectiveParallelism: number;
  /** RunTask calls, retries included. */
  readonly runTaskCalls: number;
  /** Calls throttled (`ECS.AmazonECSException`). */
  readonly throttledCalls: number;
  /** Calls refused for launch rate or vCPU quota (`AmazonECS.Unknown`). */
  readonly capacityFailures: number;
  /** Retried calls. */
  readonly retries: number;
  /** Items given up after the last retry (all the items of a task given up). */
  readonly itemsLost: number;
  /** Step Functions state transitions (billed). */
  readonly stateTransitions: number;
  /** Fargate vCPU-hours billed (one-minute minimum per task). */
  readonly vcpuHours: number;
  /** Fargate GB-hours billed. */
  readonly gbHours: number;
  /** Cost of the vCPU-hours, in USD (us-east-1 On-Demand, x86 or ARM64 as asked). */
  readonly vcpuCostUsd: number;
  /** Cost of the GB-hours, in USD. */
  readonly memoryCostUsd: number;
  /** GB-hours of ephemeral storage billed above the included 20 GiB. */
  readonly storageGbHours: number;
  /** Cost of the ephemeral storage above the included 20 GiB, in USD. */
  readonly storageCostUsd: number;
  /** What the network the construct builds costs a month, running or not (interface endpoints x AZs). */
  readonly networkIdleMonthlyUsd: number;
  /** The arithmetic of `networkIdleMonthlyUsd`, with the price's source. */
  readonly networkIdleReason: string;
  /** Choices that lower the network's idle cost, each with what it gives up. */
  readonly networkCheaperChoices: string[];
  /** Which processors the run was priced for. */
  readonly cpuArchitecture: FanOutCpuArchitecture;
  /** Cost of the state transitions, in USD (Standard). */
  readonly stepFunctionsCostUsd: number;
  /** All of the above, in USD. */
  readonly totalCostUsd: number;
  /** True when the run reads the vCPU quota and caps itself to it (one more state per run). */
  readonly readsVcpuQuota: boolean;
  /** The cap the run uses: `maxConcurrency`, lowered to what the quota holds when it is read. */
  readonly runCap: number;
  /** True when every item is paced (one Wait state per item). */
  readonly launchPacing: boolean;
  /** Why the items are paced or not. */
  readonly launchPacingReason: string;
  /**
   * What a shared pool does to the run.
   *
   * @default - undefined without a pool
   */
  readonly pool?: FanOutPlanPoolEffect;
}

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
    checkInteger('items', options.items, 0, 100_000_000);
    checkInteger('maxConcurrency', options.maxConcurrency, 1, DISTRIBUTED_MAP_MAX_CONCURRENCY);
    checkInteger('itemsPerTask', options.itemsPerTask, 1, MAX_ITEMS_PER_BATCH);
    const cpu = options.cpu ?? DEFAULT_CPU;
    const memoryLimitMiB = options.memoryLimitMiB ?? smallestMemoryFor(cpu);
    checkFargateTaskSize(cpu, memoryLimitMiB);
    checkInteger('ephemeralStorageGiB', options.ephemeralStorageGiB, FARGATE_MIN_EPHEMERAL_STORAGE_GIB, FARGATE_MAX_EPHEMERAL_STORAGE_GIB);
    checkInteger('interfaceEndpoints', options.interfaceEndpoints, 0, 100);
    checkInteger('availabilityZones', options.availabilityZones, 1, 6);
    const taskSeconds = options.taskDuration.toSeconds();
    if (!(taskSeconds > 0)) {
      throw new Error(`taskDuration must be at least one second, got ${options.taskDuration.toHumanString()}`);
    }
    const vcpuQuota = options.vcpuQuota ?? FARGATE_DEFAULT_VCPU_QUOTA;
    const taskVcpus = vcpusOf(cpu);
    if (!(vcpuQuota >= taskVcpus)) {
      throw new Error(`vcpuQuota must hold at least one task (${taskVcpus} vCPU), got ${vcpuQuota}`);
    }
    const extraThrottleRate = options.extraThrottleRate ?? 0;
    if (!(extraThrottleRate >= 0 && extraThrottleRate < 1)) {
      throw new Error(`extraThrottleRate must be from 0 to below 1, got ${extraThrottleRate}`);
    }
    const retry = resolveRetryPolicy('throttleRetry', options.throttleRetry, DEFAULT_DISTRIBUTED_THROTTLE_RETRY);
    const maxConcurrency = options.maxConcurrency ?? DEFAULT_DISTRIBUTED_MAX_CONCURRENCY;
    // A batch is one task running its items one after another. The simulation gives every task a
    // full batch (the last may be shorter: the makespan errs long); the bill counts the last exactly.
    const itemsPerTask = options.itemsPerTask ?? 1;
    const itemSeconds = taskSeconds;
    const tasks = Math.ceil(options.items / itemsPerTask);
    const batchSeconds = itemsPerTask * itemSeconds;

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

    const billed = (seconds: number) => Math.max(seconds, FARGATE_MINIMUM_BILLED_SECONDS) / 3600;
    const lastTaskSeconds = (options.items - (tasks - 1) * itemsPerTask) * itemSeconds;
    const billedTaskHours = tasks === 0 ? 0 : run.itemsSucceeded === tasks
      ? (tasks - 1) * billed(batchSeconds) + billed(lastTaskSeconds)
      : run.itemsSucceeded * billed(batchSeconds);
    const vcpuHours = taskVcpus * billedTaskHours;
    const gbHours = (memoryLimitMiB / MIB_PER_GIB) * billedTaskHours;
    // One transition per attempt of the Task state, one per failure record, the pacing Wait, the
    // pool's states, and the run's own (the quota read among them when it is read).
    const runTransitions = TRANSITIONS_PER_RUN - (readsVcpuQuota ? 0 : QUOTA_READ_TRANSITIONS);
    const stateTransitions = runTransitions + run.runTaskCalls + run.itemsLost + run.pacingStates
      + (pool ? POOL_TRANSITIONS_PER_ITEM * tasks : 0);
    const arm64 = options.cpuArchitecture === FanOutCpuArchitecture.ARM64;
    const vcpuCostUsd = vcpuHours * (arm64 ? PRICE_FARGATE_ARM64_VCPU_HOUR_USD : PRICE_FARGATE_VCPU_HOUR_USD);
    const memoryCostUsd = gbHours * (arm64 ? PRICE_FARGATE_ARM64_GB_HOUR_USD : PRICE_FARGATE_GB_HOUR_USD);
    const storageGib = options.ephemeralStorageGiB ?? FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB;
    const billedStorageGib = Math.max(0, storageGib - FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB);
    const storageGbHours = billedStorageGib * billedTaskHours;
    const storageCostUsd = storageGbHours * PRICE_FARGATE_EPHEMERAL_STORAGE_GB_HOUR_USD;
    const stepFunctionsCostUsd = stateTransitions * PRICE_SFN_STANDARD_PER_TRANSITION_USD;
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
      vcpuHours,
      gbHours,
      vcpuCostUsd,
      memoryCostUsd,
      storageGbHours,
      storageCostUsd,
      stepFunctionsCostUsd,
      totalCostUsd: vcpuCostUsd + memoryCostUsd + storageCostUsd + stepFunctionsCostUsd,
      cpuArchitecture: options.cpuArchitecture ?? FanOutCpuArchitecture.X86_64,
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
