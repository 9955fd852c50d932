import { Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { POOL_HEAD_TICKETS, PoolDecision, PoolWaitKind, PoolWaits } from './decide-pool';
import type { AcquireContext } from './pool-acquire';
import { NAMES, PoolKeys, transientRetry } from './pool-table';

// Waiting in line for a slot of the pool (see pool-acquire.ts): the ticket, the looks at the
// counter with jittered back-offs that grow with the distance from the head, and the skip of a
// ticket whose holder is gone.

/** The place in line of an item that has to wait, and the bases that say where it stands. */
export function takeTicket(scope: Construct, acquire: AcquireContext): tasks.DynamoUpdateItem {
  const { pool: { decision, table }, names } = acquire;
  const window = decision.waitingWindow;
  const issued = () => Token.asNumber(sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Attributes.issued.N')));
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
      minBase: sfn.JsonPath.mathAdd(issued(), -window),
      headBase: sfn.JsonPath.mathAdd(issued(), -POOL_HEAD_TICKETS),
      nearBase: sfn.JsonPath.mathAdd(issued(), -3 * window),
      look: { level: 0, lastBase: -1 },
    },
    resultPath: acquire.resultPath,
    comment: 'Take a ticket: the place in line of an item that has to wait',
  });
  transientRetry(ticket);
  return ticket;
}

/** Reads the counter, and draws the jittered wait before the next look. */
export function readPool(scope: Construct, acquire: AcquireContext): tasks.DynamoGetItem {
  const { pool: { table }, names } = acquire;
  const read = new tasks.DynamoGetItem(scope, names.READ, {
    stateName: names.READ,
    table,
    key: { pk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL), sk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL) },
    consistentRead: true,
    resultSelector: {
      base: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Item.base.N')),
      cpu: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Item.cpu.N')),
      tasks: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Item.tasks.N')),
      room: sfn.JsonPath.mathRandom(PoolWaits.ROOM[0], PoolWaits.ROOM[1]),
    },
    resultPath: `${acquire.resultPath}.read`,
    comment: 'Read the counter (and draw the jittered waits)',
  });
  transientRetry(read);
  return read;
}

/** Moves the waiting window on by one past a ticket whose holder is gone. */
export function skipStalledTicket(scope: Construct, acquire: AcquireContext): tasks.DynamoUpdateItem {
  const skip = new tasks.DynamoUpdateItem(scope, acquire.names.SKIP, {
    stateName: acquire.names.SKIP,
    table: acquire.pool.table,
    key: { pk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL), sk: tasks.DynamoAttributeValue.fromString(PoolKeys.POOL) },
    updateExpression: 'SET #base = #base + :one',
    conditionExpression: '#base = :seen',
    expressionAttributeNames: { '#base': 'base' },
    expressionAttributeValues: {
      ':one': tasks.DynamoAttributeValue.fromNumber(1),
      ':seen': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.format('{}', sfn.JsonPath.stringAt(`${acquire.resultPath}.read.base`))),
    },
    resultPath: sfn.JsonPath.DISCARD,
    comment: 'The pool had room yet no slot was taken since the last look: a ticket in the window belongs to an item that is gone; move the window on by one',
  });
  transientRetry(skip);
  return skip;
}

/** Where a look leads: the read again (after a wait), the waited try, or the skip of a stalled ticket. */
interface LookTargets {
  readonly read: sfn.IChainable;
  readonly waitedTry: sfn.IChainable;
  readonly skip: sfn.IChainable;
}

/**
 * Where a waiting item stands after a look: eligible with room (take the slot), at the head,
 * within the window, near it or far; each back-off band waits and looks again.
 */
