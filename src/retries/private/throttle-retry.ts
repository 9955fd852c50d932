import { Duration, Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { resolveRetryPolicy, toRetryProps } from './retry-policy';
import {
  ERROR_ECS_EXCEPTION,
  ERROR_ECS_INVALID_PARAMETER,
  ERROR_ECS_SDK_EXCEPTION,
  ERROR_ECS_SDK_INVALID_PARAMETER,
  ERROR_ECS_SDK_THROTTLING,
  ERROR_ECS_UNKNOWN,
  SFN_HISTORY_EVENT_LIMIT,
} from '../../facts';
import { childRefusedAttemptsLeft, ItemRetryAttempts, taskStateEntries } from '../../workflow/history-budget';
import { FanOutRetryOptions, FanOutRetryPolicy } from '../retry-options';

// The throttle retry: the errors that mean "ECS could not start the task now", their defaults in
// the inline Map and in Distributed Map children, and the retriers a RunTask state gets for them.

/**
 * Quick retries of `ECS.InvalidParameterException` on every RunTask call, before its Cause is
 * read: a throttled VPC lookup usually passes within seconds, and a request that can never
 * succeed (overrides over 8,192 characters) fails within seconds instead of a quarter of an hour.
 */
export const INVALID_PARAMETER_QUICK_RETRIES = 3;

/**
 * The errors that mean "ECS could not start the task now", never "the task ran and failed":
 * throttled RunTask calls and capacity shortages (`ECS.AmazonECSException`), throttled VPC
 * lookups ECS makes for the caller (`ECS.InvalidParameterException`) and RunTask failures
 * lists such as the vCPU quota (`AmazonECS.Unknown`). Retrying them cannot run an item twice.
 */
export const THROTTLE_AND_CAPACITY_ERRORS: readonly string[] = [ERROR_ECS_EXCEPTION, ERROR_ECS_INVALID_PARAMETER, ERROR_ECS_UNKNOWN];

/**
 * The errors of THROTTLE_AND_CAPACITY_ERRORS that only ever mean "not now": a rate exceeded, no
 * capacity, the vCPU quota reached. `ECS.InvalidParameterException` is left out because it also
 * means a request that can never succeed (a missing subnet, overrides over 8,192 characters).
 */
export const RATE_AND_CAPACITY_ERRORS: readonly string[] = [ERROR_ECS_EXCEPTION, ERROR_ECS_UNKNOWN];

/**
 * How the errors of the optimized ECS integration are spelled by the AWS SDK integration, which
 * the callback pattern uses (see facts/ecs-integration.ts): a throttled call as `Ecs.EcsException` or
 * `Ecs.ThrottlingException` (both are retried, whichever AWS uses), a bad request as
 * `Ecs.InvalidParameterException`. `AmazonECS.Unknown` (a `failures` list) is not an error there:
 * the callback runner reruns an item whose task never started instead.
 */
const SDK_SPELLINGS: { readonly [optimized: string]: readonly string[] } = {
  [ERROR_ECS_EXCEPTION]: [ERROR_ECS_SDK_EXCEPTION, ERROR_ECS_SDK_THROTTLING],
  [ERROR_ECS_INVALID_PARAMETER]: [ERROR_ECS_SDK_INVALID_PARAMETER],
  [ERROR_ECS_UNKNOWN]: [],
};

/** `errors` as the AWS SDK integration of ECS names them; names it does not know are kept as they are. */
export function sdkErrorNames(errors: readonly string[]): string[] {
  return [...new Set(errors.flatMap((error) => SDK_SPELLINGS[error] ?? [error]))];
}

/**
 * Default retry for throttling and capacity errors: full-jitter exponential backoff from 2 s,
 * capped at 60 s, 30 attempts. Full jitter spreads a burst of throttled launches over the
 * window instead of retrying them in lockstep; 30 attempts at up to 60 s ride out roughly a
 * quarter of an hour of throttling or capacity shortage before an item is reported failed.
 */
export const DEFAULT_THROTTLE_RETRY: FanOutRetryPolicy = {
  errors: [...THROTTLE_AND_CAPACITY_ERRORS],
  maxAttempts: 30,
  intervalSeconds: 2,
  backoffRate: 2,
  maxDelaySeconds: 60,
  jitter: true,
};

/**
 * Default retry for rate and capacity errors in a Distributed Map's child executions: the same
 * backoff as DEFAULT_THROTTLE_RETRY, for 1,440 attempts, about 12 hours of waiting (full jitter
 * makes the capped 60 s delay 30 s on average). Each child has its own 25,000-event history, so
 * waiting costs it 3 events per attempt (4,320 of them) and nothing in the parent. Items then
 * wait for a vCPU quota or a RunTask rate below the cap instead of running out of attempts:
 * with 30 attempts, a freed vCPU usually went to the next item's first call, and items that had
 * been waiting longest failed (see test/executed/faults.test.ts).
 */
export const DEFAULT_DISTRIBUTED_THROTTLE_RETRY: FanOutRetryPolicy = {
  ...DEFAULT_THROTTLE_RETRY,
  errors: [...RATE_AND_CAPACITY_ERRORS],
  maxAttempts: 1_440,
};

/**
 * The children's retry for rate and capacity errors: `options` over the default, checked so that
 * a child that uses every retry it has (`attempts` besides this one) stays under its own history
 * limit.
 */
export function resolveDistributedThrottleRetry(
  options: FanOutRetryOptions | undefined, attempts: ItemRetryAttempts, throttleRetry: FanOutRetryPolicy,
): FanOutRetryPolicy {
  const room = Math.max(0, childRefusedAttemptsLeft(attempts));
  // The default waits as long as the child's history allows, up to its 1,440 attempts; a number
  // the user chose is checked instead.
  const defaults = { ...DEFAULT_DISTRIBUTED_THROTTLE_RETRY, maxAttempts: Math.min(DEFAULT_DISTRIBUTED_THROTTLE_RETRY.maxAttempts, room) };
  const policy = resolveRetryPolicy('distributedThrottleRetry', options, defaults);
  if (!Token.isUnresolved(policy.maxAttempts) && policy.maxAttempts > room) {
    throw new Error(`distributedThrottleRetry.maxAttempts must be from 0 to ${room} so that a child execution that uses every retry, on each of its ${taskStateEntries(attempts)} task runs at worst, stays under its ${SFN_HISTORY_EVENT_LIMIT}-event history (with throttleRetry.maxAttempts ${throttleRetry.maxAttempts}, taskRetry and the retry rules), got ${policy.maxAttempts}`);
  }
  return policy;
}

/** Which throttle retries a RunTask state gets. */
export interface ThrottleRetriesOptions {
  /** The inline Map's throttle retry (throttleRetry). */
  readonly throttle: FanOutRetryPolicy;
  /**
   * The children's retry of rate and capacity errors, for a task that gets the full retries of a
   * Distributed Map child; undefined elsewhere (the inline Map, a Spot task before its fallback).
   */
  readonly distributedThrottle?: FanOutRetryPolicy;
  /** True for RunTask through the AWS SDK integration (the callback pattern), which names errors its own way. */
  readonly sdk: boolean;
}

/**
 * Adds the retriers of refused RunTask calls to `task`. Run job: rate and capacity errors are
 * retried where the task is, `ECS.InvalidParameterException` a few times quickly, then its Cause
 * decides (see RetryRuleStates.rateLimitedOrFail). Callback: the refusals as the SDK integration
 * names them; a retrier whose errors all vanish (a `failures` list is no error there) is left out.
 */
export function addThrottleRetries(task: tasks.EcsRunTask, options: ThrottleRetriesOptions): void {
  const { throttle, distributedThrottle } = options;
  if (options.sdk) {
    const addSdkRetry = (policy: FanOutRetryPolicy) => {
      const errors = sdkErrorNames(policy.errors);
      if (errors.length > 0) task.addRetry(toRetryProps({ ...policy, errors }));
    };
    if (distributedThrottle) {
      addSdkRetry(distributedThrottle);
      addSdkRetry({ ...throttle, errors: throttle.errors.filter((e) => !RATE_AND_CAPACITY_ERRORS.includes(e)) });
    } else {
      addSdkRetry(throttle);
    }
    return;
  }
  const rateAndCapacity = distributedThrottle ?? throttle;
  const rateErrors = rateAndCapacity.errors.filter((e) => e !== ERROR_ECS_INVALID_PARAMETER);
  if (rateErrors.length > 0) {
    task.addRetry(toRetryProps({ ...rateAndCapacity, errors: rateErrors }));
  }
  task.addRetry({
    errors: [ERROR_ECS_INVALID_PARAMETER],
    maxAttempts: INVALID_PARAMETER_QUICK_RETRIES,
    interval: Duration.seconds(1),
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
}
