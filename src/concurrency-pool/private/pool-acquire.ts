import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PoolDecision } from './decide-pool';
import { readPool, skipStalledTicket, takeTicket, whereInLine } from './pool-line';
import { DEFAULT_RESULT_PATH, leaseKey, n, NAMES, PoolBinding, PoolFragmentOptions, PoolKeys, poolStateNames, transientRetry } from './pool-table';
import { ERROR_DYNAMODB_CONDITIONAL_CHECK_FAILED, ERRORS_DYNAMODB_TRANSACTION_CANCELED } from '../../facts';

/**
 * The states that take a slot of the pool, then go to `next` holding it.
 *
 * - First try (one state transition when the pool has room and nobody waits): one
 *   `TransactWriteItems` that puts the lease (only if absent), adds the weight to the counter
 *   (only if it stays within the limits and no ticket is waiting) and counts the call in the
 *   current second's pacing window (only if the window has room). All or nothing, so the
 *   limit is never exceeded, not even for an instant.
 * - Otherwise the item takes a ticket and waits in line: it may take a slot once
 *   `base >= ticket - window` (base counts slots taken), looks at the pool after jittered waits
 *   that grow with its distance from the head and back off while the line does not move
 *   (`decidePoolWaits`: long tasks hold the pool), and skips a ticket that stalls the line while
 *   the pool has room (its holder died while waiting).
 * - A lease that already exists (a retried state, a lost answer, a redriven execution) is
 *   restamped instead of taken twice.
 *
 * Writes `<resultPath>` (ticket, reads); leaves the rest of the input as it is.
 */
export function buildPoolAcquire(scope: Construct, pool: PoolBinding, options: PoolFragmentOptions, next: sfn.IChainable): sfn.State {
  const acquire = acquireContext(pool, options);
  const { names } = acquire;
  const firstTry = takeSlotAtOnce(scope, acquire);
  const ticket = takeTicket(scope, acquire);
  const waitedTry = takeSlotWaited(scope, acquire);
  const read = readPool(scope, acquire);
  const heldAtFirst = restampLease(scope, acquire, names.HELD_FIRST);
  const holdsAlready = restampLease(scope, acquire, names.HELD);
  const skip = skipStalledTicket(scope, acquire);
  const waitRoom = new sfn.Wait(scope, names.WAIT_ROOM, { stateName: names.WAIT_ROOM, time: sfn.WaitTime.secondsPath(`${acquire.resultPath}.read.room`) }).next(read);
  const where = whereInLine(scope, acquire, { read, waitedTry, skip });

  // Before waiting, check once whether this holder already holds its lease: a full pool may be
  // full with it, and then no later look would find room.
  firstTry.addCatch(heldAtFirst, { errors: ERRORS_DYNAMODB_TRANSACTION_CANCELED, resultPath: sfn.JsonPath.DISCARD });
  firstTry.next(next);
  heldAtFirst.addCatch(ticket, { errors: [ERROR_DYNAMODB_CONDITIONAL_CHECK_FAILED], resultPath: sfn.JsonPath.DISCARD });
  heldAtFirst.next(next);
  ticket.next(read);
  // The pool had room and the ticket was eligible, yet the transaction was cancelled: the
  // pacing window was full, another item took the room first, or this holder holds its lease.
  waitedTry.addCatch(holdsAlready, { errors: ERRORS_DYNAMODB_TRANSACTION_CANCELED, resultPath: sfn.JsonPath.DISCARD });
  waitedTry.next(next);
  read.next(where);
  holdsAlready.addCatch(waitRoom, { errors: [ERROR_DYNAMODB_CONDITIONAL_CHECK_FAILED], resultPath: sfn.JsonPath.DISCARD });
  holdsAlready.next(next);
  skip.addCatch(read, { errors: [ERROR_DYNAMODB_CONDITIONAL_CHECK_FAILED], resultPath: sfn.JsonPath.DISCARD });
  skip.next(read);
  return firstTry;
}

