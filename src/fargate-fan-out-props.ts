import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FanOutConcurrencyPool } from './concurrency-pool/concurrency-pool';
import { FanOutOperationsOptions } from './fan-out-operations-options';
import { FanOutItemBatching } from './items/item-batching';
import { FanOutItems } from './items/items';
import { FanOutMode } from './mode/mode';
import { FanOutNetworkOptions } from './network/network-options';
import { FanOutRetryOptions } from './retries/retry-options';
import { FanOutRetryRule } from './retries/retry-rules';
import { FanOutTaskOptions } from './task/task-options';

/**
 * Properties of a FargateFanOut: the task (`FanOutTaskOptions`), where it runs
 * (`FanOutNetworkOptions`), what is recorded and shown (`FanOutOperationsOptions`), and below,
 * the items and how they are run.
 */
export interface FargateFanOutProps extends FanOutTaskOptions, FanOutNetworkOptions, FanOutOperationsOptions {
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
   * `maxVcpus` allows; lowered at run time to what the account's vCPU quota holds, without
   * `maxVcpus` or a pool
   */
  readonly maxConcurrency?: number;

  /**
   * Start the items of a Distributed Map at the RunTask rate (20 calls per second): item i waits in
   * a Wait state (one billed state transition per item) until floor(i / 20) seconds after the
   * run's start, a time already past for an item that starts late, which goes on at once. No
   * second then sees more calls than the rate admits, whatever the tasks' durations. A redriven
   * run keeps its start time, so its items do not wait (the throttle retry spreads them).
   * Only for items run one by one in a Distributed Map without a `concurrencyPool`.
   *
   * @default - paced when the Distributed Map's cap is above 100, where an unpaced first wave
   * throttles several RunTask calls per item and tasks shorter than cap / 20 seconds would call
   * RunTask faster than the rate after it
   */
  readonly launchPacing?: boolean;

  /**
   * A budget of vCPUs for the tasks running at once, as AWS Batch's maxvCpus: the cap becomes
   * floor(maxVcpus / task vCPU). Set it to a share of your Fargate vCPU quota, or to skip
   * reading the quota.
   *
   * @default - no budget of yours: without a `concurrencyPool`, each run reads the account's
   * Fargate vCPU quota (On-Demand, or Spot with a Spot capacity) and lowers the cap to the tasks
   * it holds; if it cannot be read, the cap stays as decided. The execution's output says which
   * (`concurrencyCap`).
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
   * Longest a whole execution may run.
   *
   * @default - no timeout (a Standard execution runs at most one year)
   */
  readonly timeout?: Duration;

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
   * Several items per task (Distributed Map only): the container receives the batch as a JSON
   * array in `FANOUT_ITEMS` instead of one item in `FANOUT_ITEM`. With AUTO, batching builds a
   * Distributed Map.
   *
   * @default - one task per item
   */
  readonly itemBatching?: FanOutItemBatching;

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
   * A limit shared with other fan-outs and executions: each item takes a slot of the pool (its
   * task's vCPUs, or one task) before its first RunTask and gives it back when it ends, whichever
   * way it ends. The items then run in a Distributed Map (waiting for a slot is not bounded in
   * time, and each child has its own history); not with `itemBatching` or the callback pattern.
   *
   * @default - no limit across executions: `maxConcurrency` caps each execution on its own
   */
  readonly concurrencyPool?: FanOutConcurrencyPool;
}
