import { Annotations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FargateFanOut } from '../fargate-fan-out';
import { buildClaimTable } from './private/claims';
import { alarmOnDeadLetters } from './private/dead-letters';
import { decideClaimRetention, decideTriggerBatching, inputFieldsOfItemsPath } from './private/decide-triggers';
import { buildTriggerPipe } from './private/pipe';
import { nestedInput, TriggerStarter } from './private/starter';
import { RunForEachMessageOptions } from './trigger-options';

/**
 * Each SQS record becomes `{ id, item: { messageId, body } }`. The body is passed as the pipe
 * delivers it, without being parsed here, so that a body that is not JSON cannot fail the batch.
 */
export const MESSAGE_RECORD_SELECTOR = {
  id: sfn.JsonPath.stringAt('$$.Map.Item.Value.messageId'),
  // SQS keeps a message's id when it delivers it again.
  claim: sfn.JsonPath.stringAt('$$.Map.Item.Value.messageId'),
  item: {
    messageId: sfn.JsonPath.stringAt('$$.Map.Item.Value.messageId'),
    body: sfn.JsonPath.stringAt('$$.Map.Item.Value.body'),
  },
};

/** The queue and how to batch its messages. */
export interface MessageTriggerProps extends RunForEachMessageOptions {
  /** The queue whose messages are the items. */
  readonly queue: sqs.IQueue;
}

/**
 * Starts the fan-out for the messages of a queue, one execution per batch: the queue →
 * EventBridge Pipe → a starter that drops the messages it started before (a claim table) and
 * names the execution by its batch → the fan-out, with items
 * `{ messageId, body }`. Built by `FargateFanOut.runForEachMessage`.
 */
export class MessageTrigger extends Construct {
  /**
   * The alarm on the queue's dead-letter queue.
   *
   * @default - undefined when the queue has no dead-letter queue (a `sqs.Queue` of this app
   * without `deadLetterQueue`, or an imported queue) or the fan-out's createAlarms is false
   */
  public readonly deadLetterAlarm?: cloudwatch.Alarm;
  /** The EventBridge Pipe from the queue to the starter. */
  public readonly pipe: pipes.CfnPipe;
  /** The Express workflow that starts one fan-out execution per batch. */
  public readonly starter: sfn.StateMachine;
  /**
   * The ids of the messages the starter has started, so that a message received again in
   * another batch is not run again.
   */
  public readonly claimTable: dynamodb.Table;
  /** How long a started message is recorded, and why. */
  public readonly claimRetentionReason: string;
  /** How messages are batched into executions, and why. */
  public readonly batchingReason: string;

  constructor(fanOut: FargateFanOut, id: string, props: MessageTriggerProps) {
    const target = fanOut._triggerTarget();
    const batching = decideTriggerBatching(props.maxBatchSize, props.batchWindow);
    const itemsFields = inputFieldsOfItemsPath(target.items.itemsPath);
    const retention = decideClaimRetention(false);
    super(fanOut, id);
    this.batchingReason = batching.reason;
    this.claimTable = buildClaimTable(this);
    this.claimRetentionReason = retention.reason;
    this.starter = new TriggerStarter(this, 'Starter', {
      target,
      recordSelector: MESSAGE_RECORD_SELECTOR,
      fanOutInput: nestedInput(itemsFields, sfn.JsonPath.listAt('$.items')),
      claims: { table: this.claimTable, retention },
    }).stateMachine;
    this.pipe = buildTriggerPipe(this, { queue: props.queue, starter: this.starter, batching });
    const deadLetterQueue = props.queue instanceof sqs.Queue ? props.queue.deadLetterQueue?.queue : undefined;
    if (!deadLetterQueue) {
      Annotations.of(this).addWarningV2('cdk-fargate-fan-out:messageDeadLetterQueue',
        `The queue ${props.queue.node.path} has no dead-letter queue this construct can see: a message whose batch cannot be started is retried until the queue's retention period ends, then lost. Give the queue a deadLetterQueue (maxReceiveCount 5 or so) and an alarm on it.`);
    } else {
      this.deadLetterAlarm = alarmOnDeadLetters(this, target, deadLetterQueue, 'A message');
    }
  }
}
