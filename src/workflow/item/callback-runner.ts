import { Arn, Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ItemRunnerPlacement, ItemRunnerSources, ItemStateNames, stateNameFor } from './item-runner';
import { buildItemSpill, mayBeTooLarge } from './item-spill';
import { CALLBACK_PATH, runTask } from './run-task';
import { CapacityProviderNames, ERROR_ECS_SDK_INVALID_PARAMETER, ERROR_HEARTBEAT_TIMEOUT, ERROR_TIMEOUT, HISTORY_EVENTS_PER_INLINE_ITEM, HISTORY_EVENTS_PER_PASS_STATE, HISTORY_EVENTS_PER_RETRY, HISTORY_EVENTS_PER_SDK_CALL } from '../../facts';
import { FanOutDecisions } from '../../fan-out-decisions';
import { callbackResultS3Prefix } from '../../items/private/batch-limits';
import { retryEveryError, toRetryProps } from '../../retries/private/retry-policy';
import { FanOutCapacity } from '../../task/capacity';
import { FanOutEnvironment } from '../../task/environment';

/**
 * The error the worker runtime reports when its container was told to stop (SIGTERM: a Spot
 * interruption's warning, StopTask) before the handler finished: the item did not run to its end
 * and is run again (see worker/README.md).
 */
export const ERROR_WORKER_INTERRUPTED = 'FanOut.Interrupted';

/** Reruns of an item whose worker reported FanOut.Interrupted. */
export const CALLBACK_INTERRUPTED_RETRIES = 3;

/**
 * Reruns of a callback item whose task cannot be found running after a heartbeat timeout or
 * timeout: a task that never started (RunTask through the SDK integration may answer with a
 * `failures` list, no capacity or the vCPU quota, which AWS does not document as an error of
 * `.waitForTaskToken`, so the state waits for a token no task will send) or one that died
 * without calling back. Either way the item did not finish. If Step Functions fails the state on
 * such an answer instead, the item fails with that error and is reported, never lost.
 */
export const CALLBACK_NOT_RUNNING_RERUNS = 2;

/** Retries the callback pattern allows each of its ECS calls (ListTasks, StopTask). */
export const CALLBACK_CALL_RETRIES = 5;

/**
 * Events the callback pattern adds to one item at worst: naming the task (a Pass), then, after a
 * timeout, finding and stopping the task (two SDK calls, each with all its retries) and the
 * Choice between them.
 */
export const CALLBACK_WORST_CASE_EVENTS = HISTORY_EVENTS_PER_PASS_STATE
  + 2 * (HISTORY_EVENTS_PER_SDK_CALL + CALLBACK_CALL_RETRIES * HISTORY_EVENTS_PER_RETRY)
  + HISTORY_EVENTS_PER_PASS_STATE;

/**
 * Events one rerun of a callback item whose task was not running adds: the task state again,
 * the search for the task (an SDK call with all its retries), the Choice on what it found and
 * naming the next task (a Pass).
 */
export const CALLBACK_NOT_RUNNING_RERUN_EVENTS = HISTORY_EVENTS_PER_INLINE_ITEM
  + HISTORY_EVENTS_PER_SDK_CALL + CALLBACK_CALL_RETRIES * HISTORY_EVENTS_PER_RETRY
  + 2 * HISTORY_EVENTS_PER_PASS_STATE;

/**
 * The callback pattern: name the task (a `startedBy` id), run it with `.waitForTaskToken`, and
 * when no heartbeat or callback comes in time, find the task by that id and stop it. Step
 * Functions does not stop an ECS task whose callback state timed out, and the task's ARN is not
 * returned to a `.waitForTaskToken` state, hence the id.
 */
