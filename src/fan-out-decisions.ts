import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ConcurrencyDecision, decideConcurrency, tasksWithinVcpuBudget } from './concurrency/concurrency';
import { decideLaunchPacing, LaunchPacingDecision } from './concurrency/launch-pacing';
import { decideVcpuQuota, VcpuQuotaDecision } from './concurrency/vcpu-quota';
import { decidePoolUse, PoolUseDecision } from './concurrency-pool/private/pool-use';
import { DashboardDecision, decideDashboard } from './dashboard/private/decide-dashboard';
import { CPU_UNITS_PER_VCPU } from './facts';
import { FargateFanOutProps } from './fargate-fan-out-props';
import { FanOutItems } from './items/items';
import { callbackEnvironmentSizes, ResolvedItemBatching, resolveItemBatching } from './items/private/batch-limits';
import { FanOutMode } from './mode/mode';
import { chooseMode, hasDistributedMap, hasInlineMap, ModeChoice } from './mode/private/choose-mode';
import { decideNetwork, NetworkDecision } from './network/decide-network';
import { decideRemoval, RemovalDecision } from './removal';
import { decideRetryRules, RetryRulesDecision } from './retries/private/decide-retry-rules';
import { DEFAULT_TASK_RETRY, resolveRetryPolicy } from './retries/private/retry-policy';
import { DEFAULT_THROTTLE_RETRY, resolveDistributedThrottleRetry } from './retries/private/throttle-retry';
import { FanOutRetryPolicy } from './retries/retry-options';
import { FanOutCapacity } from './task/capacity';
import { FanOutIntegrationPattern } from './task/integration-pattern';
import { decideTaskSize, TaskSizeDecision } from './task/private/task-size';
import { decideTimeouts, TimeoutsDecision } from './task/private/timeouts';
import { validateProps } from './validation';
import { decideWarnings, FanOutWarning } from './warnings';
import { decideInlineHistoryBudget, InlineHistoryBudget, itemRetryAttempts, LAUNCH_PACING_CHILD_EVENTS } from './workflow/history-budget';
import { ItemStatePaths, itemStatePaths } from './workflow/item/item-state';
import { FailureTolerance, resolveFailureTolerance } from './workflow/tolerance';

/** Where the items come from when `items` is not set. */
export const DEFAULT_ITEMS_PATH = '$.items';

/** Key prefix of the results when `resultPrefix` is not set. */
export const DEFAULT_RESULT_PREFIX = 'fan-out-results';

/** How long logs are kept when `logRetention` is not set. */
export const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/** The retries an item's task gets, by what went wrong. */
export interface RetryDecision {
  /** Refused RunTask calls in the inline Map (and `ECS.InvalidParameterException` in children). */
  readonly throttle: FanOutRetryPolicy;
  /** Rate and capacity errors in Distributed Map children; undefined without a Distributed Map. */
  readonly distributedThrottle?: FanOutRetryPolicy;
  /**
   * Tasks that ran and failed; undefined when they are not retried. With the callback pattern a
   * native retry; with the run job, the last of the retry rules (see `retryRules`).
   */
  readonly task?: FanOutRetryPolicy;
}

/** What the state machine logs and traces. */
export interface ObservabilityDecision {
  readonly logRetention: logs.RetentionDays;
  /** What `cdk destroy` does with the log groups (`removalPolicy`). */
  readonly logRemovalPolicy: RemovalPolicy;
  readonly logLevel: sfn.LogLevel;
  readonly includeExecutionData: boolean;
  readonly tracingEnabled: boolean;
  readonly createAlarms: boolean;
}

/**
 * Everything the construct builds follows from these, decided from the props alone before any
 * resource is created. Each decision carries its reason.
 */
