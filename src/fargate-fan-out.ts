import { Annotations, Aspects, Names } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { grantFanOutAccess, grantRedriveOf } from './access/grants';
import { RequiredWildcardAcknowledgements } from './access/required-wildcards';
import { buildFanOutDashboard } from './dashboard/fan-out-dashboard';
import { describeDecisions } from './describe-decisions';
import { mapRunChildMetricsArn, SFN_EXECUTION_METRICS, SFN_METRICS_NAMESPACE, SFN_STATE_MACHINE_ARN_DIMENSION } from './facts';
import { decideFanOut, FanOutDecisions } from './fan-out-decisions';
import { FargateFanOutProps } from './fargate-fan-out-props';
import { FanOutItems } from './items/items';
import { FanOutMode } from './mode/mode';
import { buildTaskNetwork } from './network/network';
import { decideTaskEndpoints } from './network/task-endpoints';
import { FanOutRetryPolicy } from './retries/retry-options';
import { FanOutCapacity } from './task/capacity';
import { FanOutIntegrationPattern } from './task/integration-pattern';
import { buildTask } from './task/private/task-definition';
import { ItemsFileCreatedTrigger } from './triggers/items-file-created';
import { MessageTrigger } from './triggers/message';
import { ObjectCreatedTrigger } from './triggers/object-created';
import { TriggerTarget } from './triggers/private/trigger-target';
import { ScheduleTrigger } from './triggers/schedule';
import { RunForEachItemsFileCreatedOptions, RunForEachMessageOptions, RunForEachObjectCreatedOptions, RunOnScheduleOptions } from './triggers/trigger-options';
import { FanOutAlarms } from './workflow/alarms';
import { buildResultBucket } from './workflow/result-bucket';
import { buildStateMachine } from './workflow/state-machine';
import { DISTRIBUTED_MAP_LABEL, FanOutWorkflow } from './workflow/workflow';

/**
 * Runs a container once for every item in a list: an ECS cluster, a Fargate task definition and
 * a Step Functions state machine whose Map (inline) or Distributed Map runs one Fargate task per
 * item with `ecs:runTask.sync`, retries throttling and capacity errors with jittered backoff,
 * caps concurrency, and ends with a summary of the failed items.
 *
 * Start an execution with `{ "items": [ ... ] }` (or the items path you chose), or with any
 * input when the items are read from S3.
 */
export class FargateFanOut extends Construct {
  /** The state machine that runs the fan-out. */
  public readonly stateMachine: sfn.StateMachine;

  /** The cluster the tasks run in. */
  public readonly cluster: ecs.ICluster;

  /** The task definition run once per item. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;

  /** The container that receives the item in `FANOUT_ITEM`. */
  public readonly container: ecs.ContainerDefinition;

  /** The security groups of the tasks. */
  public readonly securityGroups: ec2.ISecurityGroup[];

  /**
   * The VPC the construct created for the tasks.
   *
   * @default - undefined when a VPC or cluster was given
   */
  public readonly vpc?: ec2.IVpc;

  /**
   * The log group of the container.
   *
   * @default - undefined when `taskDefinition` was given
   */
  public readonly logGroup?: logs.ILogGroup;

  /** The log group of the state machine. */
  public readonly stateMachineLogGroup: logs.ILogGroup;

  /** Where failed items are recorded and the Distributed Map writes its results. */
  public readonly resultBucket: s3.IBucket;

  /** The alarms created (empty when `createAlarms` is false). */
  public readonly alarms: cloudwatch.Alarm[];

  /**
   * The fan-out's CloudWatch dashboard.
   *
   * @default - undefined when `createDashboard` is false
   */
  public readonly dashboard?: cloudwatch.Dashboard;

  /** Every decision made from the props, with its reason. */
  private readonly decisions: FanOutDecisions;

  /** Triggers added so far, for their ids. */
  private triggerCount = 0;

