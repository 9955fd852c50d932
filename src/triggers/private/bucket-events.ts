import { Annotations, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { objectCreatedEventPattern, WatchedObjects } from './decide-triggers';
import { EVENTBRIDGE_MAX_EVENT_AGE_SECONDS, EVENTBRIDGE_MAX_RETRY_ATTEMPTS } from '../../facts';

/**
 * What a bucket trigger watches and where its events go. The trigger has already refused, before
 * joining the tree, a prefix that holds the fan-out's own results (`checkResultLoop`).
 */
export interface ObjectCreatedEventsProps extends WatchedObjects {
  readonly bucket: s3.IBucket;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * Sends the bucket's "Object Created" events (put, multipart upload, copy) under the prefix to the
 * queue. Turns EventBridge notifications on
 * for a bucket of this app, and warns for an imported one. EventBridge retries delivery for 24
 * hours; what it still cannot deliver goes to the dead-letter queue.
 */
export function sendObjectCreatedEvents(scope: Construct, props: ObjectCreatedEventsProps): events.Rule {
  if (props.bucket instanceof s3.Bucket) {
    props.bucket.enableEventBridgeNotification();
    acknowledgeBucketNotificationsHandler(props.bucket);
  } else {
    Annotations.of(scope).addWarningV2('cdk-fargate-fan-out:eventBridgeNotifications',
      `The bucket ${props.bucket.node.path} was imported: turn on its Amazon EventBridge notifications (S3 console: Properties > Event notifications, or the bucket's eventBridgeEnabled), or no upload starts the fan-out.`);
  }
  const rule = new events.Rule(scope, 'Rule', {
    description: `Object Created (put, multipart upload, copy) in ${props.bucket.node.path}${props.prefix ? ` under ${props.prefix}` : ''}${props.suffix ? ` ending in ${props.suffix}` : ''}`,
    eventPattern: objectCreatedEventPattern(props.bucket.bucketName, props),
  });
  rule.addTarget(new targets.SqsQueue(props.queue, {
    deadLetterQueue: props.deadLetterQueue,
    retryAttempts: EVENTBRIDGE_MAX_RETRY_ATTEMPTS,
    maxEventAge: Duration.seconds(EVENTBRIDGE_MAX_EVENT_AGE_SECONDS),
  }));
  return rule;
}

/** True when both are the same bucket (the same construct, or the same name). */
export function sameBucket(a: s3.IBucket, b: s3.IBucket): boolean {
  return a === b || a.node.path === b.node.path || a.bucketName === b.bucketName;
}

/**
 * The construct id of aws-cdk-lib's singleton Lambda that turns notifications on for a bucket
 * (`NotificationsResourceHandler.singleton`, aws-s3/lib/notifications-resource/notifications-resource-handler.ts).
 */
const BUCKET_NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

/** The finding cdk-nag reports on that handler's role. */
const BASIC_EXECUTION_ROLE_FINDING = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/**
 * Acknowledges, on aws-cdk-lib's BucketNotificationsHandler only, the one cdk-nag finding that
 * turning on EventBridge notifications for the bucket brings: its role's AWS managed policy for
 * writing its own logs. Acknowledged here rather than left to the user behind an error asking
 * for the bucket's `eventBridgeEnabled: true`, because that prop makes aws-cdk-lib add the same
 * handler: the finding would only move to the user's line.
 */
function acknowledgeBucketNotificationsHandler(bucket: s3.Bucket): void {
  const role = Stack.of(bucket).node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER_ID)?.node.tryFindChild('Role');
  if (role) {
    Validations.of(role).acknowledge({
      id: BASIC_EXECUTION_ROLE_FINDING,
      reason: 'aws-cdk-lib\'s BucketNotificationsHandler (added to turn on the bucket\'s EventBridge notifications for a fan-out trigger) writes its own logs with the AWS managed AWSLambdaBasicExecutionRole policy, which it sets itself; it runs only when the stack is deployed.',
    });
  }
}
