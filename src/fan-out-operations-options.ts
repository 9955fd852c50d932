import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/**
 * What the fan-out records and shows: logs, tracing, alarms, the dashboard, and what `cdk destroy`
 * does with what holds data. Part of `FargateFanOutProps`.
 */
export interface FanOutOperationsOptions {
  /**
   * How long container and state machine logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Which execution events the state machine logs to CloudWatch Logs. ALL logs every state
   * transition of every item, which costs more the more items a run has.
   *
   * @default sfn.LogLevel.ERROR
   */
  readonly logLevel?: sfn.LogLevel;

  /**
   * Whether state machine logs include state input and output (the items).
   *
   * @default false
   */
  readonly includeExecutionDataInLogs?: boolean;

  /**
   * Whether the state machine sends traces to AWS X-Ray.
   *
   * @default true
   */
  readonly tracingEnabled?: boolean;

  /**
   * What `cdk destroy` does with what the construct creates that holds data: the result bucket
   * (when none is given) and the log groups (container, state machine, VPC flow logs, trigger
   * starters). RETAIN or DESTROY; DESTROY empties the bucket first (`autoDeleteObjects`, a
   * custom resource) and suits development stacks.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether to create alarms on failed, timed-out, aborted and throttled executions (and failed
   * Distributed Map child executions). They have no actions; add yours through `alarms`.
   *
   * @default true
   */
  readonly createAlarms?: boolean;

  /**
   * Whether to create a CloudWatch dashboard of the fan-out: executions, Distributed Map child
   * executions, tasks running (Container Insights), the account's Fargate vCPUs against the
   * quota, the alarms and the concurrency pool. See `dashboard`.
   *
   * @default true
   */
  readonly createDashboard?: boolean;

  /**
   * The dashboard's name: letters, digits, `-` and `_`, up to 255 characters, unique in the
   * account and Region.
   *
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
}