  constructor(scope: Construct, id: string, props: FargateFanOutProps) {
    // Every check runs before the construct joins the tree: one that throws leaves nothing behind.
    const decisions = decideFanOut(props);
    super(scope, id);
    this.decisions = decisions;
    for (const warning of decisions.warnings) {
      Annotations.of(this).addWarningV2(warning.id, warning.message);
    }

    const { observability } = decisions;
    const { logRetention, logRemovalPolicy: removalPolicy } = observability;
    const task = buildTask(this, decisions.task, logRetention, removalPolicy);
    this.taskDefinition = task.taskDefinition;
    this.container = task.container;
    this.logGroup = task.logGroup;
    const network = buildTaskNetwork(this, { decision: decisions.network, taskDefinition: task.taskDefinition, logRetention, removalPolicy });
    this.cluster = network.cluster;
    this.vpc = network.createdVpc;
    this.securityGroups = network.securityGroups;
    this.resultBucket = props.resultBucket ?? buildResultBucket(this, decisions.removal);

    // A name fixed at synth lets the role name the state machine's own Map Runs (see distributed-map.ts).
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    const workflow = new FanOutWorkflow(this, 'Workflow', {
      ...task, ...network, decisions, resultBucket: this.resultBucket, pool: props.concurrencyPool?._binding(), stateMachineName,
    });
    const stateMachine = buildStateMachine(this, {
      stateMachineName,
      definition: workflow.definition,
      comment: `Fan-out: one Fargate task per item of ${this.items.description}. ${this.modeReason}`,
      timeout: decisions.timeouts.executionTimeout,
      observability,
    });
    this.stateMachine = stateMachine.stateMachine;
    props.concurrencyPool?.addUser(this.stateMachine);
    props.concurrencyPool?._addTaskCluster(this.cluster);
    this.stateMachineLogGroup = stateMachine.logGroup;
    Aspects.of(this).add(new RequiredWildcardAcknowledgements(props.resultBucket ? undefined : this.resultBucket, this.stateMachine));
    this.alarms = observability.createAlarms ? new FanOutAlarms(this, 'Alarms', {
      stateMachine: this.stateMachine,
      childExecutionsFailed: decisions.hasDistributedMap ? this.metricChildExecutionsFailed() : undefined,
    }).alarms : [];
    this.dashboard = decisions.dashboard && buildFanOutDashboard(this, decisions.dashboard, {
      stateMachine: this.stateMachine,
      mapRunLabel: DISTRIBUTED_MAP_LABEL,
      cluster: this.cluster,
      alarms: this.alarms,
      stateMachineLogGroupName: this.stateMachineLogGroup.logGroupName,
      pool: props.concurrencyPool,
    });
    grantFanOutAccess({ stateMachine: this.stateMachine, resultBucket: this.resultBucket, taskRole: this.taskDefinition.taskRole, decisions });
  }

  /** The Map flavour built: INLINE, DISTRIBUTED or RUN_TIME (never AUTO). */
  public get mode(): FanOutMode {
    return this.decisions.mode.mode;
  }

  /** Why that mode was built, in one sentence. */
  public get modeReason(): string {
    return this.decisions.mode.reason;
  }

  /** The effective cap on tasks running at once (the Distributed Map's in RUN_TIME mode). */
  public get maxConcurrency(): number {
    return this.decisions.concurrency.maxConcurrency;
  }

  /** Why the cap is what it is. */
  public get maxConcurrencyReason(): string {
    return this.decisions.concurrency.reason;
  }

  /**
   * The retry applied to throttling and capacity errors in the inline Map, and to
   * `ECS.InvalidParameterException` in Distributed Map children.
   */
  public get throttleRetryPolicy(): FanOutRetryPolicy {
    return this.decisions.retries.throttle;
  }

  /**
   * The retry applied to rate and capacity errors in Distributed Map children.
   *
   * @default - undefined when no Distributed Map is built
   */
  public get distributedThrottleRetryPolicy(): FanOutRetryPolicy | undefined {
    return this.decisions.retries.distributedThrottle;
  }

  /**
   * The retry applied to failed tasks.
   *
   * @default - undefined when failed tasks are not retried
   */
  public get taskRetryPolicy(): FanOutRetryPolicy | undefined {
    return this.decisions.retries.task;
  }

  /** Where the items come from. */
  public get items(): FanOutItems {
    return this.decisions.items;
  }

  /** Which Fargate capacity runs the tasks. */
  public get capacity(): FanOutCapacity {
    return this.decisions.capacity;
  }

  /** How the state machine learns that an item's task is done. */
  public get integrationPattern(): FanOutIntegrationPattern {
    return this.decisions.integrationPattern;
  }

  /**
   * Most items in one batch.
   *
   * @default - undefined when items are not batched
   */
  public get maxItemsPerBatch(): number | undefined {
    return this.decisions.batching?.maxItems;
  }

  /**
   * Most bytes in one batch (what fits the container overrides, or less).
   *
   * @default - undefined when items are not batched
   */
  public get maxInputBytesPerBatch(): number | undefined {
    return this.decisions.batching?.maxInputBytes;
  }

