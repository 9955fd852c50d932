import { RetryRule, RetryRuleContext } from './private/retry-rule';
import { exitCodesRule, outOfMemoryRule, stoppedReasonRule } from './private/rule-kinds';
import { spotInterruptionRule } from './private/spot';
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
    const exitCodes = [...codes];
    return new FanOutRetryRule(FanOutRetryRuleKind.EXIT_CODES, { exitCodes, retry }, (at) => exitCodesRule(at, exitCodes, retry, true));
  }

  /**
   * Retries a task whose StoppedReason matches `pattern`, a Step Functions `StringMatches`
   * pattern in which `*` matches any text (for example `ResourceInitializationError*`).
   *
   * @param retry how often and when; defaults as `taskRetry`'s
   */
  public static onStoppedReason(pattern: string, retry?: FanOutRetryOptions): FanOutRetryRule {
    return new FanOutRetryRule(FanOutRetryRuleKind.STOPPED_REASON, { pattern, retry }, (at) => stoppedReasonRule(at, pattern, retry));
  }

  /**
   * How a task that Fargate Spot interrupted is retried on Spot, whatever its exit code (with
   * `SPOT_WITH_ON_DEMAND_FALLBACK` it runs once on on-demand instead; this rule then applies
   * to nothing and is refused). Spot interruptions are always checked first.
   *
   * @param retry how often and when; default 3 retries, 10 s doubling, at most 120 s, full jitter
   */
  public static onSpotInterruption(retry?: FanOutRetryOptions): FanOutRetryRule {
    return new FanOutRetryRule(FanOutRetryRuleKind.SPOT_INTERRUPTION, { retry }, (at) => spotInterruptionRule(`${at.prop} (onSpotInterruption)`, retry));
  }

  /**
   * Fails the item at once when its container exited with one of `codes`: not retried by any
   * later rule, nor by `taskRetry`.
   *
   * @param codes exit codes, 0 to 255
   */
  public static failOnExitCodes(codes: number[]): FanOutRetryRule {
    const exitCodes = [...codes];
    return new FanOutRetryRule(FanOutRetryRuleKind.FAIL_ON_EXIT_CODES, { exitCodes }, (at) => exitCodesRule(at, exitCodes, undefined, false));
  }

  /**
   * After an out-of-memory kill (exit code 137 and a container reason that starts with
   * `OutOfMemoryError`), runs the item again at the next of `sizes`, through RunTask's task-level
   * CPU and memory overrides: one retry per size, in order.
   *
   * @param sizes larger Fargate task sizes, each with more memory than the one before
   */
  public static onOutOfMemory(sizes: FanOutTaskSize[]): FanOutRetryRule {
    const copies = sizes.map((s) => ({ ...s }));
    return new FanOutRetryRule(FanOutRetryRuleKind.OUT_OF_MEMORY, { sizes: copies }, (at) => outOfMemoryRule(at, copies));
  }

  /** What the rule matches. */
  public readonly kind: FanOutRetryRuleKind;

  /**
   * The rule, checked and resolved at its place among the rules: what it matches (it renders its
   * own Choice condition) and how it is retried. Throws, naming the prop, for a rule that cannot work.
   *
   * @internal
   */
  public readonly _resolve: (at: RetryRuleContext) => RetryRule;

  /**
   * What the rule was made from (its factory's arguments): two rules made alike are alike, also
   * as JSON, which the resolver above is not.
   *
   * @internal
   */
  public readonly _madeFrom: { readonly [argument: string]: unknown };

  private constructor(kind: FanOutRetryRuleKind, madeFrom: { readonly [argument: string]: unknown }, resolve: (at: RetryRuleContext) => RetryRule) {
    this.kind = kind;
    this._madeFrom = madeFrom;
    this._resolve = resolve;
  }
}
