import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { failedRecord, LEFT_OUT, succeededRecord } from './item-record';
import { ItemPoolPrefixes, ItemRunnerPlacement, ItemRunnerSources, ItemStateNames, POOL_OWNER_FIELD, stateNameFor } from './item-runner';
import { buildItemSpill } from './item-spill';
import { runFields } from './item-state';
import { runTask } from './run-task';
import { buildPoolAcquire } from '../../concurrency-pool/private/pool-acquire';
import { buildPoolRelease } from '../../concurrency-pool/private/pool-release';
import {
  CapacityProviderNames, ERROR_ECS_EXCEPTION, ERROR_ECS_INVALID_PARAMETER, ERROR_ECS_UNKNOWN, ERROR_TASK_FAILED,
  HISTORY_EVENTS_PER_INLINE_ITEM, HISTORY_EVENTS_PER_PASS_STATE,
} from '../../facts';
import { RetryRuleStates, TaskLoop } from '../../retries/private/retry-rule-states';
import { afterSpotTask } from '../../retries/private/spot';
import { FanOutCapacity } from '../../task/capacity';

/**
 * Events reading a Spot task's stop adds at worst: after a failure, whether the Cause describes
 * the task (a Choice), parsing it (a Pass) and whether Spot stopped it (a Choice).
 */
export const SPOT_STOP_READ_EVENTS = 3 * HISTORY_EVENTS_PER_PASS_STATE;

/**
 * Events an on-demand fallback run adds: another Task state's events, reading the Spot task's
 * stop before it and counting the Spot task (a Pass).
 */
export const FALLBACK_RUN_EVENTS = HISTORY_EVENTS_PER_INLINE_ITEM + SPOT_STOP_READ_EVENTS + HISTORY_EVENTS_PER_PASS_STATE;

/**
 * Events the run job's end of an item adds at worst: on failure, the reading of its stop (a
 * Choice, a Pass, the rules' Choice) before the failure record. On success, none where the task
 * state ends the item itself (issue 23), a Pass for the record after a Spot task's check or a
 * pool's release.
 */
export const ITEM_RECORD_EVENTS = 3 * HISTORY_EVENTS_PER_PASS_STATE;

/**
 * The run job: a Task that runs the container with `ecs:runTask.sync` and retries refused calls;
 * a task that stops is read (its StopCode, StoppedReason, exit code) and the retry rules decide
 * whether it runs again; with Spot and on-demand fallback, a Spot task first and an on-demand
 * task for items Spot could not finish; with a concurrency pool, a slot taken before the first
 * task and given back on every way out.
 */