export function whereInLine(scope: Construct, acquire: AcquireContext, targets: LookTargets): sfn.Choice {
  const { pool: { decision }, options, names, resultPath } = acquire;
  const look = `${resultPath}.look`;
  const stalled = sfn.Condition.numberEqualsJsonPath(`${resultPath}.read.base`, `${look}.lastBase`);
  const waits: Record<string, sfn.IChainable> = {};
  // Every other look at the pool backs off first (one Pass: the item's level, the drawn wait and
  // the base seen), then waits, then reads: a look costs a pass, a wait, a read and a choice.
  const backOff = (kind: PoolWaitKind, waitName: string, passName: string, moved: boolean) =>
    backOffPass(scope, { decision, kind, passName, moved, resultPath })
      .next(waits[waitName] ??= new sfn.Wait(scope, waitName, { stateName: waitName, time: sfn.WaitTime.secondsPath(`${look}.seconds`) }).next(targets.read));

  const room: sfn.Condition[] = [];
  if (decision.maxCpuUnits !== undefined) room.push(sfn.Condition.numberLessThanEquals(`${resultPath}.read.cpu`, decision.maxCpuUnits - options.cpuUnits));
  if (decision.maxTasks !== undefined) room.push(sfn.Condition.numberLessThanEquals(`${resultPath}.read.tasks`, decision.maxTasks - 1));
  const hasRoom = room.length === 1 ? room[0] : sfn.Condition.and(...room);
  const eligible = sfn.Condition.numberGreaterThanEqualsJsonPath(`${resultPath}.read.base`, `${resultPath}.minBase`);
  const near = sfn.Condition.numberGreaterThanEqualsJsonPath(`${resultPath}.read.base`, `${resultPath}.nearBase`);
  const head = sfn.Condition.and(eligible, sfn.Condition.numberGreaterThanEqualsJsonPath(`${resultPath}.read.base`, `${resultPath}.headBase`));

  return new sfn.Choice(scope, names.WHERE, { stateName: names.WHERE, comment: 'Eligible (within the waiting window)? Room in the pool? Has the line moved since the last look?' })
    .when(sfn.Condition.and(eligible, hasRoom), targets.waitedTry)
    // The oldest tickets look often, so that a freed slot goes to them rather than to a later ticket.
    .when(sfn.Condition.and(head, stalled), backOff('HEAD', names.WAIT_HEAD, names.BACK_OFF_HEAD, false))
    .when(head, backOff('HEAD', names.WAIT_HEAD, names.MOVED_HEAD, true))
    .when(sfn.Condition.and(eligible, stalled), backOff('FULL', names.WAIT_FULL, names.BACK_OFF_FULL, false))
    .when(eligible, backOff('FULL', names.WAIT_FULL, names.MOVED_FULL, true))
    // Not eligible, room, and no slot taken since the last look: a ticket ahead is dead.
    .when(sfn.Condition.and(hasRoom, stalled), targets.skip)
    .when(sfn.Condition.and(near, hasRoom), backOff('NEAR', names.WAIT_NEAR, names.MOVED_NEAR, true))
    .when(sfn.Condition.and(near, stalled), backOff('FULL', names.WAIT_NEAR_FULL, names.BACK_OFF_NEAR_FULL, false))
    .when(near, backOff('FULL', names.WAIT_NEAR_FULL, names.MOVED_NEAR_FULL, true))
    .when(hasRoom, backOff('FAR', names.WAIT_FAR, names.MOVED_FAR, true))
    .when(stalled, backOff('FAR_FULL', names.WAIT_FAR_FULL, names.BACK_OFF_FAR_FULL, false))
    .otherwise(backOff('FAR_FULL', names.WAIT_FAR_FULL, names.MOVED_FAR_FULL, true));
}

/** One back-off Pass: its band's kind, its name, and whether the line moved since the last look. */
interface BackOffProps {
  readonly decision: PoolDecision;
  readonly kind: PoolWaitKind;
  readonly passName: string;
  readonly moved: boolean;
  readonly resultPath: string;
}

/** One back-off before a look: a line that moved goes back to the shortest band; one that did not, one level up. */
function backOffPass(scope: Construct, props: BackOffProps): sfn.Pass {
  const { decision, resultPath } = props;
  const look = `${resultPath}.look`;
  const bands = decision.waits.bands[props.kind];
  const constants = (values: number[]) => `States.Array(${values.join(', ')})`;
  // After a look that found the line where it was: one level up, and the band of that level.
  const upBand = (end: 0 | 1) => `States.ArrayGetItem(${constants(decision.waits.up.map((level) => bands[level][end]))}, ${look}.level)`;
  return new sfn.Pass(scope, props.passName, {
    stateName: props.passName,
    comment: props.moved
      ? 'The line moved since the last look: back to the shortest band, and draw the wait from it'
      : 'The line has not moved since the last look: one level up (longer waits), and draw the wait from that level\'s band',
    parameters: props.moved
      ? { 'level': 0, 'seconds': sfn.JsonPath.mathRandom(bands[0][0], bands[0][1]), 'lastBase.$': `${resultPath}.read.base` }
      : {
        'level.$': `States.ArrayGetItem(${constants(decision.waits.up)}, ${look}.level)`,
        'seconds.$': `States.MathRandom(${upBand(0)}, ${upBand(1)})`,
        'lastBase.$': `${resultPath}.read.base`,
      },
    resultPath: look,
  });
}
