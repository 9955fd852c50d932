import { Arn, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { buildItemSpill, mayBeTooLarge } from './item-spill';
import { SdkCallbackRunTask, StartedByLaunchTarget } from './sdk-run-task';
import { LAUNCH_DELAY_FIELD } from '../../concurrency/launch-pacing';
import { buildPoolAcquire, buildPoolRelease, PoolBinding } from '../../concurrency-pool/private/pool-states';
import {
  CapacityProviderNames,
  ERROR_ECS_EXCEPTION,
  ERROR_ECS_INVALID_PARAMETER,
  ERROR_ECS_SDK_INVALID_PARAMETER,
  ERROR_ECS_UNKNOWN,
  ERROR_HEARTBEAT_TIMEOUT,
  ERROR_TASK_FAILED,
  ERROR_TIMEOUT,
} from '../../facts';
import { FanOutDecisions } from '../../fan-out-decisions';
import { callbackResultS3Prefix } from '../../items/private/batch-limits';
import { StopRulesDecision } from '../../retries/private/decide-retry-rules';
import { RATE_AND_CAPACITY_ERRORS, sdkErrorNames, toRetryProps } from '../../retries/private/retry-policy';
import { failedRecord, ItemStatePaths, itemStatePaths, spotInterruptedCondition, StopClassifier, TaskLoop } from '../../retries/private/retry-rule-states';
import { FanOutRetryPolicy } from '../../retries/retry-options';
import { FanOutCapacity } from '../../task/capacity';
import { FanOutEnvironment } from '../../task/environment';
import { FanOutIntegrationPattern } from '../../task/integration-pattern';
import { CALLBACK_CALL_RETRIES, CALLBACK_INTERRUPTED_RETRIES, CALLBACK_NOT_RUNNING_RERUNS, INVALID_PARAMETER_QUICK_RETRIES } from '../history-budget';

/**
 * Names of the states that run one item, in the inline Map and in a Distributed Map child (the
 * inline name followed by `InChild`, see `stateNameFor`).
 */
export const ItemStateNames = {
  INLINE_TASK: 'RunItemTask',
  DISTRIBUTED_TASK: 'RunItemTaskInChild',
  INLINE_ON_DEMAND_TASK: 'RunItemOnDemand',
  DISTRIBUTED_ON_DEMAND_TASK: 'RunItemOnDemandInChild',
  INLINE_WAS_STOPPED_BY_SPOT: 'WasStoppedBySpot',
  INLINE_ITEM_SUCCEEDED: 'ItemSucceeded',
  INLINE_SPOT_INTERRUPTED: 'SpotTaskInterrupted',
  INLINE_IS_STOP_DESCRIBED: 'IsStopDescribed',
  INLINE_READ_STOP: 'ReadStop',
  INLINE_APPLY_STOP_RULES: 'ApplyStopRules',
  DISTRIBUTED_DESCRIBE_FAILURE: 'DescribeItemFailureInChild',
  DISTRIBUTED_FAILURE_CAUSE: 'ItemFailureCauseInChild',
  DISTRIBUTED_ITEM_FAILED: 'ItemFailedInChild',
  INLINE_NAME_TASK: 'NameItemTask',
  INLINE_FIND_TIMED_OUT_TASK: 'FindTimedOutTask',
  DISTRIBUTED_FIND_TIMED_OUT_TASK: 'FindTimedOutTaskInChild',
  INLINE_IS_TIMED_OUT_TASK_RUNNING: 'IsTimedOutTaskRunning',
  INLINE_STOP_TIMED_OUT_TASK: 'StopTimedOutTask',
  DISTRIBUTED_STOP_TIMED_OUT_TASK: 'StopTimedOutTaskInChild',
  INLINE_RENAME_TASK: 'RenameItemTask',
  INLINE_IS_ITEM_TOO_LARGE: 'IsItemTooLarge',
  DISTRIBUTED_PACE_LAUNCH: 'PaceLaunchInChild',
} as const;

export { ERROR_SPOT_INTERRUPTED } from '../../retries/private/retry-rule-states';

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
  /** What happens to a task that stopped (run job). */
  readonly stopRules: StopRulesDecision;
  /** Where the item's state keeps its counters and its stopped task. */
  readonly paths: ItemStatePaths;
  /** The task's size, as ECS describes it. */
  readonly taskSize: { cpu: number; memoryMiB: number };
  /** True when successful items report the capacity that ran them. */
  readonly reportsCapacity: boolean;
  /** Environment entries every callback task gets besides its item and token. */
  readonly callbackEnvironment: Array<{ name: string; value: string }>;
  /** Where an item too large for the container overrides is written (one item per task, run job). */
  readonly spill?: { readonly resultBucket: s3.IBucket; readonly resultPrefix: string };
  /** The concurrency pool each item takes a slot of, and what one slot weighs; undefined without one. */
  readonly pool?: { readonly binding: PoolBinding; readonly cpuUnits: number };
}