export function buildRunJobRunner(scope: Construct, sources: ItemRunnerSources, placement: ItemRunnerPlacement): sfn.IChainable {
  const { decisions } = sources;
  const paths = decisions.itemState;
  const where = placement.inChild ? 'Child' : 'Inline';
  const name = (inlineName: string) => stateNameFor(inlineName, placement);
  const pool = sources.pool && decisions.pool ? { binding: sources.pool, cpuUnits: decisions.pool.cpuUnits } : undefined;
  if (pool && !placement.inChild) {
    throw new Error('buildRunJobRunner: a pooled item runs in a Distributed Map child only (see decidePoolUse)');
  }
  const poolOptions = (prefix: string) => ({ prefix, cpuUnits: pool!.cpuUnits, slotPath: '$.index', ownerPath: `$.${POOL_OWNER_FIELD}` });
  const poolRelease = (prefix: string, next: sfn.IChainable) => buildPoolRelease(scope, pool!.binding, poolOptions(prefix), next);
  const rules = new RetryRuleStates(scope, {
    decision: decisions.retryRules, stateName: name, where, paths, carried: pool ? [POOL_OWNER_FIELD] : [],
  });
  // With a pool, every exit gives the slot back first: one release before the item's record on
  // success, one before its failure record (every failure path, the retry rules' included, ends there).
  const failed = pool
    ? poolRelease(ItemPoolPrefixes.RELEASE_ON_ERROR, childFailurePath(scope, sources))
    : placement.inChild ? childFailurePath(scope, sources) : placement.recordFailure!;
  const { capacity } = decisions;
  const spotFirst = capacity !== FanOutCapacity.ON_DEMAND;
  const fallsBack = capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK;

  const firstCapacity = spotFirst ? CapacityProviderNames.SPOT : undefined;
  // A task whose success needs nothing more (no Spot check, no slot to give back) ends the item
  // itself: one transition per item on the success path (issue 23).
  const endsItem = (capacityProvider?: string) => !pool && capacityProvider !== CapacityProviderNames.SPOT;
  const first = runTask(scope, sources, {
    id: `${where}RunTask${fallsBack ? 'OnSpot' : ''}`,
    stateName: name(ItemStateNames.INLINE_TASK),
    capacityProvider: firstCapacity,
    childRetries: placement.inChild && !fallsBack,
    endsItem: endsItem(firstCapacity),
    inChild: placement.inChild,
  });
  const onDemand = fallsBack
    ? runTask(scope, sources, {
      id: `${where}RunTaskOnDemand`,
      stateName: name(ItemStateNames.INLINE_ON_DEMAND_TASK),
      capacityProvider: CapacityProviderNames.ON_DEMAND,
      childRetries: placement.inChild,
      endsItem: endsItem(CapacityProviderNames.ON_DEMAND),
      inChild: placement.inChild,
    })
    : undefined;

  const succeeded = () => placement.inChild
    ? new sfn.Pass(scope, `${where}ItemSucceeded`, {
      stateName: name(ItemStateNames.INLINE_ITEM_SUCCEEDED),
      comment: 'The item\'s record: what its last task said, how many tasks it took and its earlier tasks.',
      parameters: succeededRecord(paths),
    })
    : new sfn.Succeed(scope, `${where}ItemSucceeded`, {
      stateName: name(ItemStateNames.INLINE_ITEM_SUCCEEDED),
      comment: 'The item succeeded: the Map keeps only which capacity ran it.',
      outputPath: `${paths.stop}.summary`,
    });
  // Only where a task's success does not end the item (a Spot task's check, a pool's release).
  const succeededAfterRelease = spotFirst || pool ? (pool ? poolRelease(ItemPoolPrefixes.RELEASE, succeeded()) : succeeded()) : undefined;

  // A Spot task RunTask could not start (no Spot capacity, throttled past its retries) runs on
  // on-demand; elsewhere such an item fails.
  const spill = (suffix: string, next: sfn.IChainable) => buildItemSpill(scope, {
    suffix, where, stateName: name, resultBucket: sources.resultBucket, resultPrefix: decisions.resultPrefix, batched: paths.batched, next, failed,
  });
  const size = { cpu: sources.taskDefinition.cpu, memoryMiB: sources.taskDefinition.memoryMiB };
  const wiring = { rules, name, where, succeeded: succeededAfterRelease, size };
  wireTask(scope, first, {
    loop: { suffix: '', capacity: firstCapacity ?? CapacityProviderNames.ON_DEMAND, task: first, fallback: onDemand, failed },
    refused: onDemand ?? failed,
    spill: spill('', first),
    ...wiring,
    endsItem: endsItem(firstCapacity),
  });
  if (onDemand) {
    // The on-demand run keeps the slot the Spot run took.
    wireTask(scope, onDemand, {
      loop: { suffix: 'OnDemand', capacity: CapacityProviderNames.ON_DEMAND, task: onDemand, failed },
      refused: failed,
      spill: spill('OnDemand', onDemand),
      ...wiring,
      endsItem: endsItem(CapacityProviderNames.ON_DEMAND),
    });
  }
  return pool ? buildPoolAcquire(scope, pool.binding, poolOptions(ItemPoolPrefixes.ACQUIRE), first) : first;
}

/** What the states after one task state are wired to. */
interface TaskWiring {
  readonly loop: TaskLoop;
  readonly rules: RetryRuleStates;
  readonly name: (inlineName: string) => string;
  readonly where: string;
  /** Where a task that succeeded goes, unless its success ends the item. */
  readonly succeeded?: sfn.IChainable;
  /** True when the task's success ends the item (runTask's endsItem): it is the item's last state. */
  readonly endsItem: boolean;
  /** Where a RunTask refused past its retries goes (the on-demand fallback, or the failure). */
  readonly refused: sfn.IChainable;
  /** The item's write to S3 when it may be too large for the overrides. */
  readonly spill: sfn.IChainable;
  /** The task's size, as ECS describes it. */
  readonly size: { cpu: number; memoryMiB: number };
}

