import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmOnDeadLetters, buildDeadLetterQueue } from './private/dead-letters';
import { RunOnScheduleOptions } from './trigger-options';
import { EVENTBRIDGE_MAX_EVENT_AGE_SECONDS, EVENTBRIDGE_MAX_RETRY_ATTEMPTS } from '../facts';
import { FargateFanOut } from '../fargate-fan-out';

/** When to run, and with what input. */
export interface ScheduleTriggerProps extends RunOnScheduleOptions {
  /** When to start the fan-out. */
  readonly schedule: scheduler.ScheduleExpression;
}

/**
 * Starts the fan-out on a schedule (EventBridge Scheduler) with a fixed input. A start that
 * fails after the scheduler's retries (24 hours, 185 attempts) goes to a dead-letter queue with
 * an alarm. Built by `FargateFanOut.runOnSchedule`.
 */
export class ScheduleTrigger extends Construct {
  /** The EventBridge Scheduler schedule. */
  public readonly schedule: scheduler.Schedule;
  /** Starts that failed after retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /**
   * The alarm on the dead-letter queue.
   *
   * @default - undefined when the fan-out's createAlarms is false
   */
  public readonly deadLetterAlarm?: cloudwatch.Alarm;

  constructor(fanOut: FargateFanOut, id: string, props: ScheduleTriggerProps) {
    const target = fanOut._triggerTarget();
    if (props.input === undefined && (target.items.itemsPath !== undefined || target.items._objectInInputFormat !== undefined)) {
      const needs = target.items.itemsPath !== undefined ? `the items at ${target.items.itemsPath}` : 'the items file as { "bucket", "key" }';
      throw new Error(`input: the fan-out reads ${needs} from the execution input; give the schedule an input (ScheduleTargetInput.fromObject(...))`);
    }
    super(fanOut, id);
    const deadLetterQueue = buildDeadLetterQueue(this);
    this.deadLetterQueue = deadLetterQueue;
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue: the schedule target\'s (cdk-nag only recognizes dead-letter queues named in a redrive policy).',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: props.schedule,
      description: props.description,
      target: new schedulerTargets.StepFunctionsStartExecution(target.stateMachine, {
        input: props.input,
        deadLetterQueue,
        retryAttempts: EVENTBRIDGE_MAX_RETRY_ATTEMPTS,
        maxEventAge: Duration.seconds(EVENTBRIDGE_MAX_EVENT_AGE_SECONDS),
      }),
    });
    this.deadLetterAlarm = alarmOnDeadLetters(this, target, deadLetterQueue, 'A scheduled start');
  }
}
