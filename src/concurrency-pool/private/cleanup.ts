import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { leaseGiveBack, PoolKeys } from './pool-table';
import {
  ECS_TASK_STATUS_STOPPED, ERROR_EXECUTION_DOES_NOT_EXIST, ERRORS_DYNAMODB_TRANSACTION_CANCELED, ERRORS_DYNAMODB_TRANSIENT, ERRORS_ECS_SDK_TRANSIENT,
  ERRORS_SFN_SDK_TRANSIENT, SFN_STATUS_RUNNING,
} from '../../facts';

/** Leases one sweep looks at: the oldest ones (a lease of an execution that ended only gets older). */
export const SWEEP_LEASES_PER_RUN = 100;

/** Leases whose holders are checked at once. */
export const CLEANUP_MAP_CONCURRENCY = 10;

/**
 * Events of an ended holder's history the cleanup reads, newest first: its end, and the
 * TaskSubmitted of a `.sync` task it was running when it ended (with a `TaskStateAborted`
 * between them, if AWS writes one). Few, because each event carries its data and a Task's
 * result may not exceed 256 KiB; an older task of the holder ended before its next state ran.
 */
export const HOLDER_HISTORY_EVENTS = 4;

/** State names of the cleanup state machine (the offline harness routes handlers by name). */
export const CleanupStateNames = {
  MODE: 'OwnerOrSweep',
  QUERY_OWNER: 'QueryOwnerLeases',
  QUERY_OWNER_NEXT: 'QueryMoreOwnerLeases',
  QUERY_OLDEST: 'QueryOldestLeases',
  EACH: 'CheckEachLease',
  DESCRIBE: 'DescribeHolder',
  RUNNING: 'IsHolderRunning',
  KEEP: 'KeepLease',
  HISTORY: 'ReadHolderLastTask',
  SUBMITTED_TASK: 'DidHolderSubmitTask',
  LIST_SUBMITTED: 'ListHolderSubmittedTasks',
  HAD_TASK: 'DidHolderRunTask',
  READ_TASK: 'ParseHolderTask',
  DESCRIBE_TASK: 'DescribeHolderTask',
  TASK_STOPPED: 'HasHolderTaskStopped',
  KEEP_TASK_RUNNING: 'KeepLeaseTaskRunning',
  GIVE_BACK: 'GiveLeaseBack',
  GONE: 'LeaseAlreadyGone',
  MORE: 'MoreLeases',
  DONE: 'Done',
} as const;

/**
 * The definition of the pool's cleanup: given `{ "owner": "<execution ARN>" }` (from the
 * status-change rule) it reads that execution's leases, page by page; given anything else (the
 * schedule) it reads the oldest leases of the pool. Each lease whose holder is not RUNNING
 * (ended, or never existed) and whose holder's last ECS task has stopped is given back: the
 * lease is deleted only if its stamp is still the one read, in the same transaction that takes
 * its weight off the counter. A holder that is RUNNING again (a redriven execution) keeps its
 * lease; one that was restamped between the read and the delete keeps it too.
 *
 * A slot counts a running task, not only a running holder: Step Functions stops the ECS task of
 * an aborted `.sync` state best effort only, so the task may run on after its holder ended. The
 * cleanup reads the holder's last events: if it ended while a `.sync` RunTask had submitted a
 * task (a TaskSubmitted event, whose output is the RunTask answer), the lease is kept until ECS
 * describes that task as STOPPED (or no longer knows it: ECS keeps stopped tasks describable for
 * at least an hour, running ones always), and a later sweep looks again. Whether AWS stops the
 * task or not, the lease is given back only once the task is gone.
 */