/**
 * The states after one task state: on success, a Spot task's stop is checked (an interrupted
 * task can exit 0) and the item's record kept; on failure, the stopped task is read from the
 * Cause (when it is a task description) and the retry rules applied.
 */
function wireTask(scope: Construct, task: tasks.EcsRunTask, wiring: TaskWiring): void {
  const { loop, rules, name, where } = wiring;
  const applyRules = rules.applyRules(loop);
  // The record reads the task's fields where they are always present (item-record.ts): the
  // description is merged over the empty stop's left-out fields, and where the Cause names no exit
  // code, `ExitCode: []` is kept beside it for the record's deep scan to find.
  const readStop = (withExitCode: boolean) => new sfn.Pass(scope, `${where}ReadStop${withExitCode ? '' : 'WithoutExitCode'}${loop.suffix}`, {
    stateName: name(`${ItemStateNames.INLINE_READ_STOP}${withExitCode ? '' : 'WithoutExitCode'}${loop.suffix}`),
    comment: withExitCode
      ? 'Parses the stopped task\'s description (the failure\'s Cause) once, over the left-out fields the record reads.'
      : 'Parses the stopped task\'s description, which has no exit code, over the left-out fields the record reads.',
    parameters: {
      task: sfn.JsonPath.jsonMerge(sfn.JsonPath.objectAt(`${rules.paths.stop}.task`), sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.failure.Cause'))),
      ...(withExitCode ? {} : { ExitCode: [...LEFT_OUT] }),
      ...runFields(rules.paths, wiring.size, loop.capacity),
    },
    resultPath: rules.paths.stop,
  }).next(applyRules);
  const isStopDescribed = new sfn.Choice(scope, `${where}IsStopDescribed${loop.suffix}`, {
    stateName: name(`${ItemStateNames.INLINE_IS_STOP_DESCRIBED}${loop.suffix}`),
    comment: 'A .sync failure\'s Cause is the stopped task\'s description as JSON (with or without an exit code, a key only the description writes unescaped); anything else (a timeout) fails the item as it is.',
  })
    .when(sfn.Condition.stringMatches('$.failure.Cause', '{*"ExitCode"*}'), readStop(true))
    .when(sfn.Condition.stringMatches('$.failure.Cause', '{*}'), readStop(false))
    .otherwise(loop.failed);
  // Catchers are tried in order, and States.TaskFailed matches every error but States.Timeout:
  // the RunTask refusals come first, so that only a task that ran is read as one.
  task.addCatch(rules.rateLimitedOrFail(loop, wiring.spill), { errors: [ERROR_ECS_INVALID_PARAMETER], resultPath: '$.failure' });
  task.addCatch(wiring.refused, { errors: [ERROR_ECS_EXCEPTION, ERROR_ECS_UNKNOWN], resultPath: '$.failure' });
  task.addCatch(isStopDescribed, { errors: [ERROR_TASK_FAILED], resultPath: '$.failure' });
  task.addCatch(loop.failed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  if (loop.capacity === CapacityProviderNames.SPOT) {
    task.next(afterSpotTask(scope, {
      id: `${where}WasStoppedBySpot${loop.suffix}`,
      stateName: name(`${ItemStateNames.INLINE_WAS_STOPPED_BY_SPOT}${loop.suffix}`),
      stopPath: rules.paths.stop,
      interrupted: applyRules,
      succeeded: wiring.succeeded!,
    }));
  } else if (!wiring.endsItem) {
    task.next(wiring.succeeded!);
  }
}

/**
 * In a Distributed Map child, a failed item fails the child, so that the Map Run counts and
 * lists it: its error, and as its cause the item's record (JSON), which the result writer keeps.
 */
function childFailurePath(scope: Construct, sources: ItemRunnerSources): sfn.IChainable {
  const describe = new sfn.Pass(scope, 'ChildDescribeItemFailure', {
    stateName: ItemStateNames.DISTRIBUTED_DESCRIBE_FAILURE,
    comment: 'The failed item\'s record: its error, what its last task said, how many tasks it took.',
    parameters: failedRecord(sources.decisions.itemState),
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
