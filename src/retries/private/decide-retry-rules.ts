import { RetryRule, checkRuleRetry, resolveRuleRetry } from './retry-rule';
import { anyFailureRule, DEFAULT_START_FAILURE_RETRY, startFailureRule } from './rule-kinds';
import { spotFallbackRule, spotInterruptionRule } from './spot';
import { FanOutCapacity } from '../../task/capacity';
import { vcpusOf } from '../../task/private/task-size';
import { FanOutRetryOptions, FanOutRetryPolicy } from '../retry-options';
import { FanOutRetryRule, FanOutRetryRuleKind, FanOutTaskSize } from '../retry-rules';

/** The retry rules a stopped task meets, and what they add up to. */
export interface RetryRulesDecision {
  /**
   * The rules, in the order the state machine tries them: a Spot interruption first (it says
   * nothing about the item, whatever the exit code), then the user's rules in their order, then
   * start failures, then `taskRetry` for any other failure.
   */
  readonly rules: RetryRule[];
  /** The most tasks one item can be rerun by these rules (a fallback run not counted). */
  readonly maxReruns: number;
  /** The task sizes an out-of-memory rule may use; undefined without one. */
  readonly resizes?: FanOutTaskSize[];
  /** vCPUs of the largest task an item can run as (for caps and pools). */
  readonly largestTaskVcpus?: number;
}

/** What the retry rules depend on. */
export interface RetryRulesInput {
  readonly retryRules?: FanOutRetryRule[];
  readonly startFailureRetry?: FanOutRetryOptions;
  /** `taskRetry`, resolved (see decideFanOut); undefined when it is not set. */
  readonly taskRetry?: FanOutRetryPolicy;
  readonly capacity: FanOutCapacity;
  readonly callback: boolean;
  /** The task's size, when known at synth (a built task, or a given task definition). */
  readonly taskCpu?: number;
  readonly taskMemoryMiB?: number;
  /** True when the container that gets the item sets its own memory limit (a given task definition). */
  readonly containerSetsMemoryLimit?: boolean;
}

/**
 * Resolves and checks `retryRules`, `startFailureRetry` and `taskRetry` into the ordered rules the
 * state machine applies to a task that stopped. Throws, naming the prop, for a rule that can never
 * match or cannot work.
 */
export function decideRetryRules(input: RetryRulesInput): RetryRulesDecision {
  const userRules = input.retryRules ?? [];
  if (input.callback && (userRules.length > 0 || input.startFailureRetry !== undefined)) {
    throw new Error('retryRules and startFailureRetry apply to the run-job pattern (.sync), whose tasks ECS describes when they stop; with the callback pattern the container reports its own result (use taskRetry)');
  }
  const rules: RetryRule[] = [];
  const context = (index: number) => ({
    prop: `retryRules[${index}]`,
    id: `Rule${index}`,
    taskCpu: input.taskCpu,
    taskMemoryMiB: input.taskMemoryMiB,
    containerSetsMemoryLimit: input.containerSetsMemoryLimit,
  });

  const spotRules = userRules.filter((r) => r.kind === FanOutRetryRuleKind.SPOT_INTERRUPTION);
  if (spotRules.length > 1) {
    throw new Error(`retryRules may hold one onSpotInterruption rule, got ${spotRules.length}`);
  }
  if (spotRules.length === 1 && input.capacity !== FanOutCapacity.SPOT) {
    throw new Error(`retryRules: onSpotInterruption applies to capacity SPOT only; with ${input.capacity} ${input.capacity === FanOutCapacity.ON_DEMAND ? 'no task runs on Spot' : 'an interrupted item runs once on on-demand instead'}`);
  }
  if (!input.callback && input.capacity === FanOutCapacity.SPOT) {
    rules.push(spotRules.length ? spotRules[0]._resolve(context(userRules.indexOf(spotRules[0]))) : spotInterruptionRule(undefined));
  } else if (!input.callback && input.capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK) {
    rules.push(spotFallbackRule());
  }

  const exitCodesSeen = new Set<number>();
  let catchAllAt: number | undefined;
  let resizes: FanOutTaskSize[] | undefined;
  userRules.forEach((userRule, index) => {
    if (userRule.kind === FanOutRetryRuleKind.SPOT_INTERRUPTION) {
      return; // placed first, above
    }
    const prop = `retryRules[${index}]`;
    if (catchAllAt !== undefined) {
      throw new Error(`${prop} can never match: retryRules[${catchAllAt}] (onStoppedReason '*') matches every stopped task before it; put it last`);
    }
    const rule = userRule._resolve(context(index));
    if (rule.exitCodes) {
      if (rule.exitCodes.every((c) => exitCodesSeen.has(c))) {
        throw new Error(`${prop} can never match: exit codes ${rule.exitCodes.join(', ')} are all matched by an earlier rule`);
      }
      rule.exitCodes.forEach((c) => exitCodesSeen.add(c));
    }
    if (rule.sizes) {
      if (resizes) {
        throw new Error(`${prop} can never match: an earlier onOutOfMemory rule catches every out-of-memory kill`);
      }
      resizes = rule.sizes;
    }
    if (rule.matchesEveryStop) {
      catchAllAt = index;
    }
    rules.push(rule);
  });

  if (!input.callback) {
    const startRetry = resolveRuleRetry('startFailureRetry', input.startFailureRetry, DEFAULT_START_FAILURE_RETRY);
    if (startRetry.maxAttempts > 0) {
      rules.push(startFailureRule(startRetry, input.startFailureRetry !== undefined));
    }
  }
  if (input.taskRetry !== undefined && !input.callback) {
    const retry = checkRuleRetry('taskRetry', input.taskRetry);
    if (catchAllAt !== undefined) {
      throw new Error(`taskRetry can never apply: retryRules[${catchAllAt}] (onStoppedReason '*') matches every stopped task first`);
    }
    if (retry.maxAttempts > 0) {
      rules.push(anyFailureRule(retry));
    }
  }

  const maxReruns = rules.reduce((sum, rule) => sum + (rule.retry?.maxAttempts ?? 0), 0);
  return {
    rules,
    maxReruns,
    resizes,
    largestTaskVcpus: resizes ? Math.max(...resizes.map((s) => vcpusOf(s.cpu))) : undefined,
  };
}
