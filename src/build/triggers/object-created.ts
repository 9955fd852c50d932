import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { sameBucket, sendObjectCreatedEvents } from './bucket-events';
import { buildDeadLetterAlarm, buildTriggerQueues } from './dead-letters';
import { buildTriggerPipe } from './pipe';
import { nestedInput, TriggerStarter } from './starter';
import { RunForEachObjectCreatedOptions } from '../../api/triggers';
import { checkResultLoop, decideTriggerBatching, inputFieldsOfItemsPath, validateWatchedObjects } from '../../decisions/triggers';
import { FargateFanOut } from '../../fargate-fan-out';

/**
 * What the pipe makes of each SQS record (an EventBridge "Object Created" event in its body): its
 * message id, and the item `{ bucket, key, size, etag }`.
 */
export const OBJECT_CREATED_RECORD_TEMPLATE = '{"id": "<$.messageId>", "item": {"bucket": "<$.body.detail.bucket.name>", '
  + '"key": "<$.body.detail.object.key>", "size": <$.body.detail.object.size>, "etag": "<$.body.detail.object.etag>"}}';

/** The records the pipe made with a template are already `{ id, item }`. */
export const TEMPLATED_RECORD_SELECTOR = {
  id: sfn.JsonPath.stringAt('$$.Map.Item.Value.id'),
  item: sfn.JsonPath.objectAt('$$.Map.Item.Value.item'),
};

/** The bucket and what to watch in it. */
export interface ObjectCreatedTriggerProps extends RunForEachObjectCreatedOptions {
  /** The bucket whose new objects are the items. */
  readonly bucket: s3.IBucket;
}

/**
 * Starts the fan-out for objects created in a bucket, one execution per batch: S3 "Object
 * Created" events → EventBridge rule → encrypted SQS queue → EventBridge Pipe → a starter that
 * names the execution by its batch → the fan-out, with items `{ bucket, key, size, etag }`.
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
  /** How events are batched into executions, and why. */
  public readonly batchingReason: string;

  constructor(fanOut: FargateFanOut, id: string, props: ObjectCreatedTriggerProps) {
    const target = fanOut._triggerTarget();
    const batching = decideTriggerBatching(props.maxBatchSize, props.batchWindow);
    const itemsFields = inputFieldsOfItemsPath(target.items.itemsPath);
    const watched = validateWatchedObjects(props);
    // Refused before the trigger joins the tree: one that throws leaves nothing behind.
    checkResultLoop({ ...watched, sameBucket: sameBucket(props.bucket, target.resultBucket), resultPrefix: target.resultPrefix });
    super(fanOut, id);
    this.batchingReason = batching.reason;
    const queues = buildTriggerQueues(this, batching);
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.rule = sendObjectCreatedEvents(this, { ...watched, ...queues, bucket: props.bucket });
    this.starter = new TriggerStarter(this, 'Starter', {
      fanOut: target.stateMachine,
      recordSelector: TEMPLATED_RECORD_SELECTOR,
      fanOutInput: nestedInput(itemsFields, sfn.JsonPath.listAt('$.items')),
      logRetention: target.logRetention,
    }).stateMachine;
    this.pipe = buildTriggerPipe(this, { queue: this.queue, starter: this.starter, batching, inputTemplate: OBJECT_CREATED_RECORD_TEMPLATE });
    if (target.alarms) {
      this.deadLetterAlarm = buildDeadLetterAlarm(this, this.deadLetterQueue, 'An object-created event');
      target.alarms.push(this.deadLetterAlarm);
    }
  }
}
