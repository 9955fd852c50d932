import { Duration } from 'aws-cdk-lib';

/**
 * How a failed attempt is retried. Every field is optional; what is left out takes the
 * default of the retry it configures (`throttleRetry` or `taskRetry`).
 */
export interface FanOutRetryOptions {
  /**
   * Attempts after the first one; 0 turns the retry off.
   *
   * @default - 30 for `throttleRetry`, 2 for `taskRetry`
   */
  readonly maxAttempts?: number;

  /**
   * Delay before the first retry, in whole seconds.
   *
   * @default - 2 seconds for `throttleRetry`, 10 seconds for `taskRetry`
   */
  readonly interval?: Duration;

  /**
   * Multiplier applied to the delay after each attempt; at least 1.
   *
   * @default 2
   */
  readonly backoffRate?: number;

  /**
   * Ceiling on any one delay, in whole seconds, so exponential backoff stops growing.
   *
   * @default - 60 seconds for `throttleRetry`, 300 seconds for `taskRetry`
   */
  readonly maxDelay?: Duration;

  /**
   * Whether each delay is drawn at random between 0 and the computed backoff (full jitter),
   * so that tasks throttled together do not retry together.
   *
   * @default true
   */
  readonly jitter?: boolean;
}

/** A retry as it is rendered into the state machine. */
export interface FanOutRetryPolicy {
  /** The error names this retrier matches. */
  readonly errors: string[];
  /** Attempts after the first one. */
  readonly maxAttempts: number;
  /** Delay before the first retry, in seconds. */
  readonly intervalSeconds: number;
  /** Multiplier applied to the delay after each attempt. */
  readonly backoffRate: number;
  /** Ceiling on any one delay, in seconds. */
  readonly maxDelaySeconds: number;
  /** Whether delays use full jitter. */
  readonly jitter: boolean;
}