/**
 * The error the worker runtime reports when its container was told to stop (SIGTERM: a Spot
 * interruption's warning, StopTask) before the handler finished: the item did not run to its end
 * and is run again (see worker/README.md).
 */
export const ERROR_WORKER_INTERRUPTED = 'FanOut.Interrupted';

/**
 * Where an item's state keeps the execution that owns its pool slot: the parent's
 * `$$.Execution.Id`, set by the Distributed Map's ItemSelector, so that the parent's failure,
 * timeout or abort gives back its children's slots.
 */
export const POOL_OWNER_FIELD = 'poolOwner';

/** State-name prefixes of the pool's states in a Distributed Map child. */
export const ItemPoolPrefixes = {
  ACQUIRE: 'PoolInChild',
  RELEASE: 'PoolInChild',
  RELEASE_ON_ERROR: 'PoolInChildOnError',
} as const;

/** What the item runner is built from: the task, where it runs, and the decisions. */
export interface ItemRunnerSources {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly decisions: FanOutDecisions;
  /** Where callback results too large for Step Functions are written (FANOUT_RESULT_S3_PREFIX). */
  readonly resultBucket: s3.IBucket;
  /** The concurrency pool's table and limits, when the fan-out uses one. */
  readonly pool?: PoolBinding;
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
    stopRules: decisions.stopRules,
    paths: itemStatePaths(decisions.batching !== undefined, decisions.stopRules.resizes !== undefined),
    taskSize: { cpu: sources.taskDefinition.cpu, memoryMiB: sources.taskDefinition.memoryMiB },
    reportsCapacity: decisions.capacity !== FanOutCapacity.ON_DEMAND,
    callbackEnvironment: decisions.callback ? callbackEnvironment(decisions, sources.resultBucket) : [],
    spill: { resultBucket: sources.resultBucket, resultPrefix: decisions.resultPrefix },
    pool: sources.pool && decisions.pool ? { binding: sources.pool, cpuUnits: decisions.pool.cpuUnits } : undefined,
  };
  const paced = decisions.launchPacing.paced;
  return (scope, placement) => {
    const runner = buildItemRunner(scope, settings, placement);
    return paced && placement.inChild ? paceLaunch(scope).next(runner) : runner;
  };
}

/**
 * The first-wave Wait of a paced Distributed Map child: the seconds its ItemSelector computed
 * from the item's index (0 after the first wave, which completes at once).
 */
function paceLaunch(scope: Construct): sfn.Wait {
  return new sfn.Wait(scope, 'ChildPaceLaunch', {
    stateName: ItemStateNames.DISTRIBUTED_PACE_LAUNCH,
    comment: 'Starts the first wave at the RunTask rate: this item\'s group of the first wave waits its second; later items wait 0 s.',
    time: sfn.WaitTime.secondsPath(`$.${LAUNCH_DELAY_FIELD}`),
  });
}

