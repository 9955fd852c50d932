import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { buildDropStartedBefore, buildRecordClaims } from './claim-states';
import { TriggerClaims } from './claims';
import { STARTER_TIMEOUT } from './decide-triggers';
import { buildListKeptRecords, buildListRecords } from './record-lists';
import { StarterStateNames } from './starter-state-names';
import { TriggerTarget } from './trigger-target';
import { ERRORS_EXECUTION_ALREADY_EXISTS } from '../../facts';


/** What a starter needs. */
export interface TriggerStarterProps {
  /** The fan-out to start, and where the starter's logs go. */
  readonly target: TriggerTarget;
  /**
   * Turns one record of the pipe's batch into `{ id, item }` (an ItemSelector, evaluated per
   * record with `$$.Map.Item.Value`): `id` names the record, `item` is what the fan-out runs.
   * With `claims`, also `claim`: the key under which the record is recorded once started.
   */
  readonly recordSelector: { [key: string]: any };
  /**
   * The fan-out's input, built from `$.items` (the batch's items) in the
   * state after NameExecution.
   */
  readonly fanOutInput: { [key: string]: any };
  /**
   * Where started records are recorded, so that a record delivered again in another batch is
   * dropped.
   *
   * @default - none: the batch's name alone makes a start idempotent (one record a batch whose
   * id is the same for every copy, as an items file's event)
   */
  readonly claims?: TriggerClaims;
}

/**
 * A small Express workflow that a pipe invokes synchronously with a batch of records: it turns
 * the batch into the fan-out's input and starts ONE fan-out execution, named by the SHA-256 of
 * the batch's record ids. A pipe cannot do this itself: its input template applies to each
 * record, not to the batch, and its Step Functions target cannot name an execution.
 *
 * The name makes a start idempotent: StartExecution with the name of an execution that is open
 * (same input) succeeds without starting another, and with the name of a closed one (or another
 * input) fails with ExecutionAlreadyExists, which here means "this batch was started already"
 * and succeeds. Any other failure fails the starter, so the pipe leaves the batch in the queue to
 * be retried and, after repeated failures, moved to the dead-letter queue.
 *
 * With `claims`, a record delivered again in ANOTHER batch (another name) is not run again:
 *
 * 1. each record's claim is looked up (a strongly consistent GetItem); records claimed before
 *    are dropped;
 * 2. nothing left: the starter succeeds without starting anything, so the pipe deletes the
 *    batch (its records were all started by earlier batches);
 * 3. the rest is started, under the name of the WHOLE batch (all its ids, dropped ones
 *    included), so that the same batch handed over again, after some of its claims were written,
 *    finds its first execution (ExecutionAlreadyExists: its items were in it) instead of
 *    starting the rest again under another name;
 * 4. only then is each started record claimed (a conditional PutItem that keeps the first
 *    claim), also when the name was already taken.
 *
 * The order makes a crash between two steps cost at worst a second run, never a lost record: a
 * claim exists only for a record whose execution has started, so a record is never dropped
 * unless it was started; a start whose claims were not written (a crash or failure between 3 and
 * 4) fails the starter, the batch stays in the queue, and a copy of a record in another batch
 * is run again. Claiming before the start would invert this: a crash after the claim and before
 * the start would drop the record everywhere, and lose it.
 */
