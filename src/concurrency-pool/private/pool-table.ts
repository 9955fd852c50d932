import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PoolDecision } from './decide-pool';
import { ERRORS_DYNAMODB_TRANSIENT } from '../../facts';

// What the pool's states share: the table's layout, the keys and names of the states of one
// placement, and the retry of every call. The states are in pool-acquire.ts and pool-release.ts.

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
export const NAMES = {
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

export const DEFAULT_RESULT_PATH = '$.pool';

/** The retry of every pool call: DynamoDB's transient errors, with jitter. */
export function transientRetry(state: sfn.TaskStateBase): void {
  state.addRetry({
    errors: ERRORS_DYNAMODB_TRANSIENT,
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(20),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

/** A DynamoDB number. */
export function n(value: number | string): { N: string } {
  return { N: String(value) };
}

/** The lease's key, from the holder execution, its slot id and its owner. */
export function leaseKey(options: PoolFragmentOptions): { pk: any; sk: any } {
  const owner = sfn.JsonPath.stringAt(options.ownerPath ?? '$$.Execution.Id');
  return {
    pk: { S: sfn.JsonPath.format(`${PoolKeys.LEASE_PREFIX}{}`, owner) },
    sk: { S: sfn.JsonPath.format('{}#{}', sfn.JsonPath.stringAt('$$.Execution.Id'), sfn.JsonPath.stringAt(options.slotPath)) },
  };
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

/** How a slot is given back: which lease is deleted, under which condition, and its weight. */
export interface LeaseGiveBack {
  /** The state's name (also its construct id). */
  readonly stateName: string;
  readonly table: dynamodb.ITable;
  /** The lease's key (`{ pk, sk }`, DynamoDB values or paths to them). */
  readonly key: object;
  /** The Delete's condition, with its names and values when it has any. */
  readonly condition: { readonly expression: string; readonly names?: object; readonly values?: object };
  /** CPU units taken off the counter: a DynamoDB number or a path to one. */
  readonly weight: unknown;
  readonly comment: string;
}

/**
 * One transaction that deletes a lease and takes one task and its weight off the counter, all or
 * nothing (the release after an item, and the cleanup's give-back of an ended holder's lease).
 * Granted as dynamodb:DeleteItem: TransactWriteItems is authorized per action it holds (the
 * Update is granted with the table's other writes).
 */
export function leaseGiveBack(scope: Construct, giveBack: LeaseGiveBack): tasks.CallAwsService {
  const { table, condition } = giveBack;
  return new tasks.CallAwsService(scope, giveBack.stateName, {
    stateName: giveBack.stateName,
    service: 'dynamodb',
    action: 'transactWriteItems',
    iamResources: [table.tableArn],
    iamAction: 'dynamodb:DeleteItem',
    parameters: {
      TransactItems: [
        {
          Delete: {
            TableName: table.tableName,
            Key: giveBack.key,
            ConditionExpression: condition.expression,
            ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
            ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
          },
        },
        counterGiveBack(table.tableName, giveBack.weight),
      ],
    },
    resultPath: sfn.JsonPath.DISCARD,
    comment: giveBack.comment,
  });
}

/**
 * The counter's part of giving a slot back (with the lease's delete, in one transaction): one
 * task and its `weight` (CPU units, a DynamoDB number or a path to one) taken off.
 */
function counterGiveBack(tableName: string, weight: unknown): object {
  return {
    Update: {
      TableName: tableName,
      Key: { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL } },
      UpdateExpression: 'SET #cpu = #cpu - :w, #tasks = #tasks - :one',
      ExpressionAttributeNames: { '#cpu': 'cpu', '#tasks': 'tasks' },
      ExpressionAttributeValues: { ':w': weight, ':one': n(1) },
    },
  };
}
