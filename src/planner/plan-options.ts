import { Duration } from 'aws-cdk-lib';
import { FanOutPlanPool } from './plan-pool';
import { FanOutRetryOptions } from '../retries/retry-options';
import { FanOutCpuArchitecture } from '../task/cpu-architecture';

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
