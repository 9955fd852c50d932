import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ERRORS_EXECUTION_ALREADY_EXISTS } from '../../aws-limits';
import { STARTER_TIMEOUT } from '../../decisions/triggers';

/** Names of the starter's states; tests and the offline harness use them. */
export const StarterStateNames = {
  TO_ITEMS: 'RecordsToItems',
  RECORD: 'Record',
  NAME_BATCH: 'NameExecution',
  START: 'StartFanOut',
  ALREADY_STARTED: 'AlreadyStarted',
  STARTED: 'Started',
} as const;

/** What a starter needs. */
export interface TriggerStarterProps {
  /** The fan-out to start. */
  readonly fanOut: sfn.IStateMachine;
  /**
   * Turns one record of the pipe's batch into `{ id, item }` (an ItemSelector, evaluated per
   * record with `$$.Map.Item.Value`): `id` names the record, `item` is what the fan-out runs.
   */
  readonly recordSelector: { [key: string]: any };
  /**
   * The fan-out's input, built from `$.items` (the batch's items) in the
   * state after NameExecution.
   */
  readonly fanOutInput: { [key: string]: any };
  /** How long the starter's logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * A small Express workflow that a pipe invokes synchronously with a batch of records: it turns
 * the batch into the fan-out's input and starts ONE fan-out execution, named by the SHA-256 of
 * the batch's record ids. A pipe cannot do this itself: its input template applies to each
 * record, not to the batch, and its Step Functions target cannot name an execution.
 *
 * The name makes a start idempotent: StartExecution with the name of an execution that is open
 * (same input) succeeds without starting another, and with the name of a closed one fails with
 * ExecutionAlreadyExists, which here means "this batch was started already" and succeeds. Any
 * other failure fails the starter, so the pipe leaves the batch in the queue to be retried and,
 * after repeated failures, moved to the dead-letter queue.
 */
export class TriggerStarter extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TriggerStarterProps) {
    super(scope, id);
    const toItems = sfn.Map.jsonPath(this, 'ToItems', {
      stateName: StarterStateNames.TO_ITEMS,
      comment: 'One { id, item } per record of the batch.',
      itemsPath: '$',
      itemSelector: props.recordSelector,
      resultSelector: {
        ids: sfn.JsonPath.listAt('$[*].id'),
        items: sfn.JsonPath.listAt('$[*].item'),
      },
    });
    toItems.itemProcessor(new sfn.Pass(this, 'Record', { stateName: StarterStateNames.RECORD }));
    const nameBatch = new sfn.Pass(this, 'NameExecution', {
      stateName: StarterStateNames.NAME_BATCH,
      comment: 'The execution is named by its batch: a redelivered batch gets the same name, and cannot start a second execution.',
      parameters: {
        'name.$': "States.Hash(States.JsonToString($.ids), 'SHA-256')",
        // Not States.ArrayUnique: AWS shows it on numbers only; were it to refuse objects, a starter that always
        // failed would send every event to the dead-letter queue.
        'items.$': '$.items',
      },
    });
    const start = new tasks.StepFunctionsStartExecution(this, 'Start', {
      stateName: StarterStateNames.START,
      comment: 'Starts the fan-out for the batch (idempotent by name).',
      stateMachine: props.fanOut,
      name: sfn.JsonPath.stringAt('$.name'),
      input: sfn.TaskInput.fromObject(props.fanOutInput),
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      resultSelector: { executionArn: sfn.JsonPath.stringAt('$.ExecutionArn') },
    });
    // A taken name is final: never retried, always caught.
    start.addRetry({ errors: ERRORS_EXECUTION_ALREADY_EXISTS, maxAttempts: 0 });
    start.addRetry({ errors: [sfn.Errors.ALL], maxAttempts: 4, interval: Duration.seconds(1), backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
    const alreadyStarted = new sfn.Succeed(this, 'AlreadyStarted', {
      stateName: StarterStateNames.ALREADY_STARTED,
      comment: 'An execution of this name exists: the batch was started before.',
    });
    start.addCatch(alreadyStarted, { errors: ERRORS_EXECUTION_ALREADY_EXISTS, resultPath: '$.alreadyExists' });
    const started = new sfn.Succeed(this, 'Started', { stateName: StarterStateNames.STARTED });

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(toItems.next(nameBatch).next(start).next(started)),
      timeout: STARTER_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'Starts one fan-out execution per batch of a trigger, named by the batch.',
    });
  }
}

/** Builds `{ a: { b: value } }` from `['a', 'b']`. */
export function nestedInput(fields: readonly string[], value: any): { [key: string]: any } {
  const [first, ...rest] = fields;
  return { [first]: rest.length === 0 ? value : nestedInput(rest, value) };
}
