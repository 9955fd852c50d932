import { Token } from 'aws-cdk-lib';
import { resolveRetryPolicy } from './retry-policy';
import { FanOutCapacity } from '../../task/capacity';
import { checkFargateTaskSize, vcpusOf } from '../../task/private/task-size';
import { FanOutRetryOptions, FanOutRetryPolicy } from '../retry-options';
import { FanOutRetryRule, FanOutRetryRuleKind, FanOutTaskSize } from '../retry-rules';

/**
 * The most retries one rule (or `taskRetry`, `startFailureRetry`) may make. Each is a loop in the
 * state machine whose delays are listed in the definition, and each counts against the inline
 * Map's history budget with every refused RunTask call it may meet; AWS Batch allows 10 attempts.
 */
export const MAX_RULE_RETRIES = 10;

/** Exit codes are what a process can return: 0 to 255. */
const MAX_EXIT_CODE = 255;

/**
 * How a Spot interruption is retried on Spot (capacity SPOT) unless `onSpotInterruption` says
 * otherwise: an interruption says nothing about the item, so it is retried a few times, later
 * than a throttle (Spot capacity is taken back for minutes).
 */
export const DEFAULT_SPOT_INTERRUPTION_RETRY: FanOutRetryPolicy = {
  errors: [],
  maxAttempts: 3,
  intervalSeconds: 10,
  backoffRate: 2,
  maxDelaySeconds: 120,
  jitter: true,
};

/**
 * How a task that failed to start (StopCode TaskFailedToStart: image pull, secrets, ENI, log
 * driver), or whose RunTask ECS's own VPC lookups throttled, is retried by default: the user's
 * code never ran, so running it again is safe. A first failure is usually transient, a repeated
 * one usually configuration (see ../shared/ecs-stop-signals.md), hence few retries, widely spaced.
 */
export const DEFAULT_START_FAILURE_RETRY: FanOutRetryPolicy = {
  errors: [],
  maxAttempts: 2,
  intervalSeconds: 10,
  backoffRate: 3,
  maxDelaySeconds: 120,
  jitter: true,
};

/** A rule's retry when it gives none: that of `taskRetry`. */
export const DEFAULT_RULE_RETRY: FanOutRetryPolicy = {
  errors: [],
  maxAttempts: 2,
  intervalSeconds: 10,
  backoffRate: 2,
  maxDelaySeconds: 300,
  jitter: true,
};

/** What a stop rule matches, in the order they are tried (see `decideStopRules`). */
export type StopRuleMatch =
  | 'spot-interruption'
  | 'exit-codes'
  | 'stopped-reason'
  | 'out-of-memory'
  | 'start-failure'
  | 'any-failure';

/** One rule, resolved: what it matches and what it does. */
export interface StopRule {
  /** Short id, unique in the fan-out: names its states and its attempt counter. */
  readonly id: string;
  readonly match: StopRuleMatch;
  /** Exit codes matched ('exit-codes'). */
  readonly exitCodes?: number[];
  /** StoppedReason pattern matched ('stopped-reason'). */
  readonly stoppedReason?: string;
  /** How it is retried; undefined: the item fails at once. */
  readonly retry?: FanOutRetryPolicy;
  /** Task sizes of the retries after an out-of-memory kill, in order. */
  readonly sizes?: FanOutTaskSize[];
  /** One line for `describe()`. */
  readonly description: string;
}

/** How stopped tasks are classified, and what each class does. */
export interface StopRulesDecision {
  /**
   * The rules, in the order the state machine tries them: a Spot interruption first (it says
   * nothing about the item, whatever the exit code), then the user's rules in their order, then
   * start failures, then `taskRetry` for any other failure.
   */
  readonly rules: StopRule[];
  /** The most tasks one item can be rerun by these rules (a fallback run not counted). */
  readonly maxReruns: number;
  /** The task sizes an out-of-memory rule may use; undefined without one. */
  readonly resizes?: FanOutTaskSize[];
  /** vCPUs of the largest task an item can run as (for caps and pools). */
  readonly largestTaskVcpus?: number;
}