export function buildCleanupDefinition(scope: Construct, table: dynamodb.ITable, describableExecutions: string[],
  taskResources: string[]): sfn.IChainable {
  const S = CleanupStateNames;
  const query = (id: string, params: Record<string, unknown>) => {
    const state = new tasks.CallAwsService(scope, id, {
      stateName: id,
      service: 'dynamodb',
      action: 'query',
      iamResources: [table.tableArn, `${table.tableArn}/index/${PoolKeys.BY_KIND_INDEX}`],
      parameters: { TableName: table.tableName, ...params },
      resultPath: '$.page',
    });
    state.addRetry({ errors: ERRORS_DYNAMODB_TRANSIENT, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
    return state;
  };
  const ownerKey = {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': { S: sfn.JsonPath.format(`${PoolKeys.LEASE_PREFIX}{}`, sfn.JsonPath.stringAt('$.owner')) } },
    ConsistentRead: true,
  };
  const queryOwner = query(S.QUERY_OWNER, ownerKey);
  const queryOwnerNext = query(S.QUERY_OWNER_NEXT, { ...ownerKey, ExclusiveStartKey: sfn.JsonPath.objectAt('$.page.LastEvaluatedKey') });
  const queryOldest = query(S.QUERY_OLDEST, {
    IndexName: PoolKeys.BY_KIND_INDEX,
    KeyConditionExpression: '#kind = :kind',
    ExpressionAttributeNames: { '#kind': PoolKeys.KIND },
    ExpressionAttributeValues: { ':kind': { S: PoolKeys.LEASE_KIND } },
    Limit: SWEEP_LEASES_PER_RUN,
  });

  const describe = new tasks.CallAwsService(scope, S.DESCRIBE, {
    stateName: S.DESCRIBE,
    service: 'sfn',
    action: 'describeExecution',
    iamResources: describableExecutions,
    parameters: { ExecutionArn: sfn.JsonPath.stringAt('$.lease.holder.S') },
    resultSelector: { status: sfn.JsonPath.stringAt('$.Status') },
    resultPath: '$.execution',
  });
  describe.addRetry({ errors: ERRORS_SFN_SDK_TRANSIENT, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });

  const giveBack = leaseGiveBack(scope, {
    stateName: S.GIVE_BACK,
    table,
    key: { pk: sfn.JsonPath.objectAt('$.lease.pk'), sk: sfn.JsonPath.objectAt('$.lease.sk') },
    condition: {
      expression: '#stamp = :stamp',
      names: { '#stamp': PoolKeys.STAMP },
      values: { ':stamp': sfn.JsonPath.objectAt(`$.lease.${PoolKeys.STAMP}`) },
    },
    weight: sfn.JsonPath.objectAt('$.lease.cpu'),
    comment: 'Delete the lease if nobody restamped it since it was read, and take its weight off the counter',
  });
  giveBack.addRetry({ errors: ERRORS_DYNAMODB_TRANSIENT, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
  // A cancelled transaction is either a lost race on the counter (worth another try) or a lease
  // that was given back or restamped meanwhile (another try fails the same way, harmlessly).
  giveBack.addRetry({ errors: ERRORS_DYNAMODB_TRANSACTION_CANCELED, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL });
  giveBack.addCatch(new sfn.Succeed(scope, S.GONE, { stateName: S.GONE }), { errors: ERRORS_DYNAMODB_TRANSACTION_CANCELED });
  describe.addCatch(giveBack, { errors: [ERROR_EXECUTION_DOES_NOT_EXIST], resultPath: '$.execution' });

  // The holder ended: did it end while its ECS task ran? Its last events say.
  const history = new tasks.CallAwsService(scope, S.HISTORY, {
    stateName: S.HISTORY,
    service: 'sfn',
    action: 'getExecutionHistory',
    iamResources: describableExecutions,
    parameters: {
      ExecutionArn: sfn.JsonPath.stringAt('$.lease.holder.S'),
      ReverseOrder: true,
      MaxResults: HOLDER_HISTORY_EVENTS,
      IncludeExecutionData: true,
    },
    // The events and their text: the filter that lists the submitted tasks is read only where the
    // text shows it matches (issue 27: never an indefinite path that matches nothing).
    resultSelector: { events: sfn.JsonPath.listAt('$.Events'), text: sfn.JsonPath.jsonToString(sfn.JsonPath.listAt('$.Events')) },
    resultPath: '$.history',
    comment: 'The holder\'s last events, newest first: a TaskSubmitted among them is a task it was running when it ended',
  });
  history.addRetry({ errors: ERRORS_SFN_SDK_TRANSIENT, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
  history.addCatch(giveBack, { errors: [ERROR_EXECUTION_DOES_NOT_EXIST], resultPath: '$.history' });

  const describeTask = new tasks.CallAwsService(scope, S.DESCRIBE_TASK, {
    stateName: S.DESCRIBE_TASK,
    service: 'ecs',
    action: 'describeTasks',
    iamResources: taskResources,
    parameters: {
      Cluster: sfn.JsonPath.stringAt('$.submitted.task.Tasks[0].ClusterArn'),
      // One task (see below), by a definite path: HadTask saw its "TaskArn".
      Tasks: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.submitted.task.Tasks[0].TaskArn')),
    },
    // A RunTask of the item runner starts one task. One ECS no longer knows comes back as a
    // failure (MISSING), not in Tasks: it stopped more than an hour ago. The answer is kept
    // whole (one task's description) and read with definite paths (issue 27).
    resultPath: '$.task',
    comment: 'Has the holder\'s task stopped? A task that runs on keeps its slot',
  });
  describeTask.addRetry({ errors: ERRORS_ECS_SDK_TRANSIENT, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
  const stopped = new sfn.Choice(scope, S.TASK_STOPPED, { stateName: S.TASK_STOPPED })
    .when(sfn.Condition.and(
      sfn.Condition.isPresent('$.task.Tasks[0].LastStatus'),
      sfn.Condition.not(sfn.Condition.stringEquals('$.task.Tasks[0].LastStatus', ECS_TASK_STATUS_STOPPED)),
    ), new sfn.Succeed(scope, S.KEEP_TASK_RUNNING, {
      stateName: S.KEEP_TASK_RUNNING,
      comment: 'The holder ended but its task still runs: the lease stays until a later sweep finds the task stopped',
    }))
    .otherwise(giveBack);
  describeTask.next(stopped);
  const readTask = new sfn.Pass(scope, S.READ_TASK, {
    stateName: S.READ_TASK,
    parameters: { task: sfn.JsonPath.stringToJson(sfn.JsonPath.arrayGetItem(sfn.JsonPath.listAt('$.history.submitted'), 0)) },
    // Beside the lease, which the give-back reads.
    resultPath: '$.submitted',
  });
  readTask.next(describeTask);
  const hadTask = new sfn.Choice(scope, S.HAD_TASK, {
    stateName: S.HAD_TASK,
    comment: 'Only an ECS RunTask answer names a cluster and a task ARN; any other submitted task (none in a pooled child) ran no ECS task',
  })
    .when(sfn.Condition.and(
      sfn.Condition.isPresent('$.history.submitted[0]'),
      sfn.Condition.stringMatches('$.history.submitted[0]', '*"ClusterArn"*'),
      sfn.Condition.stringMatches('$.history.submitted[0]', '*"TaskArn"*'),
    ), readTask)
    .otherwise(giveBack);
  const listSubmitted = new sfn.Pass(scope, S.LIST_SUBMITTED, {
    stateName: S.LIST_SUBMITTED,
    comment: 'The outputs of the TaskSubmitted events, newest first (at least one: see DidHolderSubmitTask)',
    inputPath: "$.history.events[?(@.Type == 'TaskSubmitted')].TaskSubmittedEventDetails.Output",
    resultPath: '$.history.submitted',
  });
  const submittedTask = new sfn.Choice(scope, S.SUBMITTED_TASK, {
    stateName: S.SUBMITTED_TASK,
    comment: 'A TaskSubmitted among the events? "TaskSubmitted" in quotes is in their text only as an event\'s Type (event data is escaped)',
  })
    .when(sfn.Condition.stringMatches('$.history.text', '*"TaskSubmitted"*'), listSubmitted.next(hadTask))
    .otherwise(giveBack);
  history.next(submittedTask);

  const running = new sfn.Choice(scope, S.RUNNING, { stateName: S.RUNNING })
    .when(sfn.Condition.stringEquals('$.execution.status', SFN_STATUS_RUNNING), new sfn.Succeed(scope, S.KEEP, { stateName: S.KEEP }))
    .otherwise(history);

  const each = new sfn.Map(scope, S.EACH, {
    stateName: S.EACH,
    itemsPath: '$.page.Items',
    itemSelector: { lease: sfn.JsonPath.objectAt('$$.Map.Item.Value') },
    maxConcurrency: CLEANUP_MAP_CONCURRENCY,
    resultPath: sfn.JsonPath.DISCARD,
  });
  each.itemProcessor(describe.next(running));

  const done = new sfn.Succeed(scope, S.DONE, { stateName: S.DONE });
  const more = new sfn.Choice(scope, S.MORE, { stateName: S.MORE })
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.owner'), sfn.Condition.isPresent('$.page.LastEvaluatedKey')), queryOwnerNext)
    .otherwise(done);
  queryOwner.next(each);
  queryOwnerNext.next(each);
  queryOldest.next(each);
  each.next(more);

  return new sfn.Choice(scope, S.MODE, { stateName: S.MODE })
    .when(sfn.Condition.isPresent('$.owner'), queryOwner)
    .otherwise(queryOldest);
}
