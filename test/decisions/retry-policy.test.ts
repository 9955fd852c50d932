import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DEFAULT_TASK_RETRY, describeRetryPolicy, resolveRetryPolicy, toRetryProps } from '../../src/retries/private/retry-policy';
import { DEFAULT_THROTTLE_RETRY } from '../../src/retries/private/throttle-retry';

describe('resolveRetryPolicy', () => {
  test('the throttle default retries the three ECS launch errors with capped, jittered backoff', () => {
    const policy = resolveRetryPolicy('throttleRetry', undefined, DEFAULT_THROTTLE_RETRY);
    expect(policy).toEqual({
      errors: ['ECS.AmazonECSException', 'ECS.InvalidParameterException', 'AmazonECS.Unknown'],
      maxAttempts: 30,
      intervalSeconds: 2,
      backoffRate: 2,
      maxDelaySeconds: 60,
      jitter: true,
    });
  });

  test('the task retry matches only States.TaskFailed', () => {
    expect(resolveRetryPolicy('taskRetry', {}, DEFAULT_TASK_RETRY).errors).toEqual(['States.TaskFailed']);
  });

  test('user fields override defaults one by one', () => {
    const policy = resolveRetryPolicy('throttleRetry', { maxAttempts: 5, interval: Duration.seconds(3), jitter: false }, DEFAULT_THROTTLE_RETRY);
    expect(policy.maxAttempts).toBe(5);
    expect(policy.intervalSeconds).toBe(3);
    expect(policy.jitter).toBe(false);
    expect(policy.maxDelaySeconds).toBe(60);
  });

  test('an explicit 0 attempts is kept, not replaced by the default', () => {
    expect(resolveRetryPolicy('throttleRetry', { maxAttempts: 0 }, DEFAULT_THROTTLE_RETRY).maxAttempts).toBe(0);
  });

  test.each([
    [{ maxAttempts: -1 }, /throttleRetry.maxAttempts must be a whole number from 0 to 99999999, got -1/],
    [{ maxAttempts: 1.5 }, /throttleRetry.maxAttempts must be a whole number/],
    [{ backoffRate: 0.5 }, /throttleRetry.backoffRate must be a number of at least 1/],
    [{ interval: Duration.millis(1500) }, /throttleRetry.interval must be a whole number of seconds/],
    [{ interval: Duration.seconds(0) }, /throttleRetry.interval must be a whole number from 1/],
    [{ maxDelay: Duration.seconds(1), interval: Duration.seconds(5) }, /throttleRetry.maxDelay \(1 s\) must be at least throttleRetry.interval \(5 s\)/],
    [{ maxDelay: Duration.days(400) }, /throttleRetry.maxDelay must be a whole number from 1 to 31622400/],
  ])('fails: %p', (options, message) => {
    expect(() => resolveRetryPolicy('throttleRetry', options, DEFAULT_THROTTLE_RETRY)).toThrow(message);
  });
});

describe('toRetryProps', () => {
  test('renders full jitter and the delay cap', () => {
    const props = toRetryProps(DEFAULT_THROTTLE_RETRY);
    expect(props.jitterStrategy).toBe(sfn.JitterType.FULL);
    expect(props.maxDelay?.toSeconds()).toBe(60);
    expect(props.interval?.toSeconds()).toBe(2);
  });

  test('renders no jitter when turned off', () => {
    expect(toRetryProps({ ...DEFAULT_TASK_RETRY, jitter: false }).jitterStrategy).toBe(sfn.JitterType.NONE);
  });
});

test('describeRetryPolicy says what a person needs', () => {
  expect(describeRetryPolicy(DEFAULT_THROTTLE_RETRY)).toBe(
    'ECS.AmazonECSException, ECS.InvalidParameterException, AmazonECS.Unknown: up to 30 retries, 2 s x2 backoff capped at 60 s, full jitter');
});