export function buildCallbackRunner(scope: Construct, sources: ItemRunnerSources, placement: ItemRunnerPlacement): sfn.IChainable {
  const { decisions, cluster } = sources;
  const where = placement.inChild ? 'Child' : 'Inline';
  const name = (inlineName: string) => stateNameFor(inlineName, placement);

  const nameTask = new sfn.Pass(scope, `${where}NameTask`, {
    stateName: name(ItemStateNames.INLINE_NAME_TASK),
    comment: 'Gives the item\'s task a unique startedBy id, to find and stop it if its callback never comes.',
    parameters: { startedBy: sfn.JsonPath.uuid(), reruns: 0 },
    resultPath: CALLBACK_PATH,
  });
  const renameTask = new sfn.Pass(scope, `${where}RenameTask`, {
    stateName: name(ItemStateNames.INLINE_RENAME_TASK),
    comment: 'The task never started or died without calling back: a new startedBy id for the next task, and one rerun counted.',
    parameters: { 'startedBy': sfn.JsonPath.uuid(), 'reruns.$': `States.MathAdd(${CALLBACK_PATH}.reruns, 1)` },
    resultPath: CALLBACK_PATH,
  });
  const task = runTask(scope, sources, {
    id: `${where}RunTask`,
    stateName: name(ItemStateNames.INLINE_TASK),
    capacityProvider: decisions.capacity === FanOutCapacity.SPOT ? CapacityProviderNames.SPOT : undefined,
    childRetries: placement.inChild,
    callbackEnvironment: callbackEnvironment(decisions, sources.resultBucket),
  });
  // A worker told to stop reports FanOut.Interrupted: its item did not finish and runs again.
  task.addRetry({
    errors: [ERROR_WORKER_INTERRUPTED],
    maxAttempts: CALLBACK_INTERRUPTED_RETRIES,
    interval: Duration.seconds(10),
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
  if (decisions.retries.task) {
    task.addRetry(toRetryProps(decisions.retries.task));
  }

  const failed = placement.recordFailure ?? new sfn.Fail(scope, `${where}ItemFailed`, {
    stateName: ItemStateNames.DISTRIBUTED_ITEM_FAILED,
    comment: 'Fails the child with the error and cause of the item\'s task, so the Map Run lists them.',
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const find = tasks.CallAwsService.jsonPath(scope, `${where}FindTimedOutTask`, {
    stateName: name(ItemStateNames.INLINE_FIND_TIMED_OUT_TASK),
    comment: 'Finds the task whose callback did not come, by its startedBy id.',
    service: 'ecs',
    action: 'listTasks',
    parameters: { Cluster: cluster.clusterArn, StartedBy: sfn.JsonPath.stringAt(`${CALLBACK_PATH}.startedBy`) },
    // ListTasks cannot be scoped to tasks (see required-wildcards.ts).
    iamResources: ['*'],
    iamAction: 'ecs:ListTasks',
    resultSelector: { taskArns: sfn.JsonPath.listAt('$.TaskArns') },
    resultPath: '$.timedOut',
  });
  const stop = tasks.CallAwsService.jsonPath(scope, `${where}StopTimedOutTask`, {
    stateName: name(ItemStateNames.INLINE_STOP_TIMED_OUT_TASK),
    comment: 'Stops the task: a timed-out callback state does not stop it by itself.',
    service: 'ecs',
    action: 'stopTask',
    parameters: {
      Cluster: cluster.clusterArn,
      Task: sfn.JsonPath.stringAt('$.timedOut.taskArns[0]'),
      Reason: 'cdk-fargate-fan-out: no heartbeat or callback in time',
    },
    iamResources: [Arn.format({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` }, Stack.of(scope))],
    iamAction: 'ecs:StopTask',
    resultPath: sfn.JsonPath.DISCARD,
  });
  // A task still running is hung: stop it and fail the item. None running: the task never
  // started (a RunTask `failures` list is no error to the SDK integration) or died without
  // calling back; the item did not finish, so it runs again a few times.
  const isRunning = new sfn.Choice(scope, `${where}IsTimedOutTaskRunning`, { stateName: name(ItemStateNames.INLINE_IS_TIMED_OUT_TASK_RUNNING) })
    .when(sfn.Condition.isPresent('$.timedOut.taskArns[0]'), stop)
    .when(sfn.Condition.numberLessThan(`${CALLBACK_PATH}.reruns`, CALLBACK_NOT_RUNNING_RERUNS), renameTask)
    .otherwise(failed);
  for (const call of [find, stop]) {
    call.addRetry(retryEveryError(CALLBACK_CALL_RETRIES, 2));
    // The item has failed either way; a task that could not be stopped is left to its own end.
    call.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.stopFailure' });
  }
  stop.next(failed);
  find.next(isRunning);

  task.addCatch(find, { errors: [ERROR_HEARTBEAT_TIMEOUT, ERROR_TIMEOUT], resultPath: '$.failure' });
  // A refusal that outlasted its retries and is no rate limit may be the item's size: one try
  // with the item in S3, as for the run job (see item-spill.ts).
  const tooLarge = new sfn.Choice(scope, `${where}IsItemTooLarge`, {
    stateName: name(ItemStateNames.INLINE_IS_ITEM_TOO_LARGE),
    comment: 'Ecs.InvalidParameterException outlasted its retries: unless it is a rate limit or the item is already in S3, write the item to S3.',
  })
    .when(mayBeTooLarge(decisions.itemState.batched), buildItemSpill(scope, {
      suffix: '', where, stateName: name, resultBucket: sources.resultBucket, resultPrefix: decisions.resultPrefix, batched: decisions.itemState.batched, next: task, failed,
    }))
    .otherwise(failed);
  task.addCatch(tooLarge, { errors: [ERROR_ECS_SDK_INVALID_PARAMETER], resultPath: '$.failure' });
  if (placement.recordFailure) {
    task.addCatch(placement.recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  }
  renameTask.next(task);
  return nameTask.next(task);
}

/** How often to heartbeat, and where large results go (the worker runtime reads both). */
function callbackEnvironment(decisions: FanOutDecisions, resultBucket: s3.IBucket): Array<{ name: string; value: string }> {
  const interval = decisions.timeouts.heartbeatIntervalSeconds;
  return [
    ...(interval !== undefined ? [{ name: FanOutEnvironment.HEARTBEAT_SECONDS, value: String(interval) }] : []),
    { name: FanOutEnvironment.RESULT_S3_PREFIX, value: callbackResultS3Prefix(resultBucket.bucketName, decisions.resultPrefix) },
  ];
}
