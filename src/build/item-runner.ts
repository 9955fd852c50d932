import { Arn, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FanOutCapacity } from '../api/capacity';
import { FanOutEnvironment } from '../api/environment';
import { FanOutIntegrationPattern } from '../api/integration-pattern';
import { FanOutRetryPolicy } from '../api/retry-options';
import {
  CapacityProviderNames,
  ECS_SPOT_STOPPED_REASON_PATTERN,
  ECS_STOP_CODE_SPOT_INTERRUPTION,
  ECS_STOP_CODE_TERMINATION_NOTICE,
  ERROR_ECS_EXCEPTION,
  ERROR_ECS_UNKNOWN,
  ERROR_HEARTBEAT_TIMEOUT,
  ERROR_TASK_FAILED,
  ERROR_TIMEOUT,
} from '../aws-limits';
import { FanOutDecisions } from '../decisions/decide-fan-out';
import { CALLBACK_CALL_RETRIES } from '../decisions/history-budget';
import { RATE_AND_CAPACITY_ERRORS, toRetryProps } from '../decisions/retry-policy';

/**
 * Names of the states that run one item, in the inline Map and in a Distributed Map child (the
 * inline name followed by `InChild`, see `stateNameFor`).
 */
export const ItemStateNames = {
  INLINE_TASK: 'RunItemTask',
  DISTRIBUTED_TASK: 'RunItemTaskInChild',
  INLINE_ON_DEMAND_TASK: 'RunItemOnDemand',
  DISTRIBUTED_ON_DEMAND_TASK: 'RunItemOnDemandInChild',
  INLINE_WAS_SPOT_INTERRUPTED: 'WasSpotInterrupted',
  INLINE_WAS_STOPPED_BY_SPOT: 'WasStoppedBySpot',
  INLINE_SPOT_TASK_SUCCEEDED: 'SpotTaskSucceeded',
  INLINE_SPOT_INTERRUPTED: 'SpotTaskInterrupted',
  INLINE_IS_STOP_DESCRIBED: 'IsStopDescribed',
  INLINE_READ_STOP: 'ReadStop',
  DISTRIBUTED_ITEM_FAILED: 'ItemFailedInChild',
  INLINE_NAME_TASK: 'NameItemTask',
  INLINE_FIND_TIMED_OUT_TASK: 'FindTimedOutTask',
  DISTRIBUTED_FIND_TIMED_OUT_TASK: 'FindTimedOutTaskInChild',
  INLINE_IS_TIMED_OUT_TASK_RUNNING: 'IsTimedOutTaskRunning',
  INLINE_STOP_TIMED_OUT_TASK: 'StopTimedOutTask',
  DISTRIBUTED_STOP_TIMED_OUT_TASK: 'StopTimedOutTaskInChild',
} as const;

/** Where a Spot task's result is kept while its stop is checked. */
const TASK_PATH = '$.task';

/** Where the stopped task's description is kept, parsed from a failure's Cause. */
const STOP_PATH = '$.stop';

/** The error of an item whose Spot task was interrupted though its container exited 0. */
export const ERROR_SPOT_INTERRUPTED = 'FanOut.SpotInterrupted';

/** Where the callback pattern keeps the `startedBy` id of an item's task, to find it again. */
const CALLBACK_PATH = '$.callback';

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
  /** `.sync` or `.waitForTaskToken`. */
  readonly integrationPattern: FanOutIntegrationPattern;
  /** Longest a callback task may go without a heartbeat (callback only). */
  readonly heartbeatTimeout?: Duration;
}

/** What the item runner is built from: the task, where it runs, and the decisions. */
export interface ItemRunnerSources {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly decisions: FanOutDecisions;
}

