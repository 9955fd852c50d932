import { FanOutPlanPoolEffect } from './plan-pool';
import { FanOutCpuArchitecture } from '../task/cpu-architecture';

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
