import { RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutItems } from '../../items/items';

/** What a trigger needs to know of the fan-out it starts. */
export interface TriggerTarget {
  readonly stateMachine: sfn.StateMachine;
  readonly items: FanOutItems;
  readonly resultBucket: s3.IBucket;
  readonly resultPrefix: string;
  readonly logRetention: logs.RetentionDays;
  /** What `cdk destroy` does with a trigger's log groups. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** Where the trigger adds its dead-letter alarm; undefined when alarms are off. */
  readonly alarms?: cloudwatch.Alarm[];
}