export class TriggerStarter extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TriggerStarterProps) {
    super(scope, id);
    const claims = props.claims;
    const toItems = sfn.Map.jsonPath(this, 'ToItems', {
      stateName: StarterStateNames.TO_ITEMS,
      comment: claims
        ? 'One { id, claims, items } per record of the batch: claims and items are empty for a record started before.'
        : 'One { id, item } per record of the batch.',
      itemsPath: '$',
      itemSelector: props.recordSelector,
      // Definite paths only: the lists are made by ListRecords/ListKeptRecords (JSONata), so that a
      // batch of one gives a list of one whatever a JSONPath wildcard gives for a single match.
      resultSelector: claims
        ? { outputs: sfn.JsonPath.listAt('$'), text: sfn.JsonPath.jsonToString(sfn.JsonPath.listAt('$')) }
        : { outputs: sfn.JsonPath.listAt('$') },
    });
    toItems.itemProcessor(claims
      ? buildDropStartedBefore(this, claims)
      : new sfn.Pass(this, 'Record', { stateName: StarterStateNames.RECORD }));
    const nameBatch = new sfn.Pass(this, 'NameExecution', {
      stateName: StarterStateNames.NAME_BATCH,
      comment: 'The execution is named by its whole batch: a redelivered batch gets the same name, and cannot start a second execution.',
      parameters: {
        'name.$': "States.Hash(States.JsonToString($.ids), 'SHA-256')",
        'items.$': '$.items',
        ...(claims ? { 'claims.$': '$.claims' } : {}),
      },
    });
    const start = new tasks.StepFunctionsStartExecution(this, 'Start', {
      stateName: StarterStateNames.START,
      comment: 'Starts the fan-out for the batch (idempotent by name).',
      stateMachine: props.target.stateMachine,
      name: sfn.JsonPath.stringAt('$.name'),
      input: sfn.TaskInput.fromObject(props.fanOutInput),
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      resultSelector: { executionArn: sfn.JsonPath.stringAt('$.ExecutionArn') },
      // The claims after the start need the name and the claims.
      resultPath: claims ? '$.started' : undefined,
    });
    // A taken name is final: never retried, always caught.
    start.addRetry({ errors: ERRORS_EXECUTION_ALREADY_EXISTS, maxAttempts: 0 });
    start.addRetry({ errors: [sfn.Errors.ALL], maxAttempts: 4, interval: Duration.seconds(1), backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
    const started = new sfn.Succeed(this, 'Started', { stateName: StarterStateNames.STARTED });

    let definition: sfn.IChainable;
    if (claims) {
      const alreadyStarted = new sfn.Pass(this, 'AlreadyStarted', {
        stateName: StarterStateNames.ALREADY_STARTED,
        comment: 'An execution of this name exists: the batch was started before, with every record not claimed then (a superset of those left now).',
      });
      start.addCatch(alreadyStarted, { errors: ERRORS_EXECUTION_ALREADY_EXISTS, resultPath: '$.alreadyExists' });
      const recordClaims = buildRecordClaims(this, claims);
      start.next(recordClaims);
      alreadyStarted.next(recordClaims);
      recordClaims.next(started);
      // Issue 27: the kept records are listed only where the outputs' text shows one ("kept" in
      // quotes is there only as a kept record's key: see AnythingToStart).
      const listKept = buildListKeptRecords(this);
      const anythingToStart = new sfn.Choice(this, 'AnythingToStart', {
        stateName: StarterStateNames.ANYTHING_TO_START,
        comment: 'Was any record of the batch not started before? ("kept" in the outputs\' text)',
      })
        .when(sfn.Condition.stringMatches('$.text', '*"kept"*'), listKept.next(nameBatch).next(start))
        .otherwise(new sfn.Succeed(this, 'AllStartedBefore', {
          stateName: StarterStateNames.ALL_STARTED_BEFORE,
          comment: 'Every record of the batch was started by an earlier batch: nothing to start, and the pipe deletes the batch.',
        }));
      definition = toItems.next(anythingToStart);
    } else {
      const alreadyStarted = new sfn.Succeed(this, 'AlreadyStarted', {
        stateName: StarterStateNames.ALREADY_STARTED,
        comment: 'An execution of this name exists: the batch was started before.',
      });
      start.addCatch(alreadyStarted, { errors: ERRORS_EXECUTION_ALREADY_EXISTS, resultPath: '$.alreadyExists' });
      definition = toItems.next(buildListRecords(this)).next(nameBatch).next(start).next(started);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.target.logRetention, removalPolicy: props.target.logRemovalPolicy });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: STARTER_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: claims
        ? 'Starts one fan-out execution per batch of a trigger, named by the batch, for the records not started before.'
        : 'Starts one fan-out execution per batch of a trigger, named by the batch.',
    });
  }
}

/** Builds `{ a: { b: value } }` from `['a', 'b']`. */
export function nestedInput(fields: readonly string[], value: any): { [key: string]: any } {
  const [first, ...rest] = fields;
  return { [first]: rest.length === 0 ? value : nestedInput(rest, value) };
}