export interface FanOutDecisions {
  readonly items: FanOutItems;
  readonly capacity: FanOutCapacity;
  readonly integrationPattern: FanOutIntegrationPattern;
  /** True with the callback pattern. */
  readonly callback: boolean;
  readonly task: TaskSizeDecision;
  readonly timeouts: TimeoutsDecision;
  readonly retries: RetryDecision;
  /** What happens to a task that stopped, by what ECS says about it (run job). */
  readonly retryRules: RetryRulesDecision;
  /** Where each item's state keeps its counters and its stopped task (see item-state.ts). */
  readonly itemState: ItemStatePaths;
  /** True when tasks report the capacity they ran on (Spot, or Spot with on-demand fallback). */
  readonly reportsCapacity: boolean;
  readonly historyBudget: InlineHistoryBudget;
  readonly mode: ModeChoice;
  /** True when the mode builds a Distributed Map. */
  readonly hasDistributedMap: boolean;
  /** True when the mode builds an inline Map. */
  readonly hasInlineMap: boolean;
  readonly concurrency: ConcurrencyDecision;
  /** Whether each run reads the account's Fargate vCPU quota and lowers the caps to it. */
  readonly vcpuQuota: VcpuQuotaDecision;
  /** Whether a Distributed Map's items start at the RunTask rate. */
  readonly launchPacing: LaunchPacingDecision;
  readonly tolerance: FailureTolerance;
  /** The item batches; undefined when each task runs one item. */
  readonly batching?: ResolvedItemBatching;
  readonly network: NetworkDecision;
  /** What is kept on `cdk destroy`. */
  readonly removal: RemovalDecision;
  readonly resultPrefix: string;
  readonly observability: ObservabilityDecision;
  /** How the concurrency pool is used; undefined without one. */
  readonly pool?: PoolUseDecision;
  /** The dashboard's panels; undefined when `createDashboard` is false. */
  readonly dashboard?: DashboardDecision;
  /** Shown at synth: configurations that work, but probably not as expected. */
  readonly warnings: FanOutWarning[];
}

/**
 * Validates every prop and makes every decision of a fan-out, without creating anything: it
 * throws, naming the prop and what is allowed, for a configuration that cannot work. Decisions
 * that depend on others come after them: the retries set how many items an inline Map holds,
 * which (with the concurrency asked for) chooses the mode, which sets the caps and what the
 * children may retry.
 */
