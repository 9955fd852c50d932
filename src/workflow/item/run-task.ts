import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { LAST_TASK_FIELD, succeededTaskOfResult } from './item-record';
import { ItemRunnerSources } from './item-runner';
import { runFields, stopOfResult } from './item-state';
import { SdkCallbackRunTask, StartedByLaunchTarget } from './sdk-run-task';
import { CapacityProviderNames } from '../../facts';
import { addThrottleRetries } from '../../retries/private/throttle-retry';
import { FanOutEnvironment } from '../../task/environment';

/** Where the callback pattern keeps the `startedBy` id of an item's task, to find it again. */
export const CALLBACK_PATH = '$.callback';

/** One RunTask state of an item. */
export interface RunTaskOptions {
  /** Construct id. */
  readonly id: string;
  readonly stateName: string;
  /** The capacity provider it names; undefined: none (Fargate on-demand, the cluster's default). */
  readonly capacityProvider?: string;
  /**
   * True for a task that gets the full throttle retry of a Distributed Map child: every task in a
   * child but a Spot task before its on-demand fallback.
   */
  readonly childRetries: boolean;
  /** Environment entries the callback pattern's task gets besides its item and token. */
  readonly callbackEnvironment?: Array<{ name: string; value: string }>;
  /**
   * True for a `.sync` task whose success ends its item (no Spot check, no pool slot to give
   * back): it shapes what the item outputs itself, its record in a Distributed Map child (see
   * item-record.ts, LAST_TASK_FIELD) or which capacity ran it in the inline Map.
   */
  readonly endsItem?: boolean;
  /** True in a Distributed Map child (where the item's output is its record). */
  readonly inChild?: boolean;
}

/**
 * One `ecs:runTask.sync` (or `.waitForTaskToken`) Task that runs the container with the item in
 * its environment, with the retries of refused calls (see throttle-retry.ts).
 */
export function runTask(scope: Construct, sources: ItemRunnerSources, options: RunTaskOptions): tasks.EcsRunTask {
  const { decisions } = sources;
  const { callback, itemState: paths } = decisions;
  const { capacityProvider } = options;
  const environment = paths.batched
    ? [{ name: FanOutEnvironment.ITEMS, value: sfn.JsonPath.jsonToString(sfn.JsonPath.listAt('$.Items')) }]
    : [{ name: FanOutEnvironment.ITEM, value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.item')) }];
  if (callback) {
    environment.push({ name: FanOutEnvironment.TASK_TOKEN, value: sfn.JsonPath.taskToken }, ...(options.callbackEnvironment ?? []));
  }
  const fargate = new tasks.EcsFargateLaunchTarget({
    platformVersion: ecs.FargatePlatformVersion.LATEST,
    capacityProviderOptions: capacityProvider
      ? tasks.CapacityProviderOptions.custom([{ capacityProvider, weight: 1 }])
      : undefined,
  });
  const size = { cpu: sources.taskDefinition.cpu, memoryMiB: sources.taskDefinition.memoryMiB };
  // A callback result is what the container sent. A .sync result is the task's description
  // (kilobytes): it is kept beside the item while its stop is read, and reduced to the item's
  // record (or, in the inline Map, to which capacity ran it) when the item ends.
  const resultSelector: { [key: string]: any } = callback
    ? { ...(capacityProvider ? { capacity: capacityProvider } : {}), result: sfn.JsonPath.objectAt('$') }
    : stopOfResult(paths, size, capacityProvider ?? CapacityProviderNames.ON_DEMAND, decisions.reportsCapacity);
  const resizes = !callback && paths.resized;
  const capacity = capacityProvider ?? CapacityProviderNames.ON_DEMAND;
  // A task whose success ends its item outputs the item's end itself (one transition per item).
  const ends = !callback && options.endsItem ? (options.inChild
    ? { resultSelector: succeededTaskOfResult(paths.resized ? { capacity } : runFields(paths, size, capacity)), resultPath: `${paths.retry}.${LAST_TASK_FIELD}`, outputPath: paths.retry }
    : { resultSelector, resultPath: paths.stop, outputPath: `${paths.stop}.summary` }) : undefined;
  // The callback pattern runs RunTask through the SDK integration, which takes StartedBy (see sdk-run-task.ts).
  const taskProps: tasks.EcsRunTaskJsonPathProps = {
    stateName: options.stateName,
    comment: `Runs the container${capacityProvider ? ` on ${capacityProvider}` : ''} and `
      + (callback ? 'waits for its callback (.waitForTaskToken).' : 'waits for it to stop (.sync).'),
    integrationPattern: callback ? sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN : sfn.IntegrationPattern.RUN_JOB,
    cluster: sources.cluster,
    taskDefinition: sources.taskDefinition,
    launchTarget: callback ? new StartedByLaunchTarget(fargate, `${CALLBACK_PATH}.startedBy`) : fargate,
    containerOverrides: [{ containerDefinition: sources.container, environment }],
    // After an out-of-memory kill the next task runs at the next size (task-level overrides).
    cpu: resizes ? sfn.JsonPath.stringAt(`${paths.retry}.cpu`) : undefined,
    memoryMiB: resizes ? sfn.JsonPath.stringAt(`${paths.retry}.memory`) : undefined,
    subnets: decisions.network.subnets,
    securityGroups: sources.securityGroups,
    assignPublicIp: decisions.network.assignPublicIp,
    taskTimeout: sfn.Timeout.duration(decisions.timeouts.taskTimeout),
    heartbeatTimeout: callback && decisions.timeouts.heartbeatTimeout ? sfn.Timeout.duration(decisions.timeouts.heartbeatTimeout) : undefined,
    resultSelector: ends?.resultSelector ?? resultSelector,
    resultPath: ends?.resultPath ?? (callback ? undefined : paths.stop),
    outputPath: ends?.outputPath,
  };
  const task = callback ? new SdkCallbackRunTask(scope, options.id, taskProps) : tasks.EcsRunTask.jsonPath(scope, options.id, taskProps);
  addThrottleRetries(task, {
    throttle: decisions.retries.throttle,
    distributedThrottle: options.childRetries ? decisions.retries.distributedThrottle : undefined,
    sdk: callback,
  });
  return task;
}
