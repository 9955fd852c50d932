import { Duration, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { POOL_HEAD_TICKETS, PoolDecision, PoolWaitKind, PoolWaits } from './decide-pool';
import {
  ERROR_DYNAMODB_CONDITIONAL_CHECK_FAILED, ERRORS_DYNAMODB_TRANSACTION_CANCELED, ERRORS_DYNAMODB_TRANSIENT,
} from '../../facts';

/**
 * The pool's table layout. One item counts what is held (`POOL`), one item per held slot (a
 * lease, keyed by the execution that owns it), one item per pacing window (`RATE`).
 */
export const PoolKeys = {
  PARTITION: 'pk',
  SORT: 'sk',
  /** Partition and sort key of the counter item. */
  POOL: 'POOL',
  /** Partition key of the pacing windows; their sort key is the calendar second. */
  RATE: 'RATE',
  /** Prefix of a lease's partition key, followed by the owner execution's ARN. */
  LEASE_PREFIX: 'LEASE#',
  /** The index the sweep reads leases from, oldest first: partition `kind`, sort `stamp`. */
  BY_KIND_INDEX: 'byKind',
  KIND: 'kind',
  STAMP: 'stamp',
  LEASE_KIND: 'LEASE',
} as const;

/** Attribute names used in expressions (all through `#names`, so no reserved word can clash). */
const NAMES = {
  '#cpu': 'cpu',
  '#tasks': 'tasks',
  '#base': 'base',
  '#issued': 'issued',
};

/** The pool a fragment talks to: its table and its decided limits. */
export interface PoolBinding {
  readonly table: dynamodb.ITable;
  readonly decision: PoolDecision;
}

/** Where the fragments of one placement (inline Map, Distributed Map child) read and write. */
export interface PoolFragmentOptions {
  /**
   * Prefix of every state name, unique per placement in one state machine (state names must
   * be unique; the offline harness also routes its handlers by state name).
   */
  readonly prefix: string;
  /** CPU units one task takes from the vCPU limit (`decidePoolWeight`); 0 when the pool has none. */
  readonly cpuUnits: number;
  /**
   * JSONPath to the slot's id, unique within the holder execution and the same every time the
   * item is retried or redriven (for example the Map item index, copied into the item by the
   * ItemSelector). A string or a number.
   */
  readonly slotPath: string;
  /**
   * JSONPath to the ARN of the execution that owns the lease: the execution whose end gives
   * it back. In a Distributed Map child, pass the parent's `$$.Execution.Id` (through the
   * ItemSelector), so that the parent's failure, timeout or abort gives back its children's
   * slots whether or not children send status-change events.
   * @default '$$.Execution.Id'
   */
  readonly ownerPath?: string;
  /** Where the pool keeps its working data in the state's input. @default '$.pool' */
  readonly resultPath?: string;
}

const DEFAULT_RESULT_PATH = '$.pool';

function transientRetry(state: sfn.TaskStateBase): void {
  state.addRetry({
    errors: ERRORS_DYNAMODB_TRANSIENT,
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(20),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

function n(value: number | string): { N: string } {
  return { N: String(value) };
}

/** The lease's key, from the holder execution, its slot id and its owner. */
function leaseKey(options: PoolFragmentOptions): { pk: any; sk: any } {
  const owner = sfn.JsonPath.stringAt(options.ownerPath ?? '$$.Execution.Id');
  return {
    pk: { S: sfn.JsonPath.format(`${PoolKeys.LEASE_PREFIX}{}`, owner) },
    sk: { S: sfn.JsonPath.format('{}#{}', sfn.JsonPath.stringAt('$$.Execution.Id'), sfn.JsonPath.stringAt(options.slotPath)) },
  };
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

/** The state names of a placement's fragments. */
export function poolStateNames(prefix: string) {
  return {
    TRY: `${prefix}Acquire`,
    TICKET: `${prefix}TakeTicket`,
    TRY_WAITED: `${prefix}AcquireWaited`,
    READ: `${prefix}ReadPool`,
    WHERE: `${prefix}WhereInLine`,
    HELD: `${prefix}AlreadyHeld`,
    HELD_FIRST: `${prefix}AlreadyHeldAtFirst`,
    SKIP: `${prefix}SkipStalledTicket`,
    WAIT_ROOM: `${prefix}WaitRoom`,
    BACK_OFF_HEAD: `${prefix}BackOffHead`,
    MOVED_HEAD: `${prefix}MovedHead`,
    WAIT_HEAD: `${prefix}WaitHead`,
    BACK_OFF_FULL: `${prefix}BackOffFull`,
    MOVED_FULL: `${prefix}MovedFull`,
    WAIT_FULL: `${prefix}WaitFull`,
    MOVED_NEAR: `${prefix}MovedNear`,
    WAIT_NEAR: `${prefix}WaitNear`,
    BACK_OFF_NEAR_FULL: `${prefix}BackOffNearFull`,
    MOVED_NEAR_FULL: `${prefix}MovedNearFull`,
    WAIT_NEAR_FULL: `${prefix}WaitNearFull`,
    MOVED_FAR: `${prefix}MovedFar`,
    WAIT_FAR: `${prefix}WaitFar`,
    BACK_OFF_FAR_FULL: `${prefix}BackOffFarFull`,
    MOVED_FAR_FULL: `${prefix}MovedFarFull`,
    WAIT_FAR_FULL: `${prefix}WaitFarFull`,
    RELEASE: `${prefix}Release`,
    RELEASE_CHECK: `${prefix}ReleaseCheck`,
    RELEASE_PENDING: `${prefix}ReleasePending`,
    RELEASE_WAIT: `${prefix}ReleaseWait`,
  };
}

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
  const { decision, table } = pool;
  const names = poolStateNames(options.prefix);
  const resultPath = options.resultPath ?? DEFAULT_RESULT_PATH;
  const window = decision.waitingWindow;
  const key = leaseKey(options);
  const tableName = table.tableName;

  const leasePut = {
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
  };
  const rateUpdate = {
    Update: {
      TableName: tableName,
      Key: { pk: { S: PoolKeys.RATE }, sk: { S: enteredSecond() } },
      UpdateExpression: 'ADD #calls :one',
      ConditionExpression: 'attribute_not_exists(#calls) OR #calls < :perWindow',
      ExpressionAttributeNames: { '#calls': 'calls' },
      ExpressionAttributeValues: { ':one': n(1), ':perWindow': n(decision.pacing.callsPerWindow) },
    },
  };
  const poolKey = { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL } };

  // First try: nobody may be waiting (base >= issued), and the counter may not exist yet.
  const firstRoom = roomCondition(decision, true);
  const firstTry = new tasks.CallAwsService(scope, names.TRY, {
    stateName: names.TRY,
    service: 'dynamodb',
    action: 'transactWriteItems',
    iamResources: [table.tableArn],
    iamAction: 'dynamodb:UpdateItem',
    parameters: {
      TransactItems: [
        leasePut,
        {
          Update: {
            TableName: tableName,
            Key: poolKey,
            UpdateExpression: 'SET #cpu = if_not_exists(#cpu, :zero) + :w, #tasks = if_not_exists(#tasks, :zero) + :one, '
              + '#base = if_not_exists(#base, :zero) + :one, #issued = if_not_exists(#issued, :zero) + :one',
            ConditionExpression: ['(attribute_not_exists(#issued) OR #base >= #issued)', firstRoom.expression].filter((x) => x).join(' AND '),
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ':zero': n(0), ':one': n(1), ':w': n(options.cpuUnits), ...limitValues(decision, options.cpuUnits) },
          },
        },
        rateUpdate,
      ],
    },
    resultPath: sfn.JsonPath.DISCARD,
    comment: 'Take a slot at once if the pool has room, nobody waits and this second\'s pacing window has room: all or nothing',
  });
  transientRetry(firstTry);

  const ticket = new tasks.DynamoUpdateItem(scope, names.TICKET, {
    stateName: names.TICKET,
    table,
    key: { pk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL), sk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL) },
    updateExpression: 'ADD #issued :one SET #base = if_not_exists(#base, :zero), #cpu = if_not_exists(#cpu, :zero), #tasks = if_not_exists(#tasks, :zero)',
    expressionAttributeNames: NAMES,
    expressionAttributeValues: { ':one': tasks.DynamoAttributeValue.fromNumber(1), ':zero': tasks.DynamoAttributeValue.fromNumber(0) },
    returnValues: tasks.DynamoReturnValues.UPDATED_NEW,
    resultSelector: {
      ticket: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Attributes.issued.N')),
      minBase: sfn.JsonPath.mathAdd(Token.asNumber(sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Attributes.issued.N'))), -window),
      headBase: sfn.JsonPath.mathAdd(Token.asNumber(sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Attributes.issued.N'))), -POOL_HEAD_TICKETS),
      nearBase: sfn.JsonPath.mathAdd(Token.asNumber(sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Attributes.issued.N'))), -3 * window),
      look: { level: 0, lastBase: -1 },
    },
    resultPath,
    comment: 'Take a ticket: the place in line of an item that has to wait',
  });
  transientRetry(ticket);

  const waitedRoom = roomCondition(decision, false);
  const waitedTry = new tasks.CallAwsService(scope, names.TRY_WAITED, {
    stateName: names.TRY_WAITED,
    service: 'dynamodb',
    action: 'transactWriteItems',
    iamResources: [table.tableArn],
    iamAction: 'dynamodb:UpdateItem',
    parameters: {
      TransactItems: [
        leasePut,
        {
          Update: {
            TableName: tableName,
            Key: poolKey,
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
        },
        rateUpdate,
      ],
    },
    resultPath: sfn.JsonPath.DISCARD,
    comment: 'Take a slot once this ticket is within the waiting window and the pool has room: all or nothing',
  });
  transientRetry(waitedTry);

  const random = ([from, to]: readonly [number, number]) => sfn.JsonPath.mathRandom(from, to);
  const read = new tasks.DynamoGetItem(scope, names.READ, {
    stateName: names.READ,
    table,
    key: { pk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL), sk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL) },
    consistentRead: true,
    resultSelector: {
      base: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Item.base.N')),
      cpu: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Item.cpu.N')),
      tasks: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Item.tasks.N')),
      room: random(PoolWaits.ROOM),
    },
    resultPath: `${resultPath}.read`,
    comment: 'Read the counter (and draw the jittered waits)',
  });
  transientRetry(read);

  const restamp = (name: string) => new tasks.DynamoUpdateItem(scope, name, {
    stateName: name,
    table,
    key: {
      pk: tasks.DynamoAttributeValue.fromString(key.pk.S),
      sk: tasks.DynamoAttributeValue.fromString(key.sk.S),
    },
    updateExpression: 'SET #stamp = :now',
    conditionExpression: 'attribute_exists(pk)',
    expressionAttributeNames: { '#stamp': PoolKeys.STAMP },
    expressionAttributeValues: { ':now': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')) },
    resultPath: sfn.JsonPath.DISCARD,
    comment: 'Does this holder already hold its lease (a retry, a lost answer, a redrive)? Restamp it, so that a late cleanup leaves it alone',
  });
  const heldAtFirst = restamp(names.HELD_FIRST);
  const holdsAlready = restamp(names.HELD);
  transientRetry(heldAtFirst);
  transientRetry(holdsAlready);

  const skip = new tasks.DynamoUpdateItem(scope, names.SKIP, {
    stateName: names.SKIP,
    table,
    key: { pk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL), sk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL) },
    updateExpression: 'SET #base = #base + :one',
    conditionExpression: '#base = :seen',
    expressionAttributeNames: { '#base': 'base' },
    expressionAttributeValues: {
      ':one': tasks.DynamoAttributeValue.fromNumber(1),
      ':seen': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.format('{}', sfn.JsonPath.stringAt(`${resultPath}.read.base`))),
    },
    resultPath: sfn.JsonPath.DISCARD,
    comment: 'The pool had room yet no slot was taken since the last look: a ticket in the window belongs to an item that is gone; move the window on by one',
  });
  transientRetry(skip);

  const waitRoom = new sfn.Wait(scope, names.WAIT_ROOM, { stateName: names.WAIT_ROOM, time: sfn.WaitTime.secondsPath(`${resultPath}.read.room`) }).next(read);
  // Every other look at the pool backs off first (one Pass: the item's level, the drawn wait and
  // the base seen), then waits, then reads: a look costs a pass, a wait, a read and a choice.
  const look = `${resultPath}.look`;
  const stalled = sfn.Condition.numberEqualsJsonPath(`${resultPath}.read.base`, `${look}.lastBase`);
  const backOff = (kind: PoolWaitKind, waitName: string, passName: string, moved: boolean) => {
    const bands = decision.waits.bands[kind];
    const constants = (values: number[]) => `States.Array(${values.join(', ')})`;
    // After a look that found the line where it was: one level up, and the band of that level.
    const upBand = (end: 0 | 1) => `States.ArrayGetItem(${constants(decision.waits.up.map((level) => bands[level][end]))}, ${look}.level)`;
    const pass = new sfn.Pass(scope, passName, {
      stateName: passName,
      comment: moved
        ? 'The line moved since the last look: back to the shortest band, and draw the wait from it'
        : 'The line has not moved since the last look: one level up (longer waits), and draw the wait from that level\'s band',
      parameters: moved
        ? { 'level': 0, 'seconds': sfn.JsonPath.mathRandom(bands[0][0], bands[0][1]), 'lastBase.$': `${resultPath}.read.base` }
        : {
          'level.$': `States.ArrayGetItem(${constants(decision.waits.up)}, ${look}.level)`,
          'seconds.$': `States.MathRandom(${upBand(0)}, ${upBand(1)})`,
          'lastBase.$': `${resultPath}.read.base`,
        },
      resultPath: look,
    });
    return pass.next(waits[waitName] ??= new sfn.Wait(scope, waitName, { stateName: waitName, time: sfn.WaitTime.secondsPath(`${look}.seconds`) }).next(read));
  };
  const waits: Record<string, sfn.IChainable> = {};

  const room: sfn.Condition[] = [];
  if (decision.maxCpuUnits !== undefined) room.push(sfn.Condition.numberLessThanEquals(`${resultPath}.read.cpu`, decision.maxCpuUnits - options.cpuUnits));
  if (decision.maxTasks !== undefined) room.push(sfn.Condition.numberLessThanEquals(`${resultPath}.read.tasks`, decision.maxTasks - 1));
  const hasRoom = room.length === 1 ? room[0] : sfn.Condition.and(...room);
  const eligible = sfn.Condition.numberGreaterThanEqualsJsonPath(`${resultPath}.read.base`, `${resultPath}.minBase`);
  const near = sfn.Condition.numberGreaterThanEqualsJsonPath(`${resultPath}.read.base`, `${resultPath}.nearBase`);

  const head = sfn.Condition.and(eligible, sfn.Condition.numberGreaterThanEqualsJsonPath(`${resultPath}.read.base`, `${resultPath}.headBase`));
  const where = new sfn.Choice(scope, names.WHERE, { stateName: names.WHERE, comment: 'Eligible (within the waiting window)? Room in the pool? Has the line moved since the last look?' })
    .when(sfn.Condition.and(eligible, hasRoom), waitedTry)
    // The oldest tickets look often, so that a freed slot goes to them rather than to a later ticket.
    .when(sfn.Condition.and(head, stalled), backOff('HEAD', names.WAIT_HEAD, names.BACK_OFF_HEAD, false))
    .when(head, backOff('HEAD', names.WAIT_HEAD, names.MOVED_HEAD, true))
    .when(sfn.Condition.and(eligible, stalled), backOff('FULL', names.WAIT_FULL, names.BACK_OFF_FULL, false))
    .when(eligible, backOff('FULL', names.WAIT_FULL, names.MOVED_FULL, true))
    // Not eligible, room, and no slot taken since the last look: a ticket ahead is dead.
    .when(sfn.Condition.and(hasRoom, stalled), skip)
    .when(sfn.Condition.and(near, hasRoom), backOff('NEAR', names.WAIT_NEAR, names.MOVED_NEAR, true))
    .when(sfn.Condition.and(near, stalled), backOff('FULL', names.WAIT_NEAR_FULL, names.BACK_OFF_NEAR_FULL, false))
    .when(near, backOff('FULL', names.WAIT_NEAR_FULL, names.MOVED_NEAR_FULL, true))
    .when(hasRoom, backOff('FAR', names.WAIT_FAR, names.MOVED_FAR, true))
    .when(stalled, backOff('FAR_FULL', names.WAIT_FAR_FULL, names.BACK_OFF_FAR_FULL, false))
    .otherwise(backOff('FAR_FULL', names.WAIT_FAR_FULL, names.MOVED_FAR_FULL, true));

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

/**
 * The states that give the slot back, then go to `next`. Idempotent: the lease is deleted only
 * if it exists, in the same transaction that takes its weight off the counter; a lease already
 * given back (by an earlier try, the cleanup or the sweep) is left alone. A transaction that
 * lost a race with another one on the counter is tried again until the lease is gone.
 *
 * Reads only `slotPath` and `ownerPath`, so it works from any path that kept the item's input
 * (a Catch with a `resultPath` keeps it). Leaves the input as it is.
 */
export function buildPoolRelease(scope: Construct, pool: PoolBinding, options: PoolFragmentOptions, next: sfn.IChainable): sfn.State {
  const { table } = pool;
  const names = poolStateNames(options.prefix);
  const key = leaseKey(options);
  const release = new tasks.CallAwsService(scope, names.RELEASE, {
    stateName: names.RELEASE,
    service: 'dynamodb',
    action: 'transactWriteItems',
    iamResources: [table.tableArn],
    iamAction: 'dynamodb:DeleteItem',
    parameters: {
      TransactItems: [
        { Delete: { TableName: table.tableName, Key: key, ConditionExpression: 'attribute_exists(pk)' } },
        {
          Update: {
            TableName: table.tableName,
            Key: { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL } },
            UpdateExpression: 'SET #cpu = #cpu - :w, #tasks = #tasks - :one',
            ExpressionAttributeNames: { '#cpu': 'cpu', '#tasks': 'tasks' },
            ExpressionAttributeValues: { ':w': n(options.cpuUnits), ':one': n(1) },
          },
        },
      ],
    },
    resultPath: sfn.JsonPath.DISCARD,
    comment: 'Give the slot back: delete the lease (if it is still there) and take its weight off the counter, all or nothing',
  });
  transientRetry(release);

  const check = new tasks.DynamoGetItem(scope, names.RELEASE_CHECK, {
    stateName: names.RELEASE_CHECK,
    table,
    key: { pk: tasks.DynamoAttributeValue.fromString(key.pk.S), sk: tasks.DynamoAttributeValue.fromString(key.sk.S) },
    consistentRead: true,
    resultPath: `${options.resultPath ?? DEFAULT_RESULT_PATH}Release`,
    comment: 'Was the lease already given back, or did the transaction lose a race?',
  });
  transientRetry(check);
  const pending = new sfn.Choice(scope, names.RELEASE_PENDING, { stateName: names.RELEASE_PENDING })
    .when(sfn.Condition.isPresent(`${options.resultPath ?? DEFAULT_RESULT_PATH}Release.Item`),
      new sfn.Wait(scope, names.RELEASE_WAIT, { stateName: names.RELEASE_WAIT, time: sfn.WaitTime.duration(Duration.seconds(1)) }).next(release))
    .otherwise(next);

  release.addCatch(check, { errors: ERRORS_DYNAMODB_TRANSACTION_CANCELED, resultPath: sfn.JsonPath.DISCARD });
  release.next(next);
  check.next(pending);
  return release;
}
