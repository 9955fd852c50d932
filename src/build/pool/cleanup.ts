import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PoolKeys } from './pool-states';
import { ERRORS_DYNAMODB_TRANSACTION_CANCELED, ERRORS_DYNAMODB_TRANSIENT, SFN_STATUS_RUNNING } from '../../aws-limits';

/** Leases one sweep looks at: the oldest ones (a lease of an execution that ended only gets older). */
export const SWEEP_LEASES_PER_RUN = 100;

/** Leases whose holders are checked at once. */
export const CLEANUP_MAP_CONCURRENCY = 10;

/** The error DescribeExecution fails with for an execution that does not exist (AWS SDK integration). */
export const ERROR_EXECUTION_DOES_NOT_EXIST = 'Sfn.ExecutionDoesNotExistException';

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
  GIVE_BACK: 'GiveLeaseBack',
  GONE: 'LeaseAlreadyGone',
  MORE: 'MoreLeases',
  DONE: 'Done',
} as const;

/**
 * The definition of the pool's cleanup: given `{ "owner": "<execution ARN>" }` (from the
 * status-change rule) it reads that execution's leases, page by page; given anything else (the
 * schedule) it reads the oldest leases of the pool. Each lease whose holder is not RUNNING
 * (ended, or never existed) is given back: the lease is deleted only if its stamp is still the
 * one read, in the same transaction that takes its weight off the counter. A holder that is
 * RUNNING again (a redriven execution) keeps its lease; one that was restamped between the read
 * and the delete keeps it too.
 */
export function buildCleanupDefinition(scope: Construct, table: dynamodb.ITable, describableExecutions: string[]): sfn.IChainable {
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
  describe.addRetry({ errors: ['Sfn.ThrottlingException', 'Sfn.SfnException'], maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });

  const giveBack = new tasks.CallAwsService(scope, S.GIVE_BACK, {
    stateName: S.GIVE_BACK,
    service: 'dynamodb',
    action: 'transactWriteItems',
    iamResources: [table.tableArn],
    iamAction: 'dynamodb:DeleteItem',
    parameters: {
      TransactItems: [
        {
          Delete: {
            TableName: table.tableName,
            Key: { pk: sfn.JsonPath.objectAt('$.lease.pk'), sk: sfn.JsonPath.objectAt('$.lease.sk') },
            ConditionExpression: '#stamp = :stamp',
            ExpressionAttributeNames: { '#stamp': PoolKeys.STAMP },
            ExpressionAttributeValues: { ':stamp': sfn.JsonPath.objectAt(`$.lease.${PoolKeys.STAMP}`) },
          },
        },
        {
          Update: {
            TableName: table.tableName,
            Key: { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL } },
            UpdateExpression: 'SET #cpu = #cpu - :w, #tasks = #tasks - :one',
            ExpressionAttributeNames: { '#cpu': 'cpu', '#tasks': 'tasks' },
            ExpressionAttributeValues: { ':w': sfn.JsonPath.objectAt('$.lease.cpu'), ':one': { N: '1' } },
          },
        },
      ],
    },
    resultPath: sfn.JsonPath.DISCARD,
    comment: 'Delete the lease if nobody restamped it since it was read, and take its weight off the counter',
  });
  giveBack.addRetry({ errors: ERRORS_DYNAMODB_TRANSIENT, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
  // A cancelled transaction is either a lost race on the counter (worth another try) or a lease
  // that was given back or restamped meanwhile (another try fails the same way, harmlessly).
  giveBack.addRetry({ errors: ERRORS_DYNAMODB_TRANSACTION_CANCELED, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL });
  giveBack.addCatch(new sfn.Succeed(scope, S.GONE, { stateName: S.GONE }), { errors: ERRORS_DYNAMODB_TRANSACTION_CANCELED });
  describe.addCatch(giveBack, { errors: [ERROR_EXECUTION_DOES_NOT_EXIST], resultPath: '$.execution' });

  const running = new sfn.Choice(scope, S.RUNNING, { stateName: S.RUNNING })
    .when(sfn.Condition.stringEquals('$.execution.status', SFN_STATUS_RUNNING), new sfn.Succeed(scope, S.KEEP, { stateName: S.KEEP }))
    .otherwise(giveBack);

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
