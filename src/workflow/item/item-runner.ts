import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildCallbackRunner } from './callback-runner';
import { initialItemState } from './item-state';
import { buildRunJobRunner } from './run-job-runner';
import { launchWaitSecondsExpression } from '../../concurrency/launch-pacing';
import { PoolBinding } from '../../concurrency-pool/private/pool-table';
import { FanOutDecisions } from '../../fan-out-decisions';

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

/** What the item runner is built from: the decisions, and the resources built from them. */
export interface ItemRunnerSources {
  readonly decisions: FanOutDecisions;
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Where items too large for the overrides and callback results too large for Step Functions are written. */
  readonly resultBucket: s3.IBucket;
  /** The concurrency pool's table and limits, when the fan-out uses one. */
  readonly pool?: PoolBinding;
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
 * Builds the states that run one item (or batch) where the workflow places it: with the run job
 * (`ecs:runTask.sync`, see run-job-runner.ts) or the callback pattern (`.waitForTaskToken`, see
 * callback-runner.ts), after the pacing Wait of a paced Distributed Map child.
 */
export function buildItemRunner(scope: Construct, sources: ItemRunnerSources, placement: ItemRunnerPlacement): sfn.IChainable {
  const runner = sources.decisions.callback
    ? buildCallbackRunner(scope, sources, placement)
    : buildRunJobRunner(scope, sources, placement);
  const { launchPacing } = sources.decisions;
  return launchPacing.paced && placement.inChild ? paceLaunch(scope, launchPacing.callsPerSecond).next(runner) : runner;
}

/**
 * What each item's state starts with besides the item (merged into the Map's ItemSelector or
 * BatchInput): its attempt counters (see item-state.ts) and, with a pool, the execution that owns
 * its slot; undefined with the callback pattern, whose container reports its own result.
 */
export function itemStartState(sources: ItemRunnerSources): { [key: string]: any } | undefined {
  const { decisions, taskDefinition } = sources;
  if (decisions.callback) {
    return undefined;
  }
  return {
    ...initialItemState(decisions.retryRules, { cpu: taskDefinition.cpu, memoryMiB: taskDefinition.memoryMiB }),
    // A child's slot is owned by the parent: its failure, timeout or abort gives the slot back.
    ...(decisions.pool ? { [POOL_OWNER_FIELD]: sfn.JsonPath.stringAt('$$.Execution.Id') } : {}),
  };
}

/** A state's name where it is built: in a Distributed Map child, the inline name + `InChild`. */
export function stateNameFor(inlineName: string, placement: ItemRunnerPlacement): string {
  return placement.inChild ? `${inlineName}InChild` : inlineName;
}

/**
 * The pacing Wait of a Distributed Map child: until the second its index is due at (see
 * launch-pacing.ts); 0 s for an item starting late, after that second.
 * JSONata, as JSONPath has no date arithmetic; its output is its input, the item, for the
 * JSONPath states that follow.
 */
function paceLaunch(scope: Construct, callsPerSecond: number): sfn.Wait {
  return sfn.Wait.jsonata(scope, 'ChildPaceLaunch', {
    stateName: ItemStateNames.DISTRIBUTED_PACE_LAUNCH,
    comment: `Starts items at the RunTask rate: item i waits until floor(i / ${callsPerSecond}) s after the run's start, if that is still ahead.`,
    time: sfn.WaitTime.seconds(launchWaitSecondsExpression(callsPerSecond)),
    // Said outright rather than left to the default output: the next states read the item.
    outputs: '{% $states.input %}',
  });
}