/** Builds the item runner wherever the workflow places it, with the same settings each time. */
export function itemRunnerFactory(sources: ItemRunnerSources): (scope: Construct, placement: ItemRunnerPlacement) => sfn.IChainable {
  const { decisions } = sources;
  const settings: ItemTaskSettings = {
    cluster: sources.cluster,
    taskDefinition: sources.taskDefinition,
    container: sources.container,
    subnets: decisions.network.subnets,
    securityGroups: sources.securityGroups,
    assignPublicIp: decisions.network.assignPublicIp,
    taskTimeout: decisions.timeouts.taskTimeout,
    throttleRetry: decisions.retries.throttle,
    distributedThrottleRetry: decisions.retries.distributedThrottle,
    taskRetry: decisions.retries.task,
    capacity: decisions.capacity,
    batched: decisions.batching !== undefined,
    integrationPattern: decisions.integrationPattern,
    heartbeatTimeout: decisions.timeouts.heartbeatTimeout,
  };
  return (scope, placement) => buildItemRunner(scope, settings, placement);
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
 * fallback, a Spot task first and an on-demand task for items Spot could not finish; with the
 * callback pattern, a `.waitForTaskToken` task that is stopped when it stops reporting.
 */
function buildItemRunner(scope: Construct, settings: ItemTaskSettings, placement: ItemRunnerPlacement): sfn.IChainable {
  if (settings.integrationPattern === FanOutIntegrationPattern.CALLBACK) {
    return callbackRunner(scope, settings, placement);
  }
  const where = placement.inChild ? 'Child' : 'Inline';
  const names = {
    task: stateNameFor(ItemStateNames.INLINE_TASK, placement),
    onDemand: stateNameFor(ItemStateNames.INLINE_ON_DEMAND_TASK, placement),
    wasSpot: stateNameFor(ItemStateNames.INLINE_WAS_SPOT_INTERRUPTED, placement),
  };

  if (settings.capacity === FanOutCapacity.ON_DEMAND) {
    const task = runTask(scope, `${where}RunTask`, names.task, settings, undefined, 'final', placement.inChild);
    if (placement.recordFailure) {
      task.addCatch(placement.recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    }
    return task;
  }

  const failed = failurePath(scope, where, placement);
  if (settings.capacity === FanOutCapacity.SPOT) {
    const onSpot = runTask(scope, `${where}RunTask`, names.task, settings, CapacityProviderNames.SPOT, 'final', placement.inChild);
    onSpot.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    // A task interrupted on Spot whose container exited 0 did not finish its work: fail the item.
    const interrupted = new sfn.Pass(scope, `${where}SpotTaskInterrupted`, {
      stateName: stateNameFor(ItemStateNames.INLINE_SPOT_INTERRUPTED, placement),
      comment: 'The Spot task was interrupted, though its container exited 0: the item did not finish.',
      parameters: { Error: ERROR_SPOT_INTERRUPTED, Cause: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(TASK_PATH)) },
      resultPath: '$.failure',
    });
    interrupted.next(failed);
    return onSpot.next(checkSpotStop(scope, where, placement, interrupted));
  }

  // Spot first, with the short retry (a long wait for Spot would defeat the fallback); then, once
  // per item, on-demand with the full retries.
  const onSpot = runTask(scope, `${where}RunTaskOnSpot`, names.task, settings, CapacityProviderNames.SPOT, 'spot', placement.inChild);
  const onDemand = runTask(scope, `${where}RunTaskOnDemand`, names.onDemand, settings, CapacityProviderNames.ON_DEMAND, 'final', placement.inChild);
  // The task description is parsed once, and only when it is one: a Pass state cannot catch.
  const wasSpotInterrupted = new sfn.Choice(scope, `${where}WasSpotInterrupted`, {
    stateName: names.wasSpot,
    comment: 'A Spot interruption is read from the stopped task\'s StopCode and StoppedReason; any other stop is the item\'s own failure.',
  })
    .when(spotInterruptedCondition(`${STOP_PATH}.task.StopCode`, `${STOP_PATH}.task.StoppedReason`), onDemand)
    .otherwise(failed);
  const readStop = new sfn.Pass(scope, `${where}ReadStop`, {
    stateName: stateNameFor(ItemStateNames.INLINE_READ_STOP, placement),
    comment: 'Parses the stopped task\'s description (the failure\'s Cause) once.',
    parameters: { task: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.failure.Cause')) },
    resultPath: STOP_PATH,
  }).next(wasSpotInterrupted);
  const isStopDescribed = new sfn.Choice(scope, `${where}IsStopDescribed`, {
    stateName: stateNameFor(ItemStateNames.INLINE_IS_STOP_DESCRIBED, placement),
    comment: 'A .sync failure\'s Cause is the stopped task\'s description as JSON; anything else is not a Spot interruption.',
  })
    .when(sfn.Condition.stringMatches('$.failure.Cause', '{*}'), readStop)
    .otherwise(failed);
  onSpot.addCatch(onDemand, { errors: [ERROR_ECS_EXCEPTION, ERROR_ECS_UNKNOWN], resultPath: '$.failure' });
  onSpot.addCatch(isStopDescribed, { errors: [ERROR_TASK_FAILED], resultPath: '$.failure' });
  onSpot.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  if (placement.recordFailure) {
    onDemand.addCatch(placement.recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  }
  return onSpot.next(checkSpotStop(scope, where, placement, onDemand));
}

/**
 * After a Spot task that `.sync` reports as succeeded: a task stopped by a Spot interruption
 * whose container handled SIGTERM and exited 0 (as AWS advises) is a success to Step Functions,
 * but its work did not finish. AWS does not document whether `.sync` fails such a task; this
 * check is right either way.
 */
function checkSpotStop(scope: Construct, where: string, placement: ItemRunnerPlacement, whenInterrupted: sfn.IChainable): sfn.IChainable {
  const succeeded = new sfn.Succeed(scope, `${where}SpotTaskSucceeded`, {
    stateName: stateNameFor(ItemStateNames.INLINE_SPOT_TASK_SUCCEEDED, placement),
    comment: 'The Spot task finished its work.',
    outputPath: TASK_PATH,
  });
  return new sfn.Choice(scope, `${where}WasStoppedBySpot`, {
    stateName: stateNameFor(ItemStateNames.INLINE_WAS_STOPPED_BY_SPOT, placement),
    comment: 'A Spot task can be interrupted and still exit 0: its StopCode and StoppedReason say so.',
  })
    .when(spotInterruptedCondition(`${TASK_PATH}.stopCode[0]`, `${TASK_PATH}.stoppedReason[0]`), whenInterrupted)
    .otherwise(succeeded);
}

/**
 * A task stopped by Spot: StopCode `SpotInterruption` (or `TerminationNotice`, the warning's),
 * or the StoppedReason ECS gives it. Each field is tested only where present; the fields of the
 * stopped task, never a text search through the whole description (which holds the item).
 */
function spotInterruptedCondition(stopCodePath: string, stoppedReasonPath: string): sfn.Condition {
  const stopCodeIs = (code: string) => sfn.Condition.and(sfn.Condition.isPresent(stopCodePath), sfn.Condition.stringEquals(stopCodePath, code));
  return sfn.Condition.or(
    stopCodeIs(ECS_STOP_CODE_SPOT_INTERRUPTION),
    stopCodeIs(ECS_STOP_CODE_TERMINATION_NOTICE),
    sfn.Condition.and(sfn.Condition.isPresent(stoppedReasonPath), sfn.Condition.stringMatches(stoppedReasonPath, ECS_SPOT_STOPPED_REASON_PATTERN)),
  );
}

/**
 * One `ecs:runTask.sync` Task. `role` 'spot' is the first try of a Spot-with-fallback item: it
 * gets the short throttle retry; 'final' tasks get the full retries of where they run.
 */
function runTask(scope: Construct, id: string, stateName: string, settings: ItemTaskSettings,
  capacityProvider: string | undefined, role: 'spot' | 'final', inChild: boolean): tasks.EcsRunTask {
  const callback = settings.integrationPattern === FanOutIntegrationPattern.CALLBACK;
  const environment = settings.batched
    ? [{ name: FanOutEnvironment.ITEMS, value: sfn.JsonPath.jsonToString(sfn.JsonPath.listAt('$.Items')) }]
    : [{ name: FanOutEnvironment.ITEM, value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.item')) }];
  if (callback) {
    environment.push({ name: FanOutEnvironment.TASK_TOKEN, value: sfn.JsonPath.taskToken });
  }
  const fargate = new tasks.EcsFargateLaunchTarget({
    platformVersion: ecs.FargatePlatformVersion.LATEST,
    capacityProviderOptions: capacityProvider
      ? tasks.CapacityProviderOptions.custom([{ capacityProvider, weight: 1 }])
      : undefined,
  });
  // The .sync result is the whole ECS task description (kilobytes): keep only which capacity ran
  // the task, so that thousands of iteration results stay within the 256 KiB payload. A callback
  // result is what the container sent.
  const resultSelector: { [key: string]: any } = capacityProvider ? { capacity: capacityProvider } : {};
  if (callback) {
    resultSelector.result = sfn.JsonPath.objectAt('$');
  }
  // A Spot task's stop is checked after it (see checkSpotStop): keep the fields that tell, as lists
  // (an indefinite path yields [] where a field is missing, instead of failing the state), and
  // keep the input, which a rerun on on-demand or a failure record needs.
  const checksSpotStop = !callback && capacityProvider === CapacityProviderNames.SPOT;
  if (checksSpotStop) {
    resultSelector.stopCode = sfn.JsonPath.listAt('$..StopCode');
    resultSelector.stoppedReason = sfn.JsonPath.listAt('$..StoppedReason');
    resultSelector.exitCode = sfn.JsonPath.listAt('$.Containers[*].ExitCode');
  }
  const task = tasks.EcsRunTask.jsonPath(scope, id, {
    stateName,
    comment: `Runs the container${capacityProvider ? ` on ${capacityProvider}` : ''} and `
      + (callback ? 'waits for its callback (.waitForTaskToken).' : 'waits for it to stop (.sync).'),
    integrationPattern: callback ? sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN : sfn.IntegrationPattern.RUN_JOB,
    cluster: settings.cluster,
    taskDefinition: settings.taskDefinition,
    launchTarget: callback ? new StartedByLaunchTarget(fargate, `${CALLBACK_PATH}.startedBy`) : fargate,
    containerOverrides: [{ containerDefinition: settings.container, environment }],
    subnets: settings.subnets,
    securityGroups: settings.securityGroups,
    assignPublicIp: settings.assignPublicIp,
    taskTimeout: sfn.Timeout.duration(settings.taskTimeout),
    heartbeatTimeout: callback && settings.heartbeatTimeout ? sfn.Timeout.duration(settings.heartbeatTimeout) : undefined,
    resultSelector,
    resultPath: checksSpotStop ? TASK_PATH : undefined,
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

/**
 * The callback pattern: name the task (a `startedBy` id), run it with `.waitForTaskToken`, and
 * when no heartbeat or callback comes in time, find the task by that id and stop it. Step
 * Functions does not stop an ECS task whose callback state timed out, and the task's ARN is not
 * returned to a `.waitForTaskToken` state, hence the id.
 */
function callbackRunner(scope: Construct, settings: ItemTaskSettings, placement: ItemRunnerPlacement): sfn.IChainable {
  const where = placement.inChild ? 'Child' : 'Inline';
  const names = {
    name: stateNameFor(ItemStateNames.INLINE_NAME_TASK, placement),
    task: stateNameFor(ItemStateNames.INLINE_TASK, placement),
    find: stateNameFor(ItemStateNames.INLINE_FIND_TIMED_OUT_TASK, placement),
    isRunning: stateNameFor(ItemStateNames.INLINE_IS_TIMED_OUT_TASK_RUNNING, placement),
    stop: stateNameFor(ItemStateNames.INLINE_STOP_TIMED_OUT_TASK, placement),
  };
  const capacity = settings.capacity === FanOutCapacity.SPOT ? CapacityProviderNames.SPOT : undefined;

  const nameTask = new sfn.Pass(scope, `${where}NameTask`, {
    stateName: names.name,
    comment: 'Gives the item\'s task a unique startedBy id, to find and stop it if its callback never comes.',
    parameters: { startedBy: sfn.JsonPath.uuid() },
    resultPath: CALLBACK_PATH,
  });
  const task = runTask(scope, `${where}RunTask`, names.task, settings, capacity, 'final', placement.inChild);

  const failed = failurePath(scope, where, placement);
  const stack = Stack.of(scope);
  const clusterArn = settings.cluster.clusterArn;
  const find = tasks.CallAwsService.jsonPath(scope, `${where}FindTimedOutTask`, {
    stateName: names.find,
    comment: 'Finds the task whose callback did not come, by its startedBy id.',
    service: 'ecs',
    action: 'listTasks',
    parameters: { Cluster: clusterArn, StartedBy: sfn.JsonPath.stringAt(`${CALLBACK_PATH}.startedBy`) },
    // ListTasks cannot be scoped to tasks (see required-wildcards.ts).
    iamResources: ['*'],
    iamAction: 'ecs:ListTasks',
    resultSelector: { taskArns: sfn.JsonPath.listAt('$.TaskArns') },
    resultPath: '$.timedOut',
  });
  const stop = tasks.CallAwsService.jsonPath(scope, `${where}StopTimedOutTask`, {
    stateName: names.stop,
    comment: 'Stops the task: a timed-out callback state does not stop it by itself.',
    service: 'ecs',
    action: 'stopTask',
    parameters: {
      Cluster: clusterArn,
      Task: sfn.JsonPath.stringAt('$.timedOut.taskArns[0]'),
      Reason: 'cdk-fargate-fan-out: no heartbeat or callback in time',
    },
    iamResources: [Arn.format({ service: 'ecs', resource: 'task', resourceName: `${settings.cluster.clusterName}/*` }, stack)],
    iamAction: 'ecs:StopTask',
    resultPath: sfn.JsonPath.DISCARD,
  });
  const isRunning = new sfn.Choice(scope, `${where}IsTimedOutTaskRunning`, { stateName: names.isRunning })
    .when(sfn.Condition.isPresent('$.timedOut.taskArns[0]'), stop)
    .otherwise(failed);
  for (const call of [find, stop]) {
    call.addRetry({
      errors: [sfn.Errors.ALL],
      maxAttempts: CALLBACK_CALL_RETRIES,
      interval: Duration.seconds(2),
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // The item has failed either way; a task that could not be stopped is left to its own end.
    call.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.stopFailure' });
  }
  stop.next(failed);
  find.next(isRunning);

  task.addCatch(find, { errors: [ERROR_HEARTBEAT_TIMEOUT, ERROR_TIMEOUT], resultPath: '$.failure' });
  if (placement.recordFailure) {
    task.addCatch(placement.recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  }
  return nameTask.next(task);
}

/**
 * A Fargate launch target that also sets RunTask's `StartedBy` from the state input: the
 * extension point aws-cdk-lib's launch targets have for RunTask parameters it does not model.
 */
class StartedByLaunchTarget implements tasks.IEcsLaunchTarget {
  constructor(private readonly inner: tasks.IEcsLaunchTarget, private readonly startedByPath: string) {}

  public bind(task: tasks.EcsRunTask, launchTargetOptions: tasks.LaunchTargetBindOptions): tasks.EcsLaunchTargetConfig {
    const config = this.inner.bind(task, launchTargetOptions);
    return { parameters: { ...config.parameters, 'StartedBy.$': this.startedByPath } };
  }
}

/**
 * Where a failed item goes: the inline Map's failure record, or in a child a Fail state that
 * fails the child with the task's error and cause, so that the Map Run lists them.
 */
function failurePath(scope: Construct, where: string, placement: ItemRunnerPlacement): sfn.IChainable {
  return placement.recordFailure ?? new sfn.Fail(scope, `${where}ItemFailed`, {
    stateName: ItemStateNames.DISTRIBUTED_ITEM_FAILED,
    comment: 'Fails the child with the error and cause of the item\'s task, so the Map Run lists them.',
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
}

/** A state's name where it is built: in a Distributed Map child, the inline name + `InChild`. */
function stateNameFor(inlineName: string, placement: ItemRunnerPlacement): string {
  return placement.inChild ? `${inlineName}InChild` : inlineName;
}
