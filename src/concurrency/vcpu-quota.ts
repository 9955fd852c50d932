import {
  FARGATE_ON_DEMAND_VCPU_QUOTA_CODE, FARGATE_SERVICE_CODE, FARGATE_SPOT_VCPU_QUOTA_CODE,
} from '../facts';
import { tasksHeldByVcpus } from './concurrency';
import { FanOutCapacity } from '../task/capacity';

/** What reading the account's Fargate vCPU quota depends on. */
export interface VcpuQuotaInput {
  /** `maxVcpus`, if set: the user's own vCPU budget, which the quota does not replace. */
  readonly maxVcpus?: number;
  /** True with a `concurrencyPool`: the pool's slots cap the tasks across executions. */
  readonly pooled: boolean;
  readonly capacity: FanOutCapacity;
  /** vCPUs one task reserves. */
  readonly taskVcpus: number;
  /** The cap decided at synth (decideConcurrency): the quota can only lower it. */
  readonly maxConcurrency: number;
  /** The inline Map's cap decided at synth. */
  readonly inlineMaxConcurrency: number;
}

/** Whether the workflow reads the vCPU quota at run time, which one, and why. */
export interface VcpuQuotaDecision {
  /** True when a state reads the quota at the start of each run and caps the Maps with it. */
  readonly reads: boolean;
  /** Service Quotas service code (`fargate`); undefined when not read. */
  readonly serviceCode?: string;
  /** The quota read (On-Demand or Spot vCPU resource count); undefined when not read. */
  readonly quotaCode?: string;
  /** The quota's name, for people. */
  readonly quotaName?: string;
  /** vCPUs one task reserves: the run's cap is floor(quota / taskVcpus). */
  readonly taskVcpus: number;
  /** The synth-time caps the run keeps when the quota holds more, or cannot be read. */
  readonly maxConcurrency: number;
  readonly inlineMaxConcurrency: number;
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * Reads the account's Fargate vCPU quota at run time unless the user set a budget themselves:
 * `maxVcpus` is theirs to choose (a share of the quota, say), and a concurrency pool already
 * holds its tasks within its own vCPU budget across executions. Spot (alone or with on-demand
 * fallback) reads the Spot quota: every item's task starts on Spot, and the Map's cap bounds
 * the tasks of both capacities together (an item runs one task at a time), so a cap within the
 * Spot quota keeps every Spot launch within it; an on-demand fallback runs only for an item Spot
 * could not hold, and one beyond a smaller on-demand quota is retried as today.
 */
export function decideVcpuQuota(input: VcpuQuotaInput): VcpuQuotaDecision {
  const kept = { taskVcpus: input.taskVcpus, maxConcurrency: input.maxConcurrency, inlineMaxConcurrency: input.inlineMaxConcurrency };
  if (input.maxVcpus !== undefined) {
    return { reads: false, ...kept, reason: `not read: maxVcpus ${input.maxVcpus} is the vCPU budget` };
  }
  if (input.pooled) {
    return { reads: false, ...kept, reason: 'not read: the concurrency pool\'s vCPU budget caps the tasks across executions' };
  }
  const spot = input.capacity !== FanOutCapacity.ON_DEMAND;
  const quotaName = spot ? 'Fargate Spot vCPU resource count' : 'Fargate On-Demand vCPU resource count';
  return {
    reads: true,
    serviceCode: FARGATE_SERVICE_CODE,
    quotaCode: spot ? FARGATE_SPOT_VCPU_QUOTA_CODE : FARGATE_ON_DEMAND_VCPU_QUOTA_CODE,
    quotaName,
    ...kept,
    reason: `read at the start of each run: the "${quotaName}" quota (${spot ? FARGATE_SPOT_VCPU_QUOTA_CODE : FARGATE_ON_DEMAND_VCPU_QUOTA_CODE}) `
      + `lowers the cap to floor(quota / ${input.taskVcpus} vCPU) when that is below ${input.maxConcurrency}`
      + (spot && input.capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK
        ? ' (the Spot quota: every item starts on Spot, and the cap bounds Spot and on-demand tasks together)'
        : '')
      + '; if it cannot be read, or holds no task, the cap stays as decided and the run\'s output says why',
  };
}

/**
 * The cap a run uses once the quota is read: the synth-time cap, lowered to what the quota holds
 * (at least one task). The workflow's JSONata computes the same (capFromQuotaExpression in
 * workflow/read-vcpu-quota.ts); this is the reference the tests and the planner use.
 */
export function capWithinQuota(synthCap: number, quotaVcpus: number, taskVcpus: number): { cap: number; fromQuota: boolean } {
  const tasks = tasksHeldByVcpus(quotaVcpus, taskVcpus);
  if (tasks < 1) {
    return { cap: synthCap, fromQuota: false };
  }
  return tasks < synthCap ? { cap: tasks, fromQuota: true } : { cap: synthCap, fromQuota: false };
}