/** How often to heartbeat, and where large results go (the worker runtime reads both). */
function callbackEnvironment(decisions: FanOutDecisions, resultBucket: s3.IBucket): Array<{ name: string; value: string }> {
  const interval = decisions.timeouts.heartbeatIntervalSeconds;
  return [
    ...(interval !== undefined ? [{ name: FanOutEnvironment.HEARTBEAT_SECONDS, value: String(interval) }] : []),
    { name: FanOutEnvironment.RESULT_S3_PREFIX, value: callbackResultS3Prefix(resultBucket.bucketName, decisions.resultPrefix) },
  ];
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
 * `ecs:runTask.sync` and retries throttling and capacity errors; a task that stops is read (its
 * StopCode, StoppedReason, exit code) and the stop rules decide whether it runs again; with Spot
 * and on-demand fallback, a Spot task first and an on-demand task for items Spot could not
 * finish; with the callback pattern, a `.waitForTaskToken` task that is stopped when it stops
 * reporting.
 */
function buildItemRunner(scope: Construct, settings: ItemTaskSettings, placement: ItemRunnerPlacement): sfn.IChainable {
  if (settings.integrationPattern === FanOutIntegrationPattern.CALLBACK) {
    return callbackRunner(scope, settings, placement);
  }
  const where = placement.inChild ? 'Child' : 'Inline';
  const name = (inlineName: string) => stateNameFor(inlineName, placement);
  const pooled = settings.pool !== undefined;
  if (pooled && !placement.inChild) {
    throw new Error('buildItemRunner: a pooled item runs in a Distributed Map child only (see decidePoolUse)');
  }
  const classifier = new StopClassifier(scope, settings.stopRules, name, where, settings.paths, settings.taskSize, pooled ? [POOL_OWNER_FIELD] : []);
  // With a pool, every exit gives the slot back first: one release before the item's record on
  // success, one before its failure record (every failure path, the stop rules' included, ends there).
  const failed = pooled
    ? poolRelease(scope, settings, ItemPoolPrefixes.RELEASE_ON_ERROR, childFailurePath(scope, settings.paths))
    : placement.inChild ? childFailurePath(scope, settings.paths) : placement.recordFailure!;
  const spotFirst = settings.capacity !== FanOutCapacity.ON_DEMAND;

  const onDemandCapacity = settings.capacity === FanOutCapacity.ON_DEMAND ? undefined : CapacityProviderNames.ON_DEMAND;
  const firstCapacity = spotFirst ? CapacityProviderNames.SPOT : onDemandCapacity;
  const first = runTask(scope, `${where}RunTask${spotFirst && settings.capacity !== FanOutCapacity.SPOT ? 'OnSpot' : ''}`,
    name(ItemStateNames.INLINE_TASK), settings, firstCapacity, spotFirst && settings.capacity !== FanOutCapacity.SPOT ? 'spot' : 'final', placement.inChild,
    classifier);
  const onDemand = settings.capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK
    ? runTask(scope, `${where}RunTaskOnDemand`, name(ItemStateNames.INLINE_ON_DEMAND_TASK), settings, CapacityProviderNames.ON_DEMAND, 'final', placement.inChild, classifier)
    : undefined;

  const succeeded = placement.inChild
    ? new sfn.Pass(scope, `${where}ItemSucceeded`, {
      stateName: name(ItemStateNames.INLINE_ITEM_SUCCEEDED),
      comment: 'The item\'s record: what its last task said, how many tasks it took and its earlier tasks.',
      parameters: classifier.succeededRecord(),
    })
    : new sfn.Succeed(scope, `${where}ItemSucceeded`, {
      stateName: name(ItemStateNames.INLINE_ITEM_SUCCEEDED),
      comment: 'The item succeeded: the Map keeps only which capacity ran it.',
      outputPath: `${settings.paths.stop}.summary`,
    });
  const succeededAfterRelease = pooled ? poolRelease(scope, settings, ItemPoolPrefixes.RELEASE, succeeded) : succeeded;

  // A Spot task RunTask could not start (no Spot capacity, throttled past its retries) runs on
  // on-demand; elsewhere such an item fails.
  const spill = (suffix: string, next: sfn.IChainable) => (settings.spill
    ? buildItemSpill(scope, { suffix, where, stateName: name, ...settings.spill, batched: settings.batched, next, failed })
    : undefined);
  wireTask(scope, first, {
    suffix: '',
    capacity: firstCapacity ?? CapacityProviderNames.ON_DEMAND,
    task: first,
    fallback: onDemand,
    failed,
  }, classifier, name, where, succeededAfterRelease, onDemand ?? failed, spill('', first));
  if (onDemand) {
    // The on-demand run keeps the slot the Spot run took.
    wireTask(scope, onDemand, { suffix: 'OnDemand', capacity: CapacityProviderNames.ON_DEMAND, task: onDemand, failed }, classifier, name, where,
      succeededAfterRelease, failed, spill('OnDemand', onDemand));
  }
  return pooled ? buildPoolAcquire(scope, settings.pool!.binding, poolOptions(settings, ItemPoolPrefixes.ACQUIRE), first) : first;
}

/** Where a child's pool states read its slot: the item's index, owned by the parent execution. */
function poolOptions(settings: ItemTaskSettings, prefix: string) {
  return { prefix, cpuUnits: settings.pool!.cpuUnits, slotPath: '$.index', ownerPath: `$.${POOL_OWNER_FIELD}` };
}

/** Gives the item's slot back, then goes to `next`. */
function poolRelease(scope: Construct, settings: ItemTaskSettings, prefix: string, next: sfn.IChainable): sfn.IChainable {
  return buildPoolRelease(scope, settings.pool!.binding, poolOptions(settings, prefix), next);
}

/**
 * The states after one task state: on success, a Spot task's stop is checked (an interrupted
 * task can exit 0) and the item's record kept; on failure, the stopped task is read from the
 * Cause (when it is a task description) and the stop rules applied.
 */
function wireTask(scope: Construct, task: tasks.EcsRunTask, loop: TaskLoop, classifier: StopClassifier,
  name: (inlineName: string) => string, where: string, succeeded: sfn.IChainable, refused: sfn.IChainable, spill?: sfn.IChainable): void {
  const classify = classifier.classify(loop);
  const readStop = new sfn.Pass(scope, `${where}ReadStop${loop.suffix}`, {
    stateName: name(`${ItemStateNames.INLINE_READ_STOP}${loop.suffix}`),
    comment: 'Parses the stopped task\'s description (the failure\'s Cause) once.',
    parameters: { task: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.failure.Cause')), ...classifier.runFieldsOf(loop.capacity) },
    resultPath: classifier.stopPath,
  }).next(classify);
  const isStopDescribed = new sfn.Choice(scope, `${where}IsStopDescribed${loop.suffix}`, {
    stateName: name(`${ItemStateNames.INLINE_IS_STOP_DESCRIBED}${loop.suffix}`),
    comment: 'A .sync failure\'s Cause is the stopped task\'s description as JSON; anything else (a timeout) fails the item as it is.',
  })
    .when(sfn.Condition.stringMatches('$.failure.Cause', '{*}'), readStop)
    .otherwise(loop.failed);
  // Catchers are tried in order, and States.TaskFailed matches every error but States.Timeout:
  // the RunTask refusals come first, so that only a task that ran is read as one.
  task.addCatch(classifier.rateLimitedOrFail(loop, spill), { errors: [ERROR_ECS_INVALID_PARAMETER], resultPath: '$.failure' });
  task.addCatch(refused, { errors: [ERROR_ECS_EXCEPTION, ERROR_ECS_UNKNOWN], resultPath: '$.failure' });
  task.addCatch(isStopDescribed, { errors: [ERROR_TASK_FAILED], resultPath: '$.failure' });
  task.addCatch(loop.failed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  if (loop.capacity === CapacityProviderNames.SPOT) {
    // A Spot task can be interrupted and still exit 0 (its container handled SIGTERM, as AWS
    // advises): .sync then reports a success. AWS does not document whether it does; this check
    // is right either way.
    task.next(new sfn.Choice(scope, `${where}WasStoppedBySpot${loop.suffix}`, {
      stateName: name(`${ItemStateNames.INLINE_WAS_STOPPED_BY_SPOT}${loop.suffix}`),
      comment: 'A Spot task can be interrupted and still exit 0: its StopCode and StoppedReason say so.',
    })
      .when(spotInterruptedCondition(classifier.paths), classify)
      .otherwise(succeeded));
  } else {
    task.next(succeeded);
  }
}

/**
 * In a Distributed Map child, a failed item fails the child, so that the Map Run counts and
 * lists it: its error, and as its cause the item's record (JSON), which the result writer keeps.
 */
function childFailurePath(scope: Construct, paths: ItemStatePaths): sfn.IChainable {
  const describe = new sfn.Pass(scope, 'ChildDescribeItemFailure', {
    stateName: ItemStateNames.DISTRIBUTED_DESCRIBE_FAILURE,
    comment: 'The failed item\'s record: its error, what its last task said, how many tasks it took.',
    parameters: failedRecord(paths),
    resultPath: '$.record',
  });
  const cause = new sfn.Pass(scope, 'ChildItemFailureCause', {
    stateName: ItemStateNames.DISTRIBUTED_FAILURE_CAUSE,
    comment: 'The record as the child\'s cause (a JSON string).',
    parameters: {
      Error: sfn.JsonPath.stringAt('$.failure.Error'),
      Cause: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.record')),
    },
  });
  return describe.next(cause).next(new sfn.Fail(scope, 'ChildItemFailed', {
    stateName: ItemStateNames.DISTRIBUTED_ITEM_FAILED,
    comment: 'Fails the child with the item\'s error and record, so the Map Run lists them.',
    errorPath: '$.Error',
    causePath: '$.Cause',
  }));
}

/**
 * One `ecs:runTask.sync` (or `.waitForTaskToken`) Task. `role` 'spot' is the first try of a
 * Spot-with-fallback item; 'final' tasks get the full retries of where they run.
 */
function runTask(scope: Construct, id: string, stateName: string, settings: ItemTaskSettings,
  capacityProvider: string | undefined, role: 'spot' | 'final', inChild: boolean, classifier?: StopClassifier): tasks.EcsRunTask {
  const callback = settings.integrationPattern === FanOutIntegrationPattern.CALLBACK;
  const environment = settings.batched
    ? [{ name: FanOutEnvironment.ITEMS, value: sfn.JsonPath.jsonToString(sfn.JsonPath.listAt('$.Items')) }]
    : [{ name: FanOutEnvironment.ITEM, value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.item')) }];
  if (callback) {
    environment.push({ name: FanOutEnvironment.TASK_TOKEN, value: sfn.JsonPath.taskToken }, ...settings.callbackEnvironment);
  }
  const fargate = new tasks.EcsFargateLaunchTarget({
    platformVersion: ecs.FargatePlatformVersion.LATEST,
    capacityProviderOptions: capacityProvider
      ? tasks.CapacityProviderOptions.custom([{ capacityProvider, weight: 1 }])
      : undefined,
  });
  // A callback result is what the container sent. A .sync result is the task's description
  // (kilobytes): it is kept beside the item while its stop is read, and reduced to the item's
  // record (or, in the inline Map, to which capacity ran it) when the item ends.
  const resultSelector: { [key: string]: any } = callback
    ? { ...(capacityProvider ? { capacity: capacityProvider } : {}), result: sfn.JsonPath.objectAt('$') }
    : classifier!.stopOfResult(capacityProvider ?? CapacityProviderNames.ON_DEMAND, settings.reportsCapacity);
  const resizes = !callback && settings.paths.resized;
  // The callback pattern runs RunTask through the SDK integration, which takes StartedBy (see sdk-run-task.ts).
  const taskProps: tasks.EcsRunTaskJsonPathProps = {
    stateName,
    comment: `Runs the container${capacityProvider ? ` on ${capacityProvider}` : ''} and `
      + (callback ? 'waits for its callback (.waitForTaskToken).' : 'waits for it to stop (.sync).'),
    integrationPattern: callback ? sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN : sfn.IntegrationPattern.RUN_JOB,
    cluster: settings.cluster,
    taskDefinition: settings.taskDefinition,
    launchTarget: callback ? new StartedByLaunchTarget(fargate, `${CALLBACK_PATH}.startedBy`) : fargate,
    containerOverrides: [{ containerDefinition: settings.container, environment }],
    // After an out-of-memory kill the next task runs at the next size (task-level overrides).
    cpu: resizes ? sfn.JsonPath.stringAt(`${settings.paths.retry}.cpu`) : undefined,
    memoryMiB: resizes ? sfn.JsonPath.stringAt(`${settings.paths.retry}.memory`) : undefined,
    subnets: settings.subnets,
    securityGroups: settings.securityGroups,
    assignPublicIp: settings.assignPublicIp,
    taskTimeout: sfn.Timeout.duration(settings.taskTimeout),
    heartbeatTimeout: callback && settings.heartbeatTimeout ? sfn.Timeout.duration(settings.heartbeatTimeout) : undefined,
    resultSelector,
    resultPath: callback ? undefined : settings.paths.stop,
  };
  const task = callback ? new SdkCallbackRunTask(scope, id, taskProps) : tasks.EcsRunTask.jsonPath(scope, id, taskProps);
  const { throttleRetry, distributedThrottleRetry, taskRetry } = settings;
  if (callback) {
    // Refusals as the SDK integration names them; a retrier whose errors all vanish (a `failures`
    // list is no error there) is left out.
    const addSdkRetry = (policy: FanOutRetryPolicy) => {
      const errors = sdkErrorNames(policy.errors);
      if (errors.length > 0) task.addRetry(toRetryProps({ ...policy, errors }));
    };
    if (inChild && distributedThrottleRetry && role === 'final') {
      addSdkRetry(distributedThrottleRetry);
      addSdkRetry({ ...throttleRetry, errors: throttleRetry.errors.filter((e) => !RATE_AND_CAPACITY_ERRORS.includes(e)) });
    } else {
      addSdkRetry(throttleRetry);
    }
    // A worker told to stop reports FanOut.Interrupted: its item did not finish and runs again.
    task.addRetry({
      errors: [ERROR_WORKER_INTERRUPTED],
      maxAttempts: CALLBACK_INTERRUPTED_RETRIES,
      interval: Duration.seconds(10),
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    if (taskRetry) {
      task.addRetry(toRetryProps(taskRetry));
    }
    return task;
  }
  // Run job: rate and capacity errors are retried where the task is; ECS.InvalidParameterException
  // a few times quickly, then its Cause decides (see StopClassifier.rateLimitedOrFail).
  const rateAndCapacity = inChild && distributedThrottleRetry && role === 'final' ? distributedThrottleRetry : throttleRetry;
  const rateErrors = rateAndCapacity.errors.filter((e) => e !== ERROR_ECS_INVALID_PARAMETER);
  if (rateErrors.length > 0) {
    task.addRetry(toRetryProps({ ...rateAndCapacity, errors: rateErrors }));
  }
  task.addRetry({
    errors: [ERROR_ECS_INVALID_PARAMETER],
    maxAttempts: INVALID_PARAMETER_QUICK_RETRIES,
    interval: Duration.seconds(1),
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
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
    rename: stateNameFor(ItemStateNames.INLINE_RENAME_TASK, placement),
    tooLarge: stateNameFor(ItemStateNames.INLINE_IS_ITEM_TOO_LARGE, placement),
  };
  const capacity = settings.capacity === FanOutCapacity.SPOT ? CapacityProviderNames.SPOT : undefined;

  const nameTask = new sfn.Pass(scope, `${where}NameTask`, {
    stateName: names.name,
    comment: 'Gives the item\'s task a unique startedBy id, to find and stop it if its callback never comes.',
    parameters: { startedBy: sfn.JsonPath.uuid(), reruns: 0 },
    resultPath: CALLBACK_PATH,
  });
  const renameTask = new sfn.Pass(scope, `${where}RenameTask`, {
    stateName: names.rename,
    comment: 'The task never started or died without calling back: a new startedBy id for the next task, and one rerun counted.',
    parameters: { 'startedBy': sfn.JsonPath.uuid(), 'reruns.$': `States.MathAdd(${CALLBACK_PATH}.reruns, 1)` },
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
  // A task still running is hung: stop it and fail the item. None running: the task never
  // started (a RunTask `failures` list is no error to the SDK integration) or died without
  // calling back; the item did not finish, so it runs again a few times.
  const isRunning = new sfn.Choice(scope, `${where}IsTimedOutTaskRunning`, { stateName: names.isRunning })
    .when(sfn.Condition.isPresent('$.timedOut.taskArns[0]'), stop)
    .when(sfn.Condition.numberLessThan(`${CALLBACK_PATH}.reruns`, CALLBACK_NOT_RUNNING_RERUNS), renameTask)
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
  if (settings.spill) {
    // A refusal that outlasted its retries and is no rate limit may be the item's size: one try
    // with the item in S3, as for the run job (see item-spill.ts).
    const tooLarge = new sfn.Choice(scope, `${where}IsItemTooLarge`, {
      stateName: names.tooLarge,
      comment: 'Ecs.InvalidParameterException outlasted its retries: unless it is a rate limit or the item is already in S3, write the item to S3.',
    })
      .when(mayBeTooLarge(settings.batched),
        buildItemSpill(scope, {
          suffix: '', where, stateName: (inlineName) => stateNameFor(inlineName, placement), ...settings.spill, batched: settings.batched, next: task, failed,
        }))
      .otherwise(failed);
    task.addCatch(tooLarge, { errors: [ERROR_ECS_SDK_INVALID_PARAMETER], resultPath: '$.failure' });
  }
  if (placement.recordFailure) {
    task.addCatch(placement.recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  }
  renameTask.next(task);
  return nameTask.next(task);
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
