import { Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { resolveRetryPolicy } from './retry-policy';
import { FanOutRetryOptions, FanOutRetryPolicy } from '../retry-options';
import { FanOutTaskSize } from '../retry-rules';

/**
 * The most retries one rule (or `taskRetry`, `startFailureRetry`) may make. Each is a loop in the
 * state machine whose delays are listed in the definition, and each counts against the inline
 * Map's history budget with every refused RunTask call it may meet; AWS Batch allows 10 attempts.
 */
export const MAX_RULE_RETRIES = 10;

/** What a retry rule matches: a label for people and tests. The states read `condition`, never this. */
export type RetryRuleMatch =
  | 'spot-interruption'
  | 'exit-codes'
  | 'stopped-reason'
  | 'out-of-memory'
  | 'start-failure'
  | 'any-failure';

/** The failure an item gets when a rule matches and has no retry left, instead of its task's own. */
export interface RetryRuleFailure {
  /** Name of the Pass state that sets it (the inline name). */
  readonly stateName: string;
  readonly comment: string;
  readonly error: string;
  readonly cause: string;
}

/**
 * One retry rule, resolved and checked: what it matches (it renders its own Choice condition, as
 * `sfn.Condition` does) and what it does. Made by a `FanOutRetryRule` (see its `_resolve`) or by
 * `decideRetryRules` for start failures and `taskRetry`.
 */
export interface RetryRule {
  /** Short id, unique in the fan-out: names its states and its attempt counter. */
  readonly id: string;
  readonly match: RetryRuleMatch;
  /** One line for `describe()`. */
  readonly description: string;
  /** How it is retried; undefined: the item fails at once. */
  readonly retry?: FanOutRetryPolicy;
  /** Exit codes matched (for the check that a later rule can still match). */
  readonly exitCodes?: number[];
  /** True when it matches every stopped task, so that no rule after it can match. */
  readonly matchesEveryStop?: boolean;
  /** Task sizes of the retries after an out-of-memory kill, in order (task-level overrides). */
  readonly sizes?: FanOutTaskSize[];
  /** The capacity provider whose tasks it can match; undefined: any. With a fallback, a match runs on it. */
  readonly capacityProvider?: string;
  /** The failure an item gets when it matches with no retry left; undefined: its task's own. */
  readonly failure?: RetryRuleFailure;
  /** True when it also retries a RunTask that ECS's own VPC lookups throttled (ECS.InvalidParameterException). */
  readonly retriesThrottledLookups?: boolean;
  /** Its Choice condition on the stopped task kept at `stopPath`; undefined: any stopped task. */
  condition(stopPath: string): sfn.Condition | undefined;
}

/** Where a rule resolves: its place among the rules and what its checks need. */
export interface RetryRuleContext {
  /** The prop that holds it, for errors: `retryRules[2]`. */
  readonly prop: string;
  /** Its id: `Rule2`. */
  readonly id: string;
  /** The task's size, when known at synth (a built task, or a given task definition). */
  readonly taskCpu?: number;
  readonly taskMemoryMiB?: number;
  /** True when the container that gets the item sets its own memory limit (a given task definition). */
  readonly containerSetsMemoryLimit?: boolean;
}

/** The fields of the stopped task kept at `stopPath` (ECS's description, under `task`) that rules read. */
export function stoppedTaskFields(stopPath: string) {
  return {
    exitCode: `${stopPath}.task.Containers[0].ExitCode`,
    containerReason: `${stopPath}.task.Containers[0].Reason`,
    stopCode: `${stopPath}.task.StopCode`,
    stoppedReason: `${stopPath}.task.StoppedReason`,
  };
}

/** The string field at `path` is present and matches `pattern` (`*` matches any text). */
export function fieldMatches(path: string, pattern: string): sfn.Condition {
  return sfn.Condition.and(sfn.Condition.isPresent(path), sfn.Condition.isString(path), sfn.Condition.stringMatches(path, pattern));
}

/** The string field at `path` is present and equals `value` (a stopped task's field may be left out, `[]`: see item-record.ts). */
export function fieldEquals(path: string, value: string): sfn.Condition {
  return sfn.Condition.and(sfn.Condition.isPresent(path), sfn.Condition.isString(path), sfn.Condition.stringEquals(path, value));
}

/**
 * A rule's retry: `options` over `defaults`, checked like any retry, and known at synth with at
 * most MAX_RULE_RETRIES attempts (its delays are written into the state machine).
 */
export function resolveRuleRetry(prop: string, options: FanOutRetryOptions | undefined, defaults: FanOutRetryPolicy): FanOutRetryPolicy {
  return checkRuleRetry(prop, resolveRetryPolicy(prop, options, defaults));
}

/** Checks that `policy` can be a rule's retry loop (see `resolveRuleRetry`). */
export function checkRuleRetry(prop: string, policy: FanOutRetryPolicy): FanOutRetryPolicy {
  if (!Token.isUnresolved(policy.maxAttempts) && policy.maxAttempts > MAX_RULE_RETRIES) {
    throw new Error(`${prop}.maxAttempts must be from 0 to ${MAX_RULE_RETRIES} (each retry reruns the task and counts against the inline Map's history), got ${policy.maxAttempts}`);
  }
  const fields = [policy.maxAttempts, policy.intervalSeconds, policy.maxDelaySeconds, policy.backoffRate];
  if (fields.some((field) => Token.isUnresolved(field))) {
    throw new Error(`${prop} must be known at synth: its delays are written into the state machine`);
  }
  return policy;
}

/**
 * The delays of a retry loop, one per attempt: the backoff `interval x rate^n` capped at
 * `maxDelay`, and with jitter the range [delay/2, delay] each is drawn from.
 */
export interface LoopDelays {
  readonly lowest: number[];
  readonly highest: number[];
}

/** The delays before each retry of `policy`, in whole seconds. */
export function loopDelays(policy: FanOutRetryPolicy): LoopDelays {
  const highest: number[] = [];
  for (let attempt = 0; attempt < policy.maxAttempts; attempt++) {
    highest.push(Math.max(1, Math.min(policy.maxDelaySeconds, Math.round(policy.intervalSeconds * policy.backoffRate ** attempt))));
  }
  return { highest, lowest: policy.jitter ? highest.map((d) => Math.floor(d / 2)) : highest };
}

/** One line for people. */
export function describeLoop(policy: FanOutRetryPolicy): string {
  if (policy.maxAttempts === 0) {
    return 'not retried';
  }
  const delays = loopDelays(policy).highest;
  return `up to ${policy.maxAttempts} ${policy.maxAttempts === 1 ? 'retry' : 'retries'}, after ${delays.join(', ')} s${policy.jitter ? ' (each drawn from half to all of it)' : ''}`;
}