/** What the states of one acquire share. */
export interface AcquireContext {
  readonly pool: PoolBinding;
  readonly options: PoolFragmentOptions;
  readonly names: ReturnType<typeof poolStateNames>;
  readonly resultPath: string;
  readonly key: { pk: any; sk: any };
  /** The transaction's parts: the lease put (only if absent) and the pacing window's count. */
  readonly leasePut: object;
  readonly rateUpdate: object;
}

function acquireContext(pool: PoolBinding, options: PoolFragmentOptions): AcquireContext {
  const key = leaseKey(options);
  const tableName = pool.table.tableName;
  return {
    pool,
    options,
    names: poolStateNames(options.prefix),
    resultPath: options.resultPath ?? DEFAULT_RESULT_PATH,
    key,
    leasePut: {
      Put: {
        TableName: tableName,
        Item: {
          ...key,
          holder: { S: sfn.JsonPath.stringAt('$$.Execution.Id') },
          cpu: n(options.cpuUnits),
          [PoolKeys.STAMP]: { S: sfn.JsonPath.stringAt('$$.State.EnteredTime') },
          [PoolKeys.KIND]: { S: PoolKeys.LEASE_KIND },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    rateUpdate: {
      Update: {
        TableName: tableName,
        Key: { pk: { S: PoolKeys.RATE }, sk: { S: enteredSecond() } },
        UpdateExpression: 'ADD #calls :one',
        ConditionExpression: 'attribute_not_exists(#calls) OR #calls < :perWindow',
        ExpressionAttributeNames: { '#calls': 'calls' },
        ExpressionAttributeValues: { ':one': n(1), ':perWindow': n(pool.decision.pacing.callsPerWindow) },
      },
    },
  };
}

export const POOL_KEY = { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL } };

/** First try: nobody may be waiting (base >= issued), and the counter may not exist yet. */
function takeSlotAtOnce(scope: Construct, acquire: AcquireContext): tasks.CallAwsService {
  const { pool: { decision }, options, names } = acquire;
  const firstRoom = roomCondition(decision, true);
  return takeSlot(scope, acquire, {
    name: names.TRY,
    counterUpdate: {
      UpdateExpression: 'SET #cpu = if_not_exists(#cpu, :zero) + :w, #tasks = if_not_exists(#tasks, :zero) + :one, '
        + '#base = if_not_exists(#base, :zero) + :one, #issued = if_not_exists(#issued, :zero) + :one',
      ConditionExpression: ['(attribute_not_exists(#issued) OR #base >= #issued)', firstRoom.expression].filter((x) => x).join(' AND '),
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':zero': n(0), ':one': n(1), ':w': n(options.cpuUnits), ...limitValues(decision, options.cpuUnits) },
    },
    comment: 'Take a slot at once if the pool has room, nobody waits and this second\'s pacing window has room: all or nothing',
  });
}

/** Once the ticket is within the waiting window and the pool has room. */
function takeSlotWaited(scope: Construct, acquire: AcquireContext): tasks.CallAwsService {
  const { pool: { decision }, options, names, resultPath } = acquire;
  const waitedRoom = roomCondition(decision, false);
  return takeSlot(scope, acquire, {
    name: names.TRY_WAITED,
    counterUpdate: {
      UpdateExpression: 'SET #cpu = #cpu + :w, #tasks = #tasks + :one, #base = #base + :one',
      ConditionExpression: ['#base >= :minBase', waitedRoom.expression].filter((x) => x).join(' AND '),
      ExpressionAttributeNames: { '#cpu': 'cpu', '#tasks': 'tasks', '#base': 'base' },
      ExpressionAttributeValues: {
        ':one': n(1),
        ':w': n(options.cpuUnits),
        ':minBase': { N: sfn.JsonPath.format('{}', sfn.JsonPath.stringAt(`${resultPath}.minBase`)) },
        ...limitValues(decision, options.cpuUnits),
      },
    },
    comment: 'Take a slot once this ticket is within the waiting window and the pool has room: all or nothing',
  });
}

/** One try to take a slot: the lease, the counter and the pacing window, in one transaction. */
function takeSlot(scope: Construct, acquire: AcquireContext, props: { name: string; counterUpdate: object; comment: string }): tasks.CallAwsService {
  const { table } = acquire.pool;
  const take = new tasks.CallAwsService(scope, props.name, {
    stateName: props.name,
    service: 'dynamodb',
    action: 'transactWriteItems',
    iamResources: [table.tableArn],
    iamAction: 'dynamodb:UpdateItem',
    parameters: {
      TransactItems: [
        acquire.leasePut,
        { Update: { TableName: table.tableName, Key: POOL_KEY, ...props.counterUpdate } },
        acquire.rateUpdate,
      ],
    },
    resultPath: sfn.JsonPath.DISCARD,
    comment: props.comment,
  });
  transientRetry(take);
  return take;
}

/** Restamps this holder's lease if it already holds it, so that a late cleanup leaves it alone. */
function restampLease(scope: Construct, acquire: AcquireContext, name: string): tasks.DynamoUpdateItem {
  const restamp = new tasks.DynamoUpdateItem(scope, name, {
    stateName: name,
    table: acquire.pool.table,
    key: {
      pk: tasks.DynamoAttributeValue.fromString(acquire.key.pk.S),
      sk: tasks.DynamoAttributeValue.fromString(acquire.key.sk.S),
    },
    updateExpression: 'SET #stamp = :now',
    conditionExpression: 'attribute_exists(pk)',
    expressionAttributeNames: { '#stamp': PoolKeys.STAMP },
    expressionAttributeValues: { ':now': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')) },
    resultPath: sfn.JsonPath.DISCARD,
    comment: 'Does this holder already hold its lease (a retry, a lost answer, a redrive)? Restamp it, so that a late cleanup leaves it alone',
  });
  transientRetry(restamp);
  return restamp;
}

/** The limits part of the counter's condition: room for this task's weight. */
function roomCondition(decision: PoolDecision, allowMissing: boolean): { expression: string; values: Record<string, { N: string }> } {
  const parts: string[] = [];
  const values: Record<string, { N: string }> = {};
  if (decision.maxCpuUnits !== undefined) {
    parts.push(allowMissing ? '(attribute_not_exists(#cpu) OR #cpu <= :cpuMax)' : '#cpu <= :cpuMax');
  }
  if (decision.maxTasks !== undefined) {
    parts.push(allowMissing ? '(attribute_not_exists(#tasks) OR #tasks <= :tasksMax)' : '#tasks <= :tasksMax');
  }
  return { expression: parts.join(' AND '), values };
}

function limitValues(decision: PoolDecision, cpuUnits: number): Record<string, { N: string }> {
  const values: Record<string, { N: string }> = {};
  if (decision.maxCpuUnits !== undefined) values[':cpuMax'] = n(decision.maxCpuUnits - cpuUnits);
  if (decision.maxTasks !== undefined) values[':tasksMax'] = n(decision.maxTasks - 1);
  return values;
}

/**
 * The calendar second the state was entered in, as `YYYY-MM-DDThh:mm:ss`: the part of
 * `$$.State.EnteredTime` before the fraction, with or without milliseconds (AWS's examples show
 * them; dropping both `.` and `Z` works either way, and single-character splitters split the
 * same whether a splitter is read as a string or as a set of characters).
 */
function enteredSecond(): string {
  const beforeFraction = sfn.JsonPath.arrayGetItem(sfn.JsonPath.stringSplit(sfn.JsonPath.stringAt('$$.State.EnteredTime'), '.'), 0);
  return sfn.JsonPath.arrayGetItem(sfn.JsonPath.stringSplit(beforeFraction, 'Z'), 0);
}
