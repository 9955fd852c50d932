import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION, TRIGGER_MAX_RECEIVE_COUNT, TriggerBatching } from './decide-triggers';
import { TriggerTarget } from './trigger-target';

/** A trigger's queues: the buffer a pipe reads, and where what cannot be started ends up. */
export interface TriggerQueues {
  /** The buffer between the event source and the pipe (undefined when the source is a queue). */
  readonly queue?: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

/** An encrypted, SSL-only dead-letter queue that keeps messages 14 days. */
export function buildDeadLetterQueue(scope: Construct): sqs.Queue {
  return new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
}

/**
 * The buffer a pipe reads: encrypted, SSL only, messages kept the longest SQS allows, hidden
 * while their batch is started, and moved to the dead-letter queue after repeated failed starts.
 */
export function buildTriggerQueues(scope: Construct, batching: TriggerBatching): Required<TriggerQueues> {
  const deadLetterQueue = buildDeadLetterQueue(scope);
  const queue = new sqs.Queue(scope, 'Queue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    visibilityTimeout: Duration.seconds(batching.visibilityTimeoutSeconds),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: TRIGGER_MAX_RECEIVE_COUNT },
  });
  return { queue, deadLetterQueue };
}

/**
 * An alarm on the first message in a dead-letter queue (an event that did not start the fan-out),
 * added to the fan-out's alarms; none when the fan-out's createAlarms is false.
 */
export function alarmOnDeadLetters(scope: Construct, target: TriggerTarget, deadLetterQueue: sqs.IQueue, what: string): cloudwatch.Alarm | undefined {
  if (!target.alarms) {
    return undefined;
  }
  const alarm = new cloudwatch.Alarm(scope, 'DeadLetterAlarm', {
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `${what} could not start the fan-out and waits in the dead-letter queue ${deadLetterQueue.node.path}.`,
  });
  target.alarms.push(alarm);
  return alarm;
}
