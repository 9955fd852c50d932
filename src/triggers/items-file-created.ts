import { Aspects, Duration, IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, IConstruct } from 'constructs';
import { TEMPLATED_RECORD_SELECTOR } from './object-created';
import { FargateFanOut } from '../fargate-fan-out';
import { sameBucket, sendObjectCreatedEvents } from './private/bucket-events';
import { alarmOnDeadLetters, buildTriggerQueues } from './private/dead-letters';
import { buildTriggerPipe } from './private/pipe';
import { TriggerStarter } from './private/starter';
import { RunForEachItemsFileCreatedOptions } from './trigger-options';
import { S3_OBJECT_INPUT_FIELDS } from '../items/items';
import { checkResultLoop, decideTriggerBatching, validateWatchedObjects } from './private/decide-triggers';
import { flattenReference } from '../access/required-wildcards';

/**
 * Each file is its own batch, identified by bucket, key and the event's sequencer: S3 gives every
 * write of a key a new sequencer, and a copy of the same event the same one, so an event
 * delivered twice, in any batch, names the same execution and cannot start a second one.
 */
export const ITEMS_FILE_RECORD_TEMPLATE = '{"id": "<$.body.detail.bucket.name>/<$.body.detail.object.key>/<$.body.detail.object.sequencer>", '
  + '"item": {"bucket": "<$.body.detail.bucket.name>", "key": "<$.body.detail.object.key>"}}';

/** The bucket whose new files hold the items. */
export interface ItemsFileCreatedTriggerProps extends RunForEachItemsFileCreatedOptions {
  /** The bucket whose new files hold the items. */
  readonly bucket: s3.IBucket;
}

/**
 * Starts one fan-out execution per file created in a bucket; the file's items are read by the
 * Distributed Map's item reader: S3 "Object Created" events → EventBridge rule → encrypted SQS
 * queue → EventBridge Pipe (one file a batch) → a starter that names the execution by the file's
 * event → the fan-out, with input `{ bucket, key }`. Built by
 * `FargateFanOut.runForEachItemsFileCreated`.
 */
export class ItemsFileCreatedTrigger extends Construct {
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
  /** The Express workflow that starts one fan-out execution per file. */
  public readonly starter: sfn.StateMachine;

  constructor(fanOut: FargateFanOut, id: string, props: ItemsFileCreatedTriggerProps) {
    const target = fanOut._triggerTarget();
    const fanOutFormat = target.items._objectInInputFormat;
    if (fanOutFormat === undefined) {
      throw new Error(`items: runForEachItemsFileCreated names the file in the execution input; build the fan-out with items: FanOutItems.fromS3ObjectInInput(FanOutItemsFormat.${props.format?.name ?? 'CSV'}) (it reads ${target.items.description})`);
    }
    if (props.format !== fanOutFormat) {
      throw new Error(`format must be the format the fan-out reads (FanOutItems.fromS3ObjectInInput), ${fanOutFormat.name}, got ${props.format?.name}`);
    }
    // One file a batch: nothing to wait for.
    const batching = decideTriggerBatching(1, Duration.seconds(0));
    const watched = validateWatchedObjects(props);
    // Refused before the trigger joins the tree: one that throws leaves nothing behind.
    checkResultLoop({ ...watched, sameBucket: sameBucket(props.bucket, target.resultBucket), resultPrefix: target.resultPrefix });
    super(fanOut, id);
    const queues = buildTriggerQueues(this, batching);
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.rule = sendObjectCreatedEvents(this, { ...watched, ...queues, bucket: props.bucket });
    this.starter = new TriggerStarter(this, 'Starter', {
      target,
      recordSelector: TEMPLATED_RECORD_SELECTOR,
      fanOutInput: {
        [S3_OBJECT_INPUT_FIELDS.bucket]: sfn.JsonPath.stringAt('$.items[0].bucket'),
        [S3_OBJECT_INPUT_FIELDS.key]: sfn.JsonPath.stringAt('$.items[0].key'),
      },
    }).stateMachine;
    this.pipe = buildTriggerPipe(this, { queue: this.queue, starter: this.starter, batching, inputTemplate: ITEMS_FILE_RECORD_TEMPLATE });

    // The item reader reads the uploaded file: only the watched objects.
    const files = props.bucket.arnForObjects(`${watched.prefix ?? ''}*`);
    target.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [files] }));
    props.bucket.encryptionKey?.grantDecrypt(target.stateMachine);
    Aspects.of(fanOut).add(new WatchedFilesAcknowledgement(files));

    this.deadLetterAlarm = alarmOnDeadLetters(this, target, this.deadLetterQueue, 'An items-file event');
  }
}

/**
 * Acknowledges the one wildcard this trigger adds: s3:GetObject on the watched objects, whose
 * names are known only when they are uploaded.
 */
class WatchedFilesAcknowledgement implements IAspect {
  constructor(private readonly files: string) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) {
      return;
    }
    const resource = flattenReference(Stack.of(node).resolve(this.files));
    const document = Stack.of(node).resolve(node.policyDocument);
    const actionsOnIt = (document?.Statement ?? [])
      .filter((s: any) => s.Effect === 'Allow' && [s.Resource].flat().map(flattenReference).includes(resource))
      .flatMap((s: any) => [s.Action].flat());
    if (actionsOnIt.length > 0 && actionsOnIt.every((a: string) => a === 's3:GetObject')) {
      Validations.of(node).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason: 'The item reader reads each uploaded items file; their names are known only at upload, so read access covers the watched prefix (s3:GetObject only).',
      });
    }
  }
}