export function decideFanOut(props: FargateFanOutProps): FanOutDecisions {
  validateProps(props);
  const removal = decideRemoval(props.removalPolicy);
  const capacity = props.capacity ?? FanOutCapacity.ON_DEMAND;
  const integrationPattern = props.integrationPattern ?? FanOutIntegrationPattern.RUN_JOB;
  const callback = integrationPattern === FanOutIntegrationPattern.CALLBACK;
  const items = props.items ?? FanOutItems.fromJsonPath(DEFAULT_ITEMS_PATH);
  const task = decideTaskSize(props);
  const timeouts = decideTimeouts({ ...props, callback });

  const throttle = resolveRetryPolicy('throttleRetry', props.throttleRetry, DEFAULT_THROTTLE_RETRY);
  const taskRetry = props.taskRetry ? resolveRetryPolicy('taskRetry', props.taskRetry, DEFAULT_TASK_RETRY) : undefined;
  const retryRules = decideRetryRules({
    retryRules: props.retryRules,
    startFailureRetry: props.startFailureRetry,
    taskRetry,
    capacity,
    callback,
    taskCpu: props.taskDefinition ? props.taskDefinition.cpu : task.build?.cpu,
    taskMemoryMiB: props.taskDefinition ? props.taskDefinition.memoryMiB : task.build?.memoryLimitMiB,
    containerSetsMemoryLimit: props.taskDefinition?.defaultContainer?.memoryLimitSpecified,
  });
  const pool = props.concurrencyPool
    ? decidePoolUse({
      pool: props.concurrencyPool._binding().decision,
      taskCpuUnits: Math.round(task.vcpus * CPU_UNITS_PER_VCPU),
      largestTaskVcpus: retryRules.largestTaskVcpus,
      batched: props.itemBatching !== undefined,
      callback,
    })
    : undefined;
  const attempts = {
    ...itemRetryAttempts({
      throttleRetry: throttle,
      taskRetry,
      capacity,
      callback,
      loopReruns: retryRules.maxReruns,
      spillsItems: true,
    }),
    ...(pool ? { poolEvents: pool.childEvents } : {}),
  };
  const historyBudget = decideInlineHistoryBudget(attempts);

  const mode = chooseMode({
    inlineMaxItems: historyBudget.inlineMaxItems,
    distributedOnlyProps: [
      ...(props.itemBatching ? ['itemBatching'] : []),
      ...(props.toleratedFailurePercentage !== undefined ? ['toleratedFailurePercentage'] : []),
      ...(pool ? ['concurrencyPool'] : []),
    ],
    requestedMode: props.mode ?? FanOutMode.AUTO,
    itemsFromS3: items.isFromS3,
    expectedItemCount: props.expectedItemCount,
    requestedConcurrency: props.maxConcurrency,
    vcpuBudgetConcurrency: props.maxVcpus !== undefined ? tasksWithinVcpuBudget(props.maxVcpus, task.vcpus) : undefined,
  });
  const distributed = hasDistributedMap(mode.mode);
  const inline = hasInlineMap(mode.mode);
  const concurrency = decideConcurrency({ mode: mode.mode, maxConcurrency: props.maxConcurrency, maxVcpus: props.maxVcpus, taskVcpus: task.vcpus });
  const vcpuQuota = decideVcpuQuota({
    maxVcpus: props.maxVcpus,
    pooled: pool !== undefined,
    capacity,
    taskVcpus: task.vcpus,
    maxConcurrency: concurrency.maxConcurrency,
    inlineMaxConcurrency: concurrency.inlineMaxConcurrency,
  });
  if (!distributed && props.distributedThrottleRetry) {
    throw new Error(`distributedThrottleRetry applies to Distributed Map children only; the ${mode.mode} mode built here has none (set throttleRetry instead)`);
  }
  const launchPacing = decideLaunchPacing({
    requested: props.launchPacing,
    hasDistributedMap: distributed,
    maxConcurrency: concurrency.maxConcurrency,
    pooled: pool !== undefined,
    batched: props.itemBatching !== undefined,
  });
  const childAttempts = launchPacing.paced ? { ...attempts, launchPacingEvents: LAUNCH_PACING_CHILD_EVENTS } : attempts;
  const distributedThrottle = distributed ? resolveDistributedThrottleRetry(props.distributedThrottleRetry, childAttempts, throttle) : undefined;
  const tolerance = resolveFailureTolerance({
    toleratedFailureCount: props.toleratedFailureCount,
    toleratedFailurePercentage: props.toleratedFailurePercentage,
    mode: mode.mode,
  });
  const resultPrefix = props.resultPrefix ?? DEFAULT_RESULT_PREFIX;
  const batching = props.itemBatching
    ? resolveItemBatching(props.itemBatching, task.containerName, callback,
      callback ? callbackEnvironmentSizes(resultPrefix, timeouts.heartbeatIntervalSeconds) : {})
    : undefined;
  const network = decideNetwork({ ...props, capacity });
  const dashboard = decideDashboard({
    createDashboard: props.createDashboard,
    dashboardName: props.dashboardName,
    capacity,
    hasDistributedMap: distributed,
    hasInlineMap: inline,
    createsCluster: network.cluster === undefined,
    createAlarms: props.createAlarms ?? true,
    pooled: pool !== undefined,
  });

  return {
    items,
    capacity,
    integrationPattern,
    callback,
    task,
    timeouts,
    retries: { throttle, distributedThrottle, task: taskRetry },
    retryRules,
    itemState: itemStatePaths(batching !== undefined, retryRules.resizes !== undefined),
    reportsCapacity: capacity !== FanOutCapacity.ON_DEMAND,
    historyBudget,
    mode,
    hasDistributedMap: distributed,
    hasInlineMap: inline,
    concurrency,
    vcpuQuota,
    launchPacing,
    tolerance,
    batching,
    network,
    removal,
    resultPrefix,
    pool,
    dashboard,
    observability: {
      logRetention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      logRemovalPolicy: removal.removalPolicy,
      logLevel: props.logLevel ?? sfn.LogLevel.ERROR,
      includeExecutionData: props.includeExecutionDataInLogs ?? false,
      tracingEnabled: props.tracingEnabled ?? true,
      createAlarms: props.createAlarms ?? true,
    },
    warnings: decideWarnings({
      image: props.image,
      cluster: props.cluster,
      createsVpc: network.createVpc,
      capacity,
    }),
  };
}
