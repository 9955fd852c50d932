import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ERROR_ECS_EXCEPTION, ERROR_ECS_UNKNOWN, ERROR_TASK_FAILED } from './aws-limits';
import { FANOUT_ITEM_ENV, FANOUT_ITEMS_ENV } from './container-environment';
import { CapacityProviderNames, FanOutCapacity } from './fan-out-capacity';
import { FanOutRetryPolicy } from './fan-out-retry';
import { RATE_AND_CAPACITY_ERRORS, toRetryProps } from './retry-policy';

/** Names of the states that run one item, in the inline Map and in a Distributed Map child. */
export const ItemStateNames = {
  INLINE_TASK: 'RunItemTask',
  DISTRIBUTED_TASK: 'RunItemTaskInChild',
  INLINE_ON_DEMAND_TASK: 'RunItemOnDemand',
  DISTRIBUTED_ON_DEMAND_TASK: 'RunItemOnDemandInChild',
  INLINE_WAS_SPOT_INTERRUPTED: 'WasSpotInterrupted',
  DISTRIBUTED_WAS_SPOT_INTERRUPTED: 'WasSpotInterruptedInChild',
  DISTRIBUTED_ITEM_FAILED: 'ItemFailedInChild',
} as const;

/** How the construct runs one item's task; the same for every item. */
export interface ItemTaskSettings {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly assignPublicIp?: boolean;
  readonly taskTimeout: Duration;
  /** Retry of throttling and capacity errors in the inline Map (and of InvalidParameterException in children). */
  readonly throttleRetry: FanOutRetryPolicy;
  /** Retry of rate and capacity errors in Distributed Map children. */
  readonly distributedThrottleRetry?: FanOutRetryPolicy;
  /** Retry of tasks that ran and failed, if any. */
  readonly taskRetry?: FanOutRetryPolicy;
  readonly capacity: FanOutCapacity;
  /** True when the input is a batch (`$.Items`) rather than one item (`$.item`). */
  readonly batched: boolean;
}

/** Where the item runner is built. */
export interface ItemRunnerPlacement {
  /** True in a Distributed Map child, whose history is its own. */
  readonly inChild: boolean;
  /**
   * Where a failed item goes in the inline Map (a state that records it). Left out in a child:
   * a failed item fails the child execution, and the Map Run lists it.
   */
  readonly recordFailure?: sfn.IChainable;
}

/**
 * Builds the states that run one item (or batch): a Task that runs the container with
 * `ecs:runTask.sync` and retries throttling and capacity errors; with Spot and on-demand
 * fallback, a Spot task first and an on-demand task for items Spot could not finish.
 */
export function buildItemRunner(scope: Construct, settings: ItemTaskSettings, placement: ItemRunnerPlacement): sfn.IChainable {
  const where = placement.inChild ? 'Child' : 'Inline';
  const names = placement.inChild
    ? {
      task: ItemStateNames.DISTRIBUTED_TASK,
      onDemand: ItemStateNames.DISTRIBUTED_ON_DEMAND_TASK,
      wasSpot: ItemStateNames.DISTRIBUTED_WAS_SPOT_INTERRUPTED,
    }
    : { task: ItemStateNames.INLINE_TASK, onDemand: ItemStateNames.INLINE_ON_DEMAND_TASK, wasSpot: ItemStateNames.INLINE_WAS_SPOT_INTERRUPTED };

  if (settings.capacity !== FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK) {
    const capacity = settings.capacity === FanOutCapacity.SPOT ? CapacityProviderNames.SPOT : undefined;
    const task = runTask(scope, `${where}RunTask`, names.task, settings, capacity, 'final', placement.inChild);
    if (placement.recordFailure) {
      task.addCatch(placement.recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    }
    return task;
  }

  // Spot first, with the short retry (a long wait for Spot would defeat the fallback); then, once
  // per item, on-demand with the full retries.
  const onSpot = runTask(scope, `${where}RunTaskOnSpot`, names.task, settings, CapacityProviderNames.SPOT, 'spot', placement.inChild);
  const onDemand = runTask(scope, `${where}RunTaskOnDemand`, names.onDemand, settings, CapacityProviderNames.ON_DEMAND, 'final', placement.inChild);
  const failed = placement.recordFailure ?? new sfn.Fail(scope, `${where}ItemFailed`, {
    stateName: ItemStateNames.DISTRIBUTED_ITEM_FAILED,
    comment: 'Fails the child with the error and cause of the item\'s task, so the Map Run lists them.',
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const wasSpotInterrupted = new sfn.Choice(scope, `${where}WasSpotInterrupted`, {
    stateName: names.wasSpot,
    comment: 'A Spot interruption stops the task with StopCode SpotInterruption; any other stop is the item\'s own failure.',
  })
    .when(sfn.Condition.stringMatches('$.failure.Cause', '*SpotInterruption*'), onDemand)
    .otherwise(failed);
  onSpot.addCatch(onDemand, { errors: [ERROR_ECS_EXCEPTION, ERROR_ECS_UNKNOWN], resultPath: '$.failure' });
  onSpot.addCatch(wasSpotInterrupted, { errors: [ERROR_TASK_FAILED], resultPath: '$.failure' });
  onSpot.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  if (placement.recordFailure) {
    onDemand.addCatch(placement.recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  }
  return onSpot;
}

/**
 * One `ecs:runTask.sync` Task. `role` 'spot' is the first try of a Spot-with-fallback item: it
 * gets the short throttle retry; 'final' tasks get the full retries of where they run.
 */
function runTask(scope: Construct, id: string, stateName: string, settings: ItemTaskSettings,
  capacityProvider: string | undefined, role: 'spot' | 'final', inChild: boolean): tasks.EcsRunTask {
  const environment = settings.batched
    ? [{ name: FANOUT_ITEMS_ENV, value: sfn.JsonPath.jsonToString(sfn.JsonPath.listAt('$.Items')) }]
    : [{ name: FANOUT_ITEM_ENV, value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.item')) }];
  const task = tasks.EcsRunTask.jsonPath(scope, id, {
    stateName,
    comment: capacityProvider
      ? `Runs the container on ${capacityProvider} and waits for it to stop (.sync).`
      : 'Runs the container and waits for it to stop (.sync).',
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    cluster: settings.cluster,
    taskDefinition: settings.taskDefinition,
    launchTarget: new tasks.EcsFargateLaunchTarget({
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      capacityProviderOptions: capacityProvider
        ? tasks.CapacityProviderOptions.custom([{ capacityProvider, weight: 1 }])
        : undefined,
    }),
    containerOverrides: [{ containerDefinition: settings.container, environment }],
    subnets: settings.subnets,
    securityGroups: settings.securityGroups,
    assignPublicIp: settings.assignPublicIp,
    taskTimeout: sfn.Timeout.duration(settings.taskTimeout),
    // The .sync result is the whole ECS task description (kilobytes); keep only which capacity
    // ran the task, so that thousands of iteration results stay within the 256 KiB payload.
    resultSelector: capacityProvider ? { capacity: capacityProvider } : {},
  });
  const { throttleRetry, distributedThrottleRetry, taskRetry } = settings;
  if (inChild && distributedThrottleRetry && role === 'final') {
    task.addRetry(toRetryProps(distributedThrottleRetry));
    task.addRetry(toRetryProps({ ...throttleRetry, errors: throttleRetry.errors.filter((e) => !RATE_AND_CAPACITY_ERRORS.includes(e)) }));
  } else {
    task.addRetry(toRetryProps(throttleRetry));
  }
  if (taskRetry) {
    task.addRetry(toRetryProps(taskRetry));
  }
  return task;
}
