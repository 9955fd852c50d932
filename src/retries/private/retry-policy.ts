import { Duration, Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { checkInteger } from '../../checks';
import { ERROR_TASK_FAILED, SFN_MAX_DELAY_SECONDS_LIMIT, SFN_MAX_RETRY_ATTEMPTS } from '../../facts';
import { FanOutRetryOptions, FanOutRetryPolicy } from '../retry-options';

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
 * The retry of the workflow's own AWS calls (writing a record or an item to S3, finding or
 * stopping a task): any error, `maxAttempts` times, from `intervalSeconds` doubling, full jitter.
 */
export function retryEveryError(maxAttempts: number, intervalSeconds: number): sfn.RetryProps {
  return {
    errors: [sfn.Errors.ALL],
    maxAttempts,
    interval: Duration.seconds(intervalSeconds),
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  };
}
