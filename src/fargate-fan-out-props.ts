import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutConcurrencyPool } from './concurrency-pool/concurrency-pool';
import { FanOutItemBatching } from './items/item-batching';
import { FanOutItems } from './items/items';
import { FanOutMode } from './mode/mode';
import { FanOutRetryOptions } from './retries/retry-options';
import { FanOutRetryRule } from './retries/retry-rules';
import { FanOutCapacity } from './task/capacity';
import { FanOutCpuArchitecture } from './task/cpu-architecture';
import { FanOutIntegrationPattern } from './task/integration-pattern';

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
   * Which processors run the tasks. ARM64 (Graviton) is about 20% cheaper; the image must be
   * built for linux/arm64, and it runs on on-demand capacity only (not with a Spot `capacity`).
   *
   * @default FanOutCpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: FanOutCpuArchitecture;

  /**
   * Ephemeral storage of each task in GiB, 21 to 200; what is above the 20 GiB Fargate includes
   * is billed.
   *
   * @default - 20 GiB, included in the Fargate price
   */
  readonly ephemeralStorageGiB?: number;

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
   * Start the first wave of a Distributed Map at the RunTask rate (20 calls per second) instead of
   * all at once: item i of the first `maxConcurrency` waits floor(i / 20) seconds in a Wait state
   * (one billed state transition per item); later items start when earlier ones end and do not wait.
   * Only for items run one by one in a Distributed Map without a `concurrencyPool`.
   *
   * @default - paced when the Distributed Map's cap is above 100, where an unpaced first wave
   * throttles several RunTask calls per item, unless `expectedItemCount` is so large that those
   * throttled calls stay under 5% of the items
   */
  readonly launchPacing?: boolean;

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
   * Retry for tasks that ran and failed and that no rule of `retryRules` matched (a non-zero exit
   * code, a task that stopped). Only set it if your task is safe to run again. At most 10 retries.
   *
   * @default - failed tasks are not retried
   */
  readonly taskRetry?: FanOutRetryOptions;

  /**
   * What to do with a task that stopped, by what ECS says about it (run job only): retry some exit
   * codes, fail others at once, retry a stop reason, run again with more memory after an
   * out-of-memory kill, retry Spot interruptions. The first rule that matches decides, like AWS
   * Batch's `evaluateOnExit`; a Spot interruption is always checked first, and tasks that failed
   * to start (`startFailureRetry`) and `taskRetry` come after the rules.
   *
   * @default - none: Spot interruptions and start failures are retried by default, other failed tasks only with `taskRetry`
   */
  readonly retryRules?: FanOutRetryRule[];

  /**
   * Retry for tasks that failed to start (StopCode `TaskFailedToStart`: an image that could not be
   * pulled, secrets, the network interface, the log driver) and for RunTask calls refused because
   * ECS's own VPC lookups were throttled (run job only). The container never ran, so this is safe
   * and separate from `taskRetry`. At most 10 retries; 0 turns it off.
   *
   * @default - 2 retries, after 10 s and 30 s (each drawn from half to all of it)
   */
  readonly startFailureRetry?: FanOutRetryOptions;

  /**
   * An existing ECS cluster to run the tasks in.
   *
   * @default - a new cluster in `vpc`
   */
  readonly cluster?: ecs.ICluster;

  /**
   * The VPC for the tasks (ignored when `cluster` is given: its VPC is used).
   *
   * @default - a new VPC with isolated subnets in two AZs, no NAT gateway, and a VPC endpoint for
   * every AWS service the task and execution roles may call (read at synth; see docs/networking.md)
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

  /**
   * A limit shared with other fan-outs and executions: each item takes a slot of the pool (its
   * task's vCPUs, or one task) before its first RunTask and gives it back when it ends, whichever
   * way it ends. The items then run in a Distributed Map (waiting for a slot is not bounded in
   * time, and each child has its own history); not with `itemBatching` or the callback pattern.
   *
   * @default - no limit across executions: `maxConcurrency` caps each execution on its own
   */
  readonly concurrencyPool?: FanOutConcurrencyPool;
}
