import { Annotations, Arn, ArnFormat, Aspects, Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { STEPFUNCTIONS_TASKS_FIX_RUN_ECS_TASK_POLICY, STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import {
  ECS_MAX_SECURITY_GROUPS,
  FARGATE_DEFAULT_VCPU_QUOTA,
  SFN_HISTORY_EVENT_LIMIT,
  SFN_MAX_EXECUTION_SECONDS,
  SFN_MAX_TASK_TIMEOUT_SECONDS,
} from './aws-limits';
import { decideConcurrency, tasksWithinVcpuBudget } from './concurrency';
import { FANOUT_ITEM_ENV, FANOUT_ITEMS_ENV, FANOUT_TASK_TOKEN_ENV } from './container-environment';
import { resolveFailureTolerance } from './failure-tolerance';
import { FanOutAlarms } from './fan-out-alarms';
import { FanOutCapacity } from './fan-out-capacity';
import { FanOutIntegrationPattern } from './fan-out-integration-pattern';
import { FanOutItemBatching } from './fan-out-item-batching';
import { FanOutItems } from './fan-out-items';
import { FanOutMode } from './fan-out-mode';
import { FanOutRetryOptions, FanOutRetryPolicy } from './fan-out-retry';
import { DISTRIBUTED_MAP_LABEL, FanOutWorkflow } from './fan-out-workflow';
import { CALLBACK_WORST_CASE_EVENTS, FALLBACK_RUN_EVENTS, inlineMaxItems, maxChildRefusedAttempts } from './history-budget';
import { resolveItemBatching } from './item-batching';
import { buildItemRunner, ItemRunnerPlacement } from './item-runner';
import { chooseMode } from './mode-choice';
import { defaultTaskSubnets, PrivateTaskNetwork } from './private-network';
import { RequiredWildcardAcknowledgements } from './required-wildcards';
import {
  DEFAULT_DISTRIBUTED_THROTTLE_RETRY,
  DEFAULT_TASK_RETRY,
  DEFAULT_THROTTLE_RETRY,
  describeRetryPolicy,
  resolveRetryPolicy,
} from './retry-policy';
import { checkFargateTaskSize, vcpusOf } from './task-size';
import { checkConcrete, checkInteger } from './validation';

/** Environment variable names the construct sets itself; users may not set them. */
const RESERVED_ENVIRONMENT = [FANOUT_ITEM_ENV, FANOUT_ITEMS_ENV, FANOUT_TASK_TOKEN_ENV];

/** Key prefixes the failure messages can quote safely: S3's safe characters. */
const SAFE_PREFIX = /^[A-Za-z0-9!_.*()/-]*$/;

const DEFAULT_CPU = 256;
const DEFAULT_MEMORY_MIB = 512;
const DEFAULT_TASK_TIMEOUT = Duration.hours(24);
const DEFAULT_HEARTBEAT_TIMEOUT = Duration.minutes(10);

/**
 * Properties of a FargateFanOut.
 */
export interface FargateFanOutProps {
  /**
   * The container image to run once per item. Give this or `taskDefinition`, not both.
   *
   * @default - none; `taskDefinition` must be given
   */
  readonly image?: ecs.ContainerImage;

  /**
   * A Fargate task definition to run once per item, instead of one built from `image`. Its
   * default container receives the item. `cpu`, `memoryLimitMiB`, `command`, `environment` and
   * `secrets` may not be combined with it.
   *
   * @default - built from `image`
   */
  readonly taskDefinition?: ecs.FargateTaskDefinition;

  /**
   * CPU units of each task (256 = 0.25 vCPU); one of the Fargate task sizes.
   *
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Memory of each task in MiB; valid for the chosen `cpu`.
   *
   * @default 512
   */
  readonly memoryLimitMiB?: number;

  /**
   * The command the container runs.
   *
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * Environment variables for the container (`FANOUT_ITEM` is reserved).
   *
   * @default - none besides FANOUT_ITEM
   */
  readonly environment?: { [key: string]: string };

  /**
   * Secrets exposed to the container as environment variables.
   *
   * @default - none
   */
  readonly secrets?: { [key: string]: ecs.Secret };

  /**
   * Where the items come from.
   *
   * @default FanOutItems.fromJsonPath('$.items')
   */
  readonly items?: FanOutItems;

  /**
   * How many items a run is expected to have. Lets AUTO choose a mode at synth time instead of
   * at run time.
   *
   * @default - unknown
   */
  readonly expectedItemCount?: number;

  /**
   * Which Map runs the items.
   *
   * @default FanOutMode.AUTO
   */
  readonly mode?: FanOutMode;

  /**
   * The most tasks running at once (1 to 10,000; at most 40 with an inline Map).
   *
   * @default - 100 in a Distributed Map (Fargate's launch burst), 40 in an inline Map, or what
   * `maxVcpus` allows
   */
  readonly maxConcurrency?: number;

  /**
   * A budget of vCPUs for the tasks running at once, as AWS Batch's maxvCpus: the cap becomes
   * floor(maxVcpus / task vCPU). Set it to your Fargate vCPU quota (or a share of it) to stay
   * under the quota instead of retrying against it.
   *
   * @default - no budget
   */
  readonly maxVcpus?: number;

  /**
   * Retry for throttling and capacity errors (`ECS.AmazonECSException`,
   * `ECS.InvalidParameterException`, `AmazonECS.Unknown`): ECS could not start the task yet.
   * Applies to all three in the inline Map, and to `ECS.InvalidParameterException` in Distributed
   * Map children (see `distributedThrottleRetry`). Its attempts count against the inline Map's
   * history: the inline Map takes at most as many items as fit with every attempt used.
   *
   * @default - 30 retries, 2 s doubling, at most 60 s apart, full jitter
   */
  readonly throttleRetry?: FanOutRetryOptions;

  /**
   * Retry for rate and capacity errors (`ECS.AmazonECSException`, `AmazonECS.Unknown`: rate
   * exceeded, no capacity, vCPU quota reached) in Distributed Map children. Each child has its
   * own 25,000-event history, so items can wait far longer than in the inline Map: a cap above
   * what the vCPU quota or the RunTask rate admits makes items wait instead of fail.
   *
   * @default - 1,440 retries, 2 s doubling, at most 60 s apart, full jitter (about 12 hours)
   */
  readonly distributedThrottleRetry?: FanOutRetryOptions;

  /**
   * Retry for tasks that ran and failed (`States.TaskFailed`: a non-zero exit code, a task that
   * stopped or was interrupted). Only set it if your task is safe to run again.
   *
   * @default - failed tasks are not retried
   */
  readonly taskRetry?: FanOutRetryOptions;

  /**
   * An existing ECS cluster to run the tasks in.
   *
   * @default - a new cluster in `vpc`
   */
  readonly cluster?: ecs.ICluster;

  /**
   * The VPC for the tasks (ignored when `cluster` is given: its VPC is used).
   *
   * @default - a new VPC with isolated subnets in two AZs and VPC endpoints for ECR, CloudWatch
   * Logs and S3; no NAT gateway
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets for the tasks.
   *
   * @default - public subnets if `assignPublicIp` is set, otherwise the VPC's private subnets
   * (with egress if it has them, else isolated)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups for the tasks (at most 5).
   *
   * @default - a new security group that allows no inbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Whether tasks get a public IP address (needed in a public subnet without NAT to pull images).
   *
   * @default false
   */
  readonly assignPublicIp?: boolean;

  /**
   * Longest one task may run before its item is failed with States.Timeout.
   *
   * @default Duration.hours(24)
   */
  readonly taskTimeout?: Duration;

  /**
   * Longest a whole execution may run.
   *
   * @default - no timeout (a Standard execution runs at most one year)
   */
  readonly timeout?: Duration;

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
   * Where failed items are recorded with their error and cause, and a Distributed Map writes
   * its results: a Distributed Map per child its output, or its input (the item), error and cause
   * when it failed (FAILED_*.json next to the manifest); the inline Map one file per failed item
   * (`<resultPrefix>/inline/<execution name>/failed-<index>.json`).
   *
   * @default - a new bucket, encrypted, private, SSL only, objects expire after 90 days
   */
  readonly resultBucket?: s3.IBucket;

  /**
   * Key prefix of the results in `resultBucket`.
   *
   * @default 'fan-out-results'
   */
  readonly resultPrefix?: string;

  /**
   * Whether to create alarms on failed, timed-out, aborted and throttled executions (and failed
   * Distributed Map child executions). They have no actions; add yours through `alarms`.
   *
   * @default true
   */
  readonly createAlarms?: boolean;

  /**
   * Several items per task (Distributed Map only): the container receives the batch as a JSON
   * array in `FANOUT_ITEMS` instead of one item in `FANOUT_ITEM`. With AUTO, batching builds a
   * Distributed Map.
   *
   * @default - one task per item
   */
  readonly itemBatching?: FanOutItemBatching;

  /**
   * Which Fargate capacity runs the tasks: on-demand, Spot, or Spot with a single on-demand
   * rerun for items whose Spot task was interrupted or could not get capacity. With Spot, a
   * created cluster gets the FARGATE and FARGATE_SPOT capacity providers.
   *
   * @default FanOutCapacity.ON_DEMAND
   */
  readonly capacity?: FanOutCapacity;

  /**
   * How many items may fail while the execution still succeeds (its output lists them). A
   * Distributed Map stops the Map Run as soon as more have failed. Not with
   * `toleratedFailurePercentage`.
   *
   * @default - none: every item still runs, and the execution fails at the end if any failed
   */
  readonly toleratedFailureCount?: number;

  /**
   * Percentage of items (a whole number from 0 to 100) that may fail while the execution still succeeds; the Map Run
   * stops as soon as more have failed. Distributed Map only (with AUTO, it builds one). Not with
   * `toleratedFailureCount`.
   *
   * @default - none: every item still runs, and the execution fails at the end if any failed
   */
  readonly toleratedFailurePercentage?: number;

  /**
   * How the state machine learns that an item's task is done: when the task stops (exit code 0
   * is success), or when the container calls back with the task token it gets in
   * `FANOUT_TASK_TOKEN` (its `SendTaskSuccess` output becomes the item's result). The task role
   * may then send success, failure and heartbeats to this state machine only.
   *
   * @default FanOutIntegrationPattern.RUN_JOB
   */
  readonly integrationPattern?: FanOutIntegrationPattern;

  /**
   * With the callback pattern, the longest a task may go without a heartbeat
   * (`SendTaskHeartbeat`) or callback; the item then fails with `States.HeartbeatTimeout` and its
   * task is stopped. Shorter than `taskTimeout`.
   *
   * @default Duration.minutes(10) with the callback pattern
   */
  readonly heartbeatTimeout?: Duration;
}

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

  /** The Map flavour built: INLINE, DISTRIBUTED or RUN_TIME (never AUTO). */
  public readonly mode: FanOutMode;

  /** Why that mode was built, in one sentence. */
  public readonly modeReason: string;

  /** The effective cap on tasks running at once (the Distributed Map's in RUN_TIME mode). */
  public readonly maxConcurrency: number;

  /** Why the cap is what it is. */
  public readonly maxConcurrencyReason: string;

  /**
   * The retry applied to throttling and capacity errors in the inline Map, and to
   * `ECS.InvalidParameterException` in Distributed Map children.
   */
  public readonly throttleRetryPolicy: FanOutRetryPolicy;

  /**
   * The retry applied to rate and capacity errors in Distributed Map children.
   *
   * @default - undefined when no Distributed Map is built
   */
  public readonly distributedThrottleRetryPolicy?: FanOutRetryPolicy;

  /**
   * The retry applied to failed tasks.
   *
   * @default - undefined when failed tasks are not retried
   */
  public readonly taskRetryPolicy?: FanOutRetryPolicy;

  /** Where the items come from. */
  public readonly items: FanOutItems;

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

  /** Which Fargate capacity runs the tasks. */
  public readonly capacity: FanOutCapacity;

  /** How the state machine learns that an item's task is done. */
  public readonly integrationPattern: FanOutIntegrationPattern;

  /**
   * Most items in one batch.
   *
   * @default - undefined when items are not batched
   */
  public readonly maxItemsPerBatch?: number;

  /**
   * Most bytes in one batch (what fits the container overrides, or less).
   *
   * @default - undefined when items are not batched
   */
  public readonly maxInputBytesPerBatch?: number;

  private readonly toleranceDescription: string;
  /** The callback pattern's heartbeat timeout, with its default; undefined with run job. */
  private readonly heartbeatTimeout?: Duration;

  constructor(scope: Construct, id: string, props: FargateFanOutProps) {
    super(scope, id);
    validateProps(props);
    // Scope ecs:RunTask to the exact task definition revision this construct registers, not to
    // every revision of the family (aws-cdk's EcsRunTask default without this flag).
    this.node.setContext(STEPFUNCTIONS_TASKS_FIX_RUN_ECS_TASK_POLICY, true);
    // ResultWriterV2 is the result writer aws-cdk-lib renders only with this flag on.
    this.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);

    this.items = props.items ?? FanOutItems.fromJsonPath('$.items');
    this.capacity = props.capacity ?? FanOutCapacity.ON_DEMAND;
    this.integrationPattern = props.integrationPattern ?? FanOutIntegrationPattern.RUN_JOB;
    const callback = this.integrationPattern === FanOutIntegrationPattern.CALLBACK;
    this.heartbeatTimeout = callback ? props.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT : undefined;

    // Task definition and container.
    if (props.taskDefinition) {
      this.taskDefinition = props.taskDefinition;
      const container = props.taskDefinition.defaultContainer;
      if (!container) {
        throw new Error('taskDefinition must have a container (its default container receives the item)');
      }
      this.container = container;
    } else {
      const cpu = props.cpu ?? DEFAULT_CPU;
      const memoryLimitMiB = props.memoryLimitMiB ?? DEFAULT_MEMORY_MIB;
      this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', { cpu, memoryLimitMiB });
      const logGroup = new logs.LogGroup(this, 'ContainerLogs', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.logGroup = logGroup;
      this.container = this.taskDefinition.addContainer('Task', {
        image: props.image!,
        command: props.command,
        environment: props.environment,
        secrets: props.secrets,
        essential: true,
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'fan-out' }),
      });
    }

    // Retries first: how many items an inline Map surely holds depends on them.
    this.throttleRetryPolicy = resolveRetryPolicy('throttleRetry', props.throttleRetry, DEFAULT_THROTTLE_RETRY);
    this.taskRetryPolicy = props.taskRetry ? resolveRetryPolicy('taskRetry', props.taskRetry, DEFAULT_TASK_RETRY) : undefined;
    // With an on-demand fallback an item can use its retries twice, once on each capacity.
    const runsPerItem = this.capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK ? 2 : 1;
    const rerunAttempts = this.taskRetryPolicy?.maxAttempts ?? 0;
    const inlineItems = inlineMaxItems({
      refusedAttempts: runsPerItem * this.throttleRetryPolicy.maxAttempts,
      rerunAttempts: runsPerItem * rerunAttempts,
      fallbackRuns: runsPerItem - 1,
      callback,
    });

    // Mode and concurrency: pure decisions, wired here.
    const taskVcpus = vcpusOf(this.taskDefinition.cpu);
    const distributedOnlyProps = [
      ...(props.itemBatching ? ['itemBatching'] : []),
      ...(props.toleratedFailurePercentage !== undefined ? ['toleratedFailurePercentage'] : []),
    ];
    const modeChoice = chooseMode({
      inlineMaxItems: inlineItems,
      distributedOnlyProps,
      requestedMode: props.mode ?? FanOutMode.AUTO,
      itemsFromS3: this.items.isFromS3,
      expectedItemCount: props.expectedItemCount,
      requestedConcurrency: props.maxConcurrency,
      vcpuBudgetConcurrency: props.maxVcpus !== undefined ? tasksWithinVcpuBudget(props.maxVcpus, taskVcpus) : undefined,
    });
    this.mode = modeChoice.mode;
    this.modeReason = modeChoice.reason;
    const concurrency = decideConcurrency({ mode: this.mode, maxConcurrency: props.maxConcurrency, maxVcpus: props.maxVcpus, taskVcpus });
    this.maxConcurrency = concurrency.maxConcurrency;
    this.maxConcurrencyReason = concurrency.reason;

    const hasDistributedMap = this.mode === FanOutMode.DISTRIBUTED || this.mode === FanOutMode.RUN_TIME;
    const hasInlineMap = this.mode === FanOutMode.INLINE || this.mode === FanOutMode.RUN_TIME;
    if (hasDistributedMap) {
      this.distributedThrottleRetryPolicy = resolveDistributedThrottleRetry(props.distributedThrottleRetry, this.throttleRetryPolicy, {
        rerunAttempts: runsPerItem * rerunAttempts,
        // The Spot task of a fallback item uses throttleRetry once more; the callback adds its states.
        otherRefusedAttempts: runsPerItem * this.throttleRetryPolicy.maxAttempts,
        extraEvents: (runsPerItem - 1) * FALLBACK_RUN_EVENTS + (callback ? CALLBACK_WORST_CASE_EVENTS : 0),
      });
    } else if (props.distributedThrottleRetry) {
      throw new Error(`distributedThrottleRetry applies to Distributed Map children only; the ${this.mode} mode built here has none (set throttleRetry instead)`);
    }
    if (hasInlineMap) {
      this.warnAboutVcpuQuota(props, taskVcpus, concurrency.inlineMaxConcurrency);
    }
    const tolerance = resolveFailureTolerance({
      toleratedFailureCount: props.toleratedFailureCount,
      toleratedFailurePercentage: props.toleratedFailurePercentage,
      mode: this.mode,
    });
    this.toleranceDescription = tolerance.percentage !== undefined
      ? `${tolerance.percentage}% (the Map Run stops once more have failed)`
      : tolerance.isSet
        ? `${tolerance.count}${hasDistributedMap ? ' (a Map Run stops once more have failed)' : ''}`
        : 'none (every item runs; the execution fails at the end if any failed)';
    const batching = props.itemBatching ? resolveItemBatching(props.itemBatching, this.container.containerName, callback) : undefined;
    this.maxItemsPerBatch = batching?.maxItems;
    this.maxInputBytesPerBatch = batching?.maxInputBytes;

    // Network and cluster.
    let network: PrivateTaskNetwork | undefined;
    let vpc: ec2.IVpc;
    if (props.cluster) {
      this.cluster = props.cluster;
      vpc = props.cluster.vpc;
    } else {
      if (props.vpc) {
        vpc = props.vpc;
      } else {
        network = new PrivateTaskNetwork(this, 'Network', { logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
        vpc = network.vpc;
        this.vpc = vpc;
        if (props.image instanceof ecs.RepositoryImage) {
          Annotations.of(this).addWarningV2('cdk-fargate-fan-out:imageWithoutInternet',
            'The VPC created for the tasks has no internet route: an image from a public registry cannot be pulled. Use an ECR image (ContainerImage.fromAsset or fromEcrRepository), or pass a vpc with NAT.');
        }
      }
      this.cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    }
    if (this.capacity !== FanOutCapacity.ON_DEMAND) {
      // RunTask may only name capacity providers associated with the cluster.
      if (this.cluster instanceof ecs.Cluster) {
        this.cluster.enableFargateCapacityProviders();
      } else {
        Annotations.of(this).addWarningV2('cdk-fargate-fan-out:capacityProviders',
          `capacity ${this.capacity} runs tasks with the FARGATE_SPOT${this.capacity === FanOutCapacity.SPOT ? '' : ' and FARGATE'} capacity providers, which must be associated with the cluster given (an imported cluster cannot be checked).`);
      }
    }
    this.securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description: 'Fargate tasks of the fan-out: no inbound traffic',
      allowAllOutbound: true,
    })];
    if (network) {
      for (const securityGroup of this.securityGroups) {
        network.allowTasks(securityGroup);
      }
    }

    const subnets = props.vpcSubnets ?? defaultTaskSubnets(vpc, props.assignPublicIp ?? false);
    const taskTimeout = props.taskTimeout ?? DEFAULT_TASK_TIMEOUT;
    const itemTaskSettings = {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      container: this.container,
      subnets,
      securityGroups: this.securityGroups,
      assignPublicIp: props.assignPublicIp,
      taskTimeout,
      throttleRetry: this.throttleRetryPolicy,
      distributedThrottleRetry: this.distributedThrottleRetryPolicy,
      taskRetry: this.taskRetryPolicy,
      capacity: this.capacity,
      batched: batching !== undefined,
      integrationPattern: this.integrationPattern,
      heartbeatTimeout: this.heartbeatTimeout,
    };
    const createItemRunner = (runnerScope: Construct, placement: ItemRunnerPlacement) => buildItemRunner(runnerScope, itemTaskSettings, placement);

    this.resultBucket = props.resultBucket ?? this.createResultBucket();
    // A name fixed at synth lets the role name the state machine's own Map Runs (see workflow).
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });

    const workflow = new FanOutWorkflow(this, 'Workflow', {
      mode: this.mode,
      itemsPath: this.items.itemsPath,
      itemReader: this.items._itemReader,
      inlineMaxConcurrency: concurrency.inlineMaxConcurrency,
      inlineMaxItems: inlineItems,
      distributedMaxConcurrency: concurrency.maxConcurrency,
      resultBucket: this.resultBucket,
      resultPrefix: props.resultPrefix ?? 'fan-out-results',
      stateMachineName,
      tolerance,
      reportsCapacity: this.capacity !== FanOutCapacity.ON_DEMAND,
      reportsResults: callback,
      itemBatcher: batching ? new sfn.ItemBatcher({ maxItemsPerBatch: batching.maxItems, maxInputBytesPerBatch: batching.maxInputBytes }) : undefined,
      createItemRunner,
    });

    this.stateMachineLogGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logLevel = props.logLevel ?? sfn.LogLevel.ERROR;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(workflow.definition),
      timeout: props.timeout,
      comment: `Fan-out: one Fargate task per item of ${this.items.description}. ${this.modeReason}`,
      logs: { destination: this.stateMachineLogGroup, level: logLevel, includeExecutionData: props.includeExecutionDataInLogs ?? false },
      tracingEnabled: props.tracingEnabled ?? true,
    });
    if (logLevel !== sfn.LogLevel.ALL) {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason: `Logs ${logLevel} events by design: ALL would log every transition of every item, at a cost that grows with the item count. Set logLevel to ALL to log everything.`,
      });
    }
    Aspects.of(this).add(new RequiredWildcardAcknowledgements(props.resultBucket ? undefined : this.resultBucket));

    this.alarms = (props.createAlarms ?? true)
      ? new FanOutAlarms(this, 'Alarms', {
        stateMachine: this.stateMachine,
        childExecutionsFailed: hasDistributedMap ? this.metricChildExecutionsFailed() : undefined,
      }).alarms
      : [];
    // Results and failure records are written by the state machine; an SSE-KMS bucket needs the key.
    this.resultBucket.encryptionKey?.grantEncrypt(this.stateMachine);
    if (callback) {
      // SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat on this state machine only.
      this.stateMachine.grantTaskResponse(this.taskDefinition.taskRole);
    }
    // Item readers grant s3:GetObject / s3:ListBucket themselves; an SSE-KMS bucket needs the key too.
    this.items._bucket?.encryptionKey?.grantDecrypt(this.stateMachine);
  }

  /** Allows `grantee` to start executions of the fan-out. */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Allows `grantee` to redrive failed, aborted or timed-out executions of the fan-out
   * (`states:RedriveExecution` on its executions). Redriving an execution reruns only what did
   * not succeed: the failed iterations of an inline Map, or the failed and unstarted children of
   * a Distributed Map Run. The state machine's own role already has what a Map Run redrive needs.
   */
  public grantRedrive(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:RedriveExecution'],
      resourceArns: [Arn.format({
        service: 'states',
        resource: 'execution',
        resourceName: `${this.stateMachine.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }, Stack.of(this))],
    });
  }

  private createResultBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only this state machine writes here (Map Run results); access is recorded by CloudTrail, and an access-log bucket would add a second bucket per fan-out.',
    });
    return bucket;
  }

  /**
   * Warns when the inline Map's cap asks for more vCPUs than AWS's default quota: tasks refused
   * for the quota wait in the inline retries, which are short (they share the parent's history),
   * so some items can run out of attempts. Distributed Map children wait far longer.
   */
  private warnAboutVcpuQuota(props: FargateFanOutProps, taskVcpus: number, inlineCap: number): void {
    const vcpusAtCap = inlineCap * taskVcpus;
    if (props.maxVcpus === undefined && vcpusAtCap > FARGATE_DEFAULT_VCPU_QUOTA) {
      Annotations.of(this).addWarningV2('cdk-fargate-fan-out:vcpuQuota',
        `The inline Map runs ${inlineCap} tasks of ${taskVcpus} vCPU, ${vcpusAtCap} vCPUs at once, more than AWS's default Fargate quota of ${FARGATE_DEFAULT_VCPU_QUOTA}. `
        + 'Set maxVcpus to your account\'s quota so that tasks wait in the Map instead of retrying against the quota, where items can run out of attempts.');
    }
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
    return new cloudwatch.Metric({
      namespace: 'AWS/States',
      metricName: 'ExecutionsFailed',
      dimensionsMap: { StateMachineArn: `${this.stateMachine.stateMachineArn}/${DISTRIBUTED_MAP_LABEL}` },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  /** What was built and why, in a few lines for people (the example app prints it). */
  public describe(): string {
    const lines = [
      `mode: ${this.mode} (${this.modeReason})`,
      `items: ${this.items.description}`,
      `max concurrency: ${this.maxConcurrency} (${this.maxConcurrencyReason})`,
      `throttle retry${this.distributedThrottleRetryPolicy ? ' (inline Map; InvalidParameterException in children)' : ''}: ${describeRetryPolicy(this.throttleRetryPolicy)}`,
      ...(this.distributedThrottleRetryPolicy ? [`throttle retry in Distributed Map children: ${describeRetryPolicy(this.distributedThrottleRetryPolicy)}`] : []),
      `task retry: ${this.taskRetryPolicy ? describeRetryPolicy(this.taskRetryPolicy) : 'none (a failed task fails its item)'}`,
      `task: ${this.taskDefinition.cpu} CPU units, ${this.taskDefinition.memoryMiB} MiB, container '${this.container.containerName}' gets `
        + (this.maxItemsPerBatch !== undefined
          ? `up to ${this.maxItemsPerBatch} items (${this.maxInputBytesPerBatch} bytes) as a JSON array in ${FANOUT_ITEMS_ENV}`
          : `the item in ${FANOUT_ITEM_ENV}`),
      `capacity: ${this.capacity}`,
      `integration: ${this.integrationPattern === FanOutIntegrationPattern.CALLBACK
        ? `callback: the container gets a task token in ${FANOUT_TASK_TOKEN_ENV} and must send a heartbeat or its result within ${this.heartbeatTimeout!.toHumanString()}`
        : 'run job (.sync): exit code 0 is success'}`,
      `tolerated failures: ${this.toleranceDescription}`,
    ];
    return lines.join('\n');
  }
}

/** Checks that do not depend on decisions; each names the prop and the allowed values. */
function validateProps(props: FargateFanOutProps): void {
  for (const prop of ['expectedItemCount', 'maxConcurrency', 'maxVcpus', 'cpu'] as const) {
    checkConcrete(prop, props[prop]);
  }
  if (props.image && props.taskDefinition) {
    throw new Error('image and taskDefinition are mutually exclusive: give one');
  }
  if (!props.image && !props.taskDefinition) {
    throw new Error('image or taskDefinition is required');
  }
  if (props.taskDefinition) {
    for (const prop of ['cpu', 'memoryLimitMiB', 'command', 'environment', 'secrets', 'logRetention'] as const) {
      if (props[prop] !== undefined) {
        throw new Error(`${prop} cannot be combined with taskDefinition: set it on the task definition instead`);
      }
    }
    if (!props.taskDefinition.isFargateCompatible) {
      throw new Error('taskDefinition must be Fargate compatible (an ecs.FargateTaskDefinition)');
    }
  } else {
    const cpu = props.cpu ?? DEFAULT_CPU;
    const memory = props.memoryLimitMiB ?? DEFAULT_MEMORY_MIB;
    // cpu is known here (checkConcrete above); a memory token is left to CloudFormation.
    if (!Token.isUnresolved(memory)) {
      checkFargateTaskSize(cpu, memory);
    }
  }
  if (props.resultPrefix !== undefined && !Token.isUnresolved(props.resultPrefix) && !SAFE_PREFIX.test(props.resultPrefix)) {
    throw new Error(`resultPrefix may only hold letters, digits and !_.*()/- (S3's safe key characters), got '${props.resultPrefix}'`);
  }
  for (const name of Object.keys(props.environment ?? {}).concat(Object.keys(props.secrets ?? {}))) {
    if (RESERVED_ENVIRONMENT.includes(name)) {
      throw new Error(`environment and secrets may not set ${name}: the construct sets it for each item`);
    }
  }
  checkInteger('expectedItemCount', props.expectedItemCount, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('maxConcurrency', props.maxConcurrency, 1, 10_000);
  if (props.maxVcpus !== undefined && !Token.isUnresolved(props.maxVcpus) && !(Number.isFinite(props.maxVcpus) && props.maxVcpus > 0)) {
    throw new Error(`maxVcpus must be a positive number of vCPUs, got ${props.maxVcpus}`);
  }
  if (props.cluster && props.vpc && props.vpc !== props.cluster.vpc) {
    throw new Error('vpc must be left out when cluster is given: the tasks run in the cluster\'s VPC');
  }
  if (props.securityGroups !== undefined && (props.securityGroups.length < 1 || props.securityGroups.length > ECS_MAX_SECURITY_GROUPS)) {
    throw new Error(`securityGroups must hold 1 to ${ECS_MAX_SECURITY_GROUPS} security groups (the ECS awsvpc limit), got ${props.securityGroups.length}`);
  }
  checkDuration('taskTimeout', props.taskTimeout, SFN_MAX_TASK_TIMEOUT_SECONDS);
  checkDuration('heartbeatTimeout', props.heartbeatTimeout, SFN_MAX_TASK_TIMEOUT_SECONDS);
  const callback = props.integrationPattern === FanOutIntegrationPattern.CALLBACK;
  if (props.heartbeatTimeout !== undefined && !callback) {
    throw new Error('heartbeatTimeout needs integrationPattern CALLBACK: a run-job (.sync) task is watched by Step Functions, not by heartbeats');
  }
  if (callback) {
    const heartbeat = props.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT;
    const taskTimeout = props.taskTimeout ?? DEFAULT_TASK_TIMEOUT;
    if (!heartbeat.isUnresolved() && !taskTimeout.isUnresolved() && heartbeat.toSeconds() >= taskTimeout.toSeconds()) {
      throw new Error(`heartbeatTimeout (${heartbeat.toHumanString()}) must be shorter than taskTimeout (${taskTimeout.toHumanString()})`);
    }
    if (props.capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK) {
      throw new Error('capacity SPOT_WITH_ON_DEMAND_FALLBACK cannot be combined with integrationPattern CALLBACK: an interrupted callback task ends in a heartbeat timeout, which cannot be told apart from a hung task; use capacity SPOT or ON_DEMAND');
    }
  }
  checkDuration('timeout', props.timeout, SFN_MAX_EXECUTION_SECONDS);
  if (props.taskTimeout && props.timeout && !props.taskTimeout.isUnresolved() && !props.timeout.isUnresolved()
    && props.taskTimeout.toSeconds() > props.timeout.toSeconds()) {
    throw new Error(`taskTimeout (${props.taskTimeout.toHumanString()}) must not be longer than timeout (${props.timeout.toHumanString()}), the limit of the whole execution`);
  }
}

function checkDuration(prop: string, duration: Duration | undefined, maxSeconds: number): void {
  if (duration === undefined || duration.isUnresolved()) {
    return;
  }
  const seconds = duration.toMilliseconds() / 1000;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
    throw new Error(`${prop} must be a whole number of seconds from 1 to ${maxSeconds}, got ${duration.toHumanString()}`);
  }
}

/**
 * The children's retry for rate and capacity errors: `options` over the default, checked so that
 * a child that uses every retry it has stays under its own history limit.
 */
function resolveDistributedThrottleRetry(
  options: FanOutRetryOptions | undefined, throttleRetry: FanOutRetryPolicy,
  child: { rerunAttempts: number; otherRefusedAttempts: number; extraEvents: number },
): FanOutRetryPolicy {
  const policy = resolveRetryPolicy('distributedThrottleRetry', options, DEFAULT_DISTRIBUTED_THROTTLE_RETRY);
  const room = maxChildRefusedAttempts(child.rerunAttempts, child.extraEvents) - child.otherRefusedAttempts;
  if (!Token.isUnresolved(policy.maxAttempts) && policy.maxAttempts > room) {
    throw new Error(`distributedThrottleRetry.maxAttempts must be from 0 to ${Math.max(0, room)} so that a child execution that uses every retry stays under its ${SFN_HISTORY_EVENT_LIMIT}-event history (with throttleRetry.maxAttempts ${throttleRetry.maxAttempts} and taskRetry.maxAttempts ${child.rerunAttempts}), got ${policy.maxAttempts}`);
  }
  return policy;
}
