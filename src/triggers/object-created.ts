import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FargateFanOut } from '../fargate-fan-out';
import { sameBucket, sendObjectCreatedEvents } from './private/bucket-events';
import { buildClaimTable } from './private/claims';
import { alarmOnDeadLetters, buildTriggerQueues } from './private/dead-letters';
import { checkResultLoop, decideClaimRetention, decideTriggerBatching, inputFieldsOfItemsPath, validateWatchedObjects } from './private/decide-triggers';
import { buildTriggerPipe } from './private/pipe';
import { nestedInput, TriggerStarter } from './private/starter';
import { RunForEachObjectCreatedOptions } from './trigger-options';

/**
 * What the pipe makes of each SQS record (an EventBridge "Object Created" event in its body): its
 * message id, its claim (bucket, key and the event's sequencer: S3 gives every write of a key a
 * new sequencer, and every copy of one event the same, so an event delivered twice, as two
 * messages, has one claim), and the item `{ bucket, key, size, etag }`.
 */
export const OBJECT_CREATED_RECORD_TEMPLATE = '{"id": "<$.messageId>", '
  + '"claim": "<$.body.detail.bucket.name>/<$.body.detail.object.key>/<$.body.detail.object.sequencer>", '
  + '"item": {"bucket": "<$.body.detail.bucket.name>", '
  + '"key": "<$.body.detail.object.key>", "size": <$.body.detail.object.size>, "etag": "<$.body.detail.object.etag>"}}';

/** The records the pipe made with a template are already `{ id, item }`. */
export const TEMPLATED_RECORD_SELECTOR = {
  id: sfn.JsonPath.stringAt('$$.Map.Item.Value.id'),
  item: sfn.JsonPath.objectAt('$$.Map.Item.Value.item'),
};

/** Records made by OBJECT_CREATED_RECORD_TEMPLATE: `{ id, claim, item }`. */
export const OBJECT_CREATED_RECORD_SELECTOR = {
  ...TEMPLATED_RECORD_SELECTOR,
  claim: sfn.JsonPath.stringAt('$$.Map.Item.Value.claim'),
};

/** The bucket and what to watch in it. */
export interface ObjectCreatedTriggerProps extends RunForEachObjectCreatedOptions {
  /** The bucket whose new objects are the items. */
  readonly bucket: s3.IBucket;
}

/**
 * Starts the fan-out for objects created in a bucket, one execution per batch: S3 "Object
 * Created" events → EventBridge rule → encrypted SQS queue → EventBridge Pipe → a starter that
 * drops the events it started before (a claim table) and names the execution by its batch → the
 * fan-out, with items `{ bucket, key, size, etag }`.
 * Built by `FargateFanOut.runForEachObjectCreated`.
 */
export class ObjectCreatedTrigger extends Construct {
  /** The queue that buffers the events. */
  public readonly queue: sqs.IQueue;
  /** Events that could not be delivered or started, after retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /**
   * The alarm on the dead-letter queue.
   *
   * @default - undefined when the fan-out's createAlarms is false
   */
  public readonly deadLetterAlarm?: cloudwatch.Alarm;
  /** The EventBridge rule that matches the events. */
  public readonly rule: events.Rule;
  /** The EventBridge Pipe from the queue to the starter. */
  public readonly pipe: pipes.CfnPipe;
  /** The Express workflow that starts one fan-out execution per batch. */
  public readonly starter: sfn.StateMachine;
  /**
   * The records of the events the starter has started (bucket/key/sequencer), so that an event
   * received again in another batch is not run again.
   */
  public readonly claimTable: dynamodb.Table;
  /** How long a started event is recorded, and why. */
  public readonly claimRetentionReason: string;
  /** How events are batched into executions, and why. */
  public readonly batchingReason: string;

  constructor(fanOut: FargateFanOut, id: string, props: ObjectCreatedTriggerProps) {
    const target = fanOut._triggerTarget();
    const batching = decideTriggerBatching(props.maxBatchSize, props.batchWindow);
    const itemsFields = inputFieldsOfItemsPath(target.items.itemsPath);
    const watched = validateWatchedObjects(props);
    const retention = decideClaimRetention(true);
    // Refused before the trigger joins the tree: one that throws leaves nothing behind.
    checkResultLoop({ ...watched, sameBucket: sameBucket(props.bucket, target.resultBucket), resultPrefix: target.resultPrefix });
    super(fanOut, id);
    this.batchingReason = batching.reason;
    const queues = buildTriggerQueues(this, batching);
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.rule = sendObjectCreatedEvents(this, { ...watched, ...queues, bucket: props.bucket });
    this.claimTable = buildClaimTable(this);
    this.claimRetentionReason = retention.reason;
    this.starter = new TriggerStarter(this, 'Starter', {
      target,
      recordSelector: OBJECT_CREATED_RECORD_SELECTOR,
      fanOutInput: nestedInput(itemsFields, sfn.JsonPath.listAt('$.items')),
      claims: { table: this.claimTable, retention },
    }).stateMachine;
    this.pipe = buildTriggerPipe(this, { queue: this.queue, starter: this.starter, batching, inputTemplate: OBJECT_CREATED_RECORD_TEMPLATE });
    this.deadLetterAlarm = alarmOnDeadLetters(this, target, this.deadLetterQueue, 'An object-created event');
  }
}
