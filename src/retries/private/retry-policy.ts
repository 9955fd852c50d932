import { Duration, Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { checkInteger } from '../../checks';
import {
  ERROR_ECS_EXCEPTION,
  ERROR_ECS_INVALID_PARAMETER,
  ERROR_ECS_SDK_EXCEPTION,
  ERROR_ECS_SDK_INVALID_PARAMETER,
  ERROR_ECS_SDK_THROTTLING,
  ERROR_ECS_UNKNOWN,
  ERROR_TASK_FAILED,
  SFN_MAX_DELAY_SECONDS_LIMIT,
  SFN_MAX_RETRY_ATTEMPTS,
  SFN_HISTORY_EVENT_LIMIT,
} from '../../facts';
import { childRefusedAttemptsLeft, ItemRetryAttempts, taskStateEntries } from '../../workflow/history-budget';
import { FanOutRetryOptions, FanOutRetryPolicy } from '../retry-options';

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
 * Defaults for a task retry, used only when `taskRetry` is set: a non-zero exit is the
 * application's answer, so it is not retried unless asked.
 */
export const DEFAULT_TASK_RETRY: FanOutRetryPolicy = {
  errors: [ERROR_TASK_FAILED],
  maxAttempts: 2,
  intervalSeconds: 10,
  backoffRate: 2,
  maxDelaySeconds: 300,
  jitter: true,
};

/**
 * Fills in `options` over `defaults` and validates every field, naming the prop on failure.
 */
export function resolveRetryPolicy(prop: string, options: FanOutRetryOptions | undefined, defaults: FanOutRetryPolicy): FanOutRetryPolicy {
  const policy: FanOutRetryPolicy = {
    errors: [...defaults.errors],
    maxAttempts: options?.maxAttempts ?? defaults.maxAttempts,
    intervalSeconds: wholeSeconds(`${prop}.interval`, options?.interval) ?? defaults.intervalSeconds,
    backoffRate: options?.backoffRate ?? defaults.backoffRate,
    maxDelaySeconds: wholeSeconds(`${prop}.maxDelay`, options?.maxDelay) ?? defaults.maxDelaySeconds,
    jitter: options?.jitter ?? defaults.jitter,
  };
  checkInteger(`${prop}.maxAttempts`, policy.maxAttempts, 0, SFN_MAX_RETRY_ATTEMPTS);
  checkInteger(`${prop}.interval`, policy.intervalSeconds, 1, SFN_MAX_RETRY_ATTEMPTS);
  checkInteger(`${prop}.maxDelay`, policy.maxDelaySeconds, 1, SFN_MAX_DELAY_SECONDS_LIMIT - 1);
  if (!Token.isUnresolved(policy.backoffRate) && !(Number.isFinite(policy.backoffRate) && policy.backoffRate >= 1)) {
    throw new Error(`${prop}.backoffRate must be a number of at least 1 (1 keeps the interval fixed), got ${policy.backoffRate}`);
  }
  if (!Token.isUnresolved(policy.maxDelaySeconds) && !Token.isUnresolved(policy.intervalSeconds) && policy.maxDelaySeconds < policy.intervalSeconds) {
    throw new Error(`${prop}.maxDelay (${policy.maxDelaySeconds} s) must be at least ${prop}.interval (${policy.intervalSeconds} s)`);
  }
  return policy;
}

/** The aws-stepfunctions retry props that render `policy`. */
export function toRetryProps(policy: FanOutRetryPolicy): sfn.RetryProps {
  return {
    errors: policy.errors,
    maxAttempts: policy.maxAttempts,
    interval: Duration.seconds(policy.intervalSeconds),
    backoffRate: policy.backoffRate,
    maxDelay: Duration.seconds(policy.maxDelaySeconds),
    jitterStrategy: policy.jitter ? sfn.JitterType.FULL : sfn.JitterType.NONE,
  };
}

/** A one-line description of `policy` for people. */
export function describeRetryPolicy(policy: FanOutRetryPolicy): string {
  const jitter = policy.jitter ? 'full jitter' : 'no jitter';
  return `${policy.errors.join(', ')}: up to ${policy.maxAttempts} retries, ${policy.intervalSeconds} s x${policy.backoffRate} backoff capped at ${policy.maxDelaySeconds} s, ${jitter}`;
}

function wholeSeconds(prop: string, duration: Duration | undefined): number | undefined {
  if (duration === undefined) {
    return undefined;
  }
  if (duration.isUnresolved()) {
    return duration.toSeconds();
  }
  const seconds = duration.toMilliseconds() / 1000;
  if (!Number.isInteger(seconds)) {
    throw new Error(`${prop} must be a whole number of seconds, got ${duration.toHumanString()}`);
  }
  return seconds;
}

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
