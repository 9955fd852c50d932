import { FanOutRetryOptions } from './retry-options';

/** A Fargate task size: CPU units and memory in MiB, one of the combinations Fargate accepts. */
export interface FanOutTaskSize {
  /** CPU units (1024 = 1 vCPU). */
  readonly cpu: number;
  /** Memory in MiB, valid for `cpu`. */
  readonly memoryLimitMiB: number;
}

/** What a retry rule matches. */
export enum FanOutRetryRuleKind {
  /** The container exited with one of the listed codes. */
  EXIT_CODES = 'EXIT_CODES',
  /** The task's StoppedReason matches a pattern. */
  STOPPED_REASON = 'STOPPED_REASON',
  /** Fargate Spot interrupted the task. */
  SPOT_INTERRUPTION = 'SPOT_INTERRUPTION',
  /** The container exited with one of the listed codes: never retried. */
  FAIL_ON_EXIT_CODES = 'FAIL_ON_EXIT_CODES',
  /** The container was killed for using more memory than the task has. */
  OUT_OF_MEMORY = 'OUT_OF_MEMORY',
}

/**
 * What to do with a task that ran and stopped, decided from what ECS says about it: the exit
 * code, the stop reason, a Spot interruption, an out-of-memory kill. Like AWS Batch's
 * `evaluateOnExit`: rules are tried in order and the first that matches decides; without a
 * limit on their number.
 */
export class FanOutRetryRule {
  /**
   * Retries a task whose container exited with one of `codes`.
   *
   * @param codes exit codes, 0 to 255
   * @param retry how often and when; defaults as `taskRetry`'s (2 retries, 10 s doubling, at most 300 s, full jitter)
   */
  public static onExitCodes(codes: number[], retry?: FanOutRetryOptions): FanOutRetryRule {
    return new FanOutRetryRule(FanOutRetryRuleKind.EXIT_CODES, [...codes], undefined, retry, undefined);
  }

  /**
   * Retries a task whose StoppedReason matches `pattern`, a Step Functions `StringMatches`
   * pattern in which `*` matches any text (for example `ResourceInitializationError*`).
   *
   * @param retry how often and when; defaults as `taskRetry`'s
   */
  public static onStoppedReason(pattern: string, retry?: FanOutRetryOptions): FanOutRetryRule {
    return new FanOutRetryRule(FanOutRetryRuleKind.STOPPED_REASON, undefined, pattern, retry, undefined);
  }

  /**
   * How a task that Fargate Spot interrupted is retried on Spot, whatever its exit code (with
   * `SPOT_WITH_ON_DEMAND_FALLBACK` it runs once on on-demand instead; this rule then applies
   * to nothing and is refused). Spot interruptions are always checked first.
   *
   * @param retry how often and when; default 3 retries, 10 s doubling, at most 120 s, full jitter
   */
  public static onSpotInterruption(retry?: FanOutRetryOptions): FanOutRetryRule {
    return new FanOutRetryRule(FanOutRetryRuleKind.SPOT_INTERRUPTION, undefined, undefined, retry, undefined);
  }

  /**
   * Fails the item at once when its container exited with one of `codes`: not retried by any
   * later rule, nor by `taskRetry`.
   *
   * @param codes exit codes, 0 to 255
   */
  public static failOnExitCodes(codes: number[]): FanOutRetryRule {
    return new FanOutRetryRule(FanOutRetryRuleKind.FAIL_ON_EXIT_CODES, [...codes], undefined, undefined, undefined);
  }

  /**
   * After an out-of-memory kill (exit code 137 and a container reason that starts with
   * `OutOfMemoryError`), runs the item again at the next of `sizes`, through RunTask's task-level
   * CPU and memory overrides: one retry per size, in order.
   *
   * @param sizes larger Fargate task sizes, each with more memory than the one before
   */
  public static onOutOfMemory(sizes: FanOutTaskSize[]): FanOutRetryRule {
    return new FanOutRetryRule(FanOutRetryRuleKind.OUT_OF_MEMORY, undefined, undefined, undefined, sizes.map((s) => ({ ...s })));
  }

  /** What the rule matches. */
  public readonly kind: FanOutRetryRuleKind;

  /** @internal */
  public readonly _exitCodes?: number[];
  /** @internal */
  public readonly _stoppedReason?: string;
  /** @internal */
  public readonly _retry?: FanOutRetryOptions;
  /** @internal */
  public readonly _sizes?: FanOutTaskSize[];

  private constructor(kind: FanOutRetryRuleKind, exitCodes: number[] | undefined, stoppedReason: string | undefined,
    retry: FanOutRetryOptions | undefined, sizes: FanOutTaskSize[] | undefined) {
    this.kind = kind;
    this._exitCodes = exitCodes;
    this._stoppedReason = stoppedReason;
    this._retry = retry;
    this._sizes = sizes;
  }
}