  /** Allows `grantee` to start executions of the fan-out. */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Runs the fan-out for the objects created in `bucket` (PutObject, multipart upload, copy:
   * EventBridge's "Object Created"), one execution per batch of up to `maxBatchSize` objects,
   * each item `{ bucket, key, size, etag }`. Events wait in an encrypted SQS queue that an
   * EventBridge Pipe reads in batches; a batch leaves the queue only once its execution has
   * started, and the execution is named by its batch, so a redelivered batch cannot start a
   * second one. What cannot be started goes to a dead-letter queue with an alarm. The bucket
   * must send events to EventBridge: this is turned on for a bucket of this app. A prefix where
   * the fan-out writes its own results is refused.
   */
  public runForEachObjectCreated(bucket: s3.IBucket, options: RunForEachObjectCreatedOptions = {}): ObjectCreatedTrigger {
    return new ObjectCreatedTrigger(this, this.nextTriggerId('ObjectCreated'), { ...options, bucket });
  }

  /**
   * Runs the fan-out once for each file created in `bucket` (under `prefix`, ending in `suffix`):
   * the file holds the items, read by the Distributed Map's item reader. The fan-out must be
   * built with `items: FanOutItems.fromS3ObjectInInput(format)`. The execution is named by the
   * file's event, so an event delivered twice starts one execution; the state machine may read
   * the watched files.
   */
  public runForEachItemsFileCreated(bucket: s3.IBucket, options: RunForEachItemsFileCreatedOptions): ItemsFileCreatedTrigger {
    return new ItemsFileCreatedTrigger(this, this.nextTriggerId('ItemsFileCreated'), { ...options, bucket });
  }

  /**
   * Runs the fan-out for the messages of `queue`, one execution per batch of up to
   * `maxBatchSize` messages, each item `{ messageId, body }`. A batch leaves the queue only once
   * its execution has started, and the execution is named by its batch. Give the queue a
   * dead-letter queue: the alarm is put on it.
   */
  public runForEachMessage(queue: sqs.IQueue, options: RunForEachMessageOptions = {}): MessageTrigger {
    return new MessageTrigger(this, this.nextTriggerId('Message'), { ...options, queue });
  }

  /**
   * Runs the fan-out on a schedule (EventBridge Scheduler), with a fixed input. Starts that fail
   * after the scheduler's retries go to a dead-letter queue with an alarm.
   */
  public runOnSchedule(schedule: scheduler.ScheduleExpression, options: RunOnScheduleOptions = {}): ScheduleTrigger {
    return new ScheduleTrigger(this, this.nextTriggerId('Schedule'), { ...options, schedule });
  }

  /** Key prefix of the results in `resultBucket`. */
  public get resultPrefix(): string {
    return this.decisions.resultPrefix;
  }

  /** What a trigger needs of the fan-out. @internal */
  public _triggerTarget(): TriggerTarget {
    return {
      stateMachine: this.stateMachine,
      items: this.items,
      resultBucket: this.resultBucket,
      resultPrefix: this.decisions.resultPrefix,
      logRetention: this.decisions.observability.logRetention,
      logRemovalPolicy: this.decisions.observability.logRemovalPolicy,
      alarms: this.decisions.observability.createAlarms ? this.alarms : undefined,
    };
  }

  private nextTriggerId(kind: string): string {
    this.triggerCount += 1;
    return `${kind}Trigger${this.triggerCount}`;
  }

  /**
   * Allows `grantee` to redrive failed, aborted or timed-out executions of the fan-out
   * (`states:RedriveExecution` on its executions). Redriving an execution reruns only what did
   * not succeed: the failed iterations of an inline Map, or the failed and unstarted children of
   * a Distributed Map Run. The state machine's own role already has what a Map Run redrive needs.
   */
  public grantRedrive(grantee: iam.IGrantable): iam.Grant {
    return grantRedriveOf(this.stateMachine, grantee);
  }

  /**
   * A Step Functions metric of the fan-out state machine (`AWS/States`, by StateMachineArn),
   * for example `ExecutionsFailed`, `ExecutionsSucceeded`, `ExecutionThrottled`.
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metric(metricName, props);
  }

  /** Failed executions of the fan-out. */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /** Executions of the fan-out that Step Functions throttled. */
  public metricThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricThrottled(props);
  }

  /**
   * Failed Distributed Map child executions (one per item or batch). Child executions report
   * under the state machine ARN followed by `/` and the Map Run label.
   */
  public metricChildExecutionsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const dimensionsMap = { [SFN_STATE_MACHINE_ARN_DIMENSION]: mapRunChildMetricsArn(this.stateMachine.stateMachineArn, DISTRIBUTED_MAP_LABEL) };
    const metricName = SFN_EXECUTION_METRICS.failed;
    return new cloudwatch.Metric({ namespace: SFN_METRICS_NAMESPACE, metricName, dimensionsMap, statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** What was built and why, in a few lines for people (the example app prints it). */
  public describe(): string {
    return describeDecisions(this.decisions, {
      cpu: this.taskDefinition.cpu,
      memoryMiB: this.taskDefinition.memoryMiB,
      containerName: this.container.containerName,
      endpoints: this.vpc ? decideTaskEndpoints(this.taskDefinition) : undefined,
      availabilityZones: this.vpc?.availabilityZones.length,
    });
  }
}