/** What the stop rules depend on. */
export interface StopRulesInput {
  readonly retryRules?: FanOutRetryRule[];
  readonly startFailureRetry?: FanOutRetryOptions;
  readonly taskRetry?: FanOutRetryOptions;
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
export function decideStopRules(input: StopRulesInput): StopRulesDecision {
  const userRules = input.retryRules ?? [];
  if (input.callback && (userRules.length > 0 || input.startFailureRetry !== undefined)) {
    throw new Error('retryRules and startFailureRetry apply to the run-job pattern (.sync), whose tasks ECS describes when they stop; with the callback pattern the container reports its own result (use taskRetry)');
  }
  const rules: StopRule[] = [];

  const spotRules = userRules.filter((r) => r.kind === FanOutRetryRuleKind.SPOT_INTERRUPTION);
  if (spotRules.length > 1) {
    throw new Error(`retryRules may hold one onSpotInterruption rule, got ${spotRules.length}`);
  }
  if (spotRules.length === 1 && input.capacity !== FanOutCapacity.SPOT) {
    throw new Error(`retryRules: onSpotInterruption applies to capacity SPOT only; with ${input.capacity} ${input.capacity === FanOutCapacity.ON_DEMAND ? 'no task runs on Spot' : 'an interrupted item runs once on on-demand instead'}`);
  }
  if (!input.callback && input.capacity === FanOutCapacity.SPOT) {
    const retry = resolveRuleRetry(`retryRules[${userRules.indexOf(spotRules[0])}] (onSpotInterruption)`, spotRules[0]?._retry, DEFAULT_SPOT_INTERRUPTION_RETRY);
    rules.push({ id: 'Spot', match: 'spot-interruption', retry, description: `a Spot interruption (any exit code): ${describeLoop(retry)}${spotRules.length ? '' : ' (default)'}` });
  } else if (!input.callback && input.capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK) {
    rules.push({ id: 'Spot', match: 'spot-interruption', description: 'a Spot interruption (any exit code): runs once more, on on-demand' });
  }

  const exitCodesSeen = new Set<number>();
  let catchAllAt: number | undefined;
  let resizes: FanOutTaskSize[] | undefined;
  userRules.forEach((rule, index) => {
    const prop = `retryRules[${index}]`;
    if (rule.kind === FanOutRetryRuleKind.SPOT_INTERRUPTION) {
      return;
    }
    if (catchAllAt !== undefined) {
      throw new Error(`${prop} can never match: retryRules[${catchAllAt}] (onStoppedReason '*') matches every stopped task before it; put it last`);
    }
    const id = `Rule${index}`;
    switch (rule.kind) {
      case FanOutRetryRuleKind.EXIT_CODES:
      case FanOutRetryRuleKind.FAIL_ON_EXIT_CODES: {
        const codes = checkExitCodes(prop, rule._exitCodes ?? []);
        const fresh = codes.filter((c) => !exitCodesSeen.has(c));
        if (fresh.length === 0) {
          throw new Error(`${prop} can never match: exit codes ${codes.join(', ')} are all matched by an earlier rule`);
        }
        codes.forEach((c) => exitCodesSeen.add(c));
        if (rule.kind === FanOutRetryRuleKind.FAIL_ON_EXIT_CODES) {
          rules.push({ id, match: 'exit-codes', exitCodes: codes, description: `exit code ${codes.join(', ')}: fails the item at once (${prop}, failOnExitCodes)` });
        } else {
          const retry = resolveRuleRetry(`${prop} (onExitCodes)`, rule._retry, DEFAULT_RULE_RETRY);
          rules.push({ id, match: 'exit-codes', exitCodes: codes, retry, description: `exit code ${codes.join(', ')}: ${describeLoop(retry)} (${prop})` });
        }
        return;
      }
      case FanOutRetryRuleKind.STOPPED_REASON: {
        const pattern = rule._stoppedReason ?? '';
        if (!Token.isUnresolved(pattern) && pattern.length === 0) {
          throw new Error(`${prop} (onStoppedReason) needs a non-empty pattern, such as 'ResourceInitializationError*'`);
        }
        const retry = resolveRuleRetry(`${prop} (onStoppedReason)`, rule._retry, DEFAULT_RULE_RETRY);
        if (/^\*+$/.test(pattern)) {
          catchAllAt = index;
        }
        rules.push({ id, match: 'stopped-reason', stoppedReason: pattern, retry, description: `StoppedReason matching '${pattern}': ${describeLoop(retry)} (${prop})` });
        return;
      }
      case FanOutRetryRuleKind.OUT_OF_MEMORY: {
        if (resizes) {
          throw new Error(`${prop} can never match: an earlier onOutOfMemory rule catches every out-of-memory kill`);
        }
        resizes = checkSizes(prop, rule._sizes ?? [], input);
        const retry: FanOutRetryPolicy = {
          errors: [], maxAttempts: resizes.length, intervalSeconds: 1, backoffRate: 1, maxDelaySeconds: 1, jitter: false,
        };
        rules.push({
          id,
          match: 'out-of-memory',
          sizes: resizes,
          retry,
          description: `out of memory (exit code 137, OutOfMemoryError): runs again at ${resizes.map((s) => `${s.cpu} CPU units/${s.memoryLimitMiB} MiB`).join(', then ')} (${prop})`,
        });
        return;
      }
      default:
        throw new Error(`${prop}: unknown rule ${rule.kind}`);
    }
  });

  if (!input.callback) {
    const startRetry = resolveRuleRetry('startFailureRetry', input.startFailureRetry, DEFAULT_START_FAILURE_RETRY);
    if (startRetry.maxAttempts > 0) {
      rules.push({
        id: 'Start',
        match: 'start-failure',
        retry: startRetry,
        description: `a task that failed to start (StopCode TaskFailedToStart), or a RunTask throttled in ECS's VPC lookups: ${describeLoop(startRetry)}${input.startFailureRetry ? '' : ' (default)'}`,
      });
    }
  }
  if (input.taskRetry !== undefined && !input.callback) {
    const retry = resolveRuleRetry('taskRetry', input.taskRetry, DEFAULT_RULE_RETRY);
    if (catchAllAt !== undefined) {
      throw new Error(`taskRetry can never apply: retryRules[${catchAllAt}] (onStoppedReason '*') matches every stopped task first`);
    }
    if (retry.maxAttempts > 0) {
      rules.push({ id: 'Any', match: 'any-failure', retry, description: `any other failed task: ${describeLoop(retry)} (taskRetry)` });
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

function resolveRuleRetry(prop: string, options: FanOutRetryOptions | undefined, defaults: FanOutRetryPolicy): FanOutRetryPolicy {
  const policy = resolveRetryPolicy(prop, options, defaults);
  if (!Token.isUnresolved(policy.maxAttempts) && policy.maxAttempts > MAX_RULE_RETRIES) {
    throw new Error(`${prop}.maxAttempts must be from 0 to ${MAX_RULE_RETRIES} (each retry reruns the task and counts against the inline Map's history), got ${policy.maxAttempts}`);
  }
  const fields = [policy.maxAttempts, policy.intervalSeconds, policy.maxDelaySeconds, policy.backoffRate];
  if (fields.some((field) => Token.isUnresolved(field))) {
    throw new Error(`${prop} must be known at synth: its delays are written into the state machine`);
  }
  return policy;
}

function checkExitCodes(prop: string, codes: number[]): number[] {
  if (codes.length === 0) {
    throw new Error(`${prop} needs at least one exit code`);
  }
  for (const code of codes) {
    if (!Number.isInteger(code) || code < 0 || code > MAX_EXIT_CODE) {
      throw new Error(`${prop}: exit codes must be integers from 0 to ${MAX_EXIT_CODE}, got ${code}`);
    }
  }
  return [...new Set(codes)];
}

function checkSizes(prop: string, sizes: FanOutTaskSize[], input: StopRulesInput): FanOutTaskSize[] {
  if (sizes.length === 0) {
    throw new Error(`${prop} (onOutOfMemory) needs at least one larger task size`);
  }
  if (sizes.length > MAX_RULE_RETRIES) {
    throw new Error(`${prop} (onOutOfMemory) may list from 1 to ${MAX_RULE_RETRIES} sizes, got ${sizes.length}`);
  }
  const { taskCpu, taskMemoryMiB } = input;
  if (taskCpu === undefined || taskMemoryMiB === undefined || Token.isUnresolved(taskCpu) || Token.isUnresolved(taskMemoryMiB)) {
    throw new Error(`${prop} (onOutOfMemory) needs the task's size known at synth (cpu and memoryLimitMiB as numbers)`);
  }
  if (input.containerSetsMemoryLimit) {
    throw new Error(`${prop} (onOutOfMemory): the container that gets the item sets its own memory limit, which a larger task would not raise; remove memoryLimitMiB from the task definition's container`);
  }
  let previous = taskMemoryMiB;
  sizes.forEach((size, i) => {
    try {
      checkFargateTaskSize(size.cpu, size.memoryLimitMiB);
    } catch (e) {
      throw new Error(`${prop} (onOutOfMemory) sizes[${i}]: ${(e as Error).message}`);
    }
    if (size.memoryLimitMiB <= previous) {
      throw new Error(`${prop} (onOutOfMemory) sizes[${i}] must have more memory than the size before it (${previous} MiB), got ${size.memoryLimitMiB} MiB`);
    }
    previous = size.memoryLimitMiB;
  });
  return sizes.map((s) => ({ cpu: s.cpu, memoryLimitMiB: s.memoryLimitMiB }));
}
