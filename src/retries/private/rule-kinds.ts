import { Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DEFAULT_TASK_RETRY } from './retry-policy';
import { describeLoop, fieldEquals, fieldMatches, MAX_RULE_RETRIES, resolveRuleRetry, RetryRule, RetryRuleContext, stoppedTaskFields } from './retry-rule';
import { ECS_OUT_OF_MEMORY_EXIT_CODE, ECS_OUT_OF_MEMORY_REASON_PATTERN, ECS_STOP_CODE_TASK_FAILED_TO_START } from '../../facts';
import { checkFargateTaskSize } from '../../task/private/task-size';
import { FanOutRetryOptions, FanOutRetryPolicy } from '../retry-options';
import { FanOutTaskSize } from '../retry-rules';

// The kinds of retry rule that read what ECS says about a stopped task, each with its checks and
// its Choice condition. The Spot interruption's is in spot.ts.

/** Exit codes are what a process can return: 0 to 255. */
const MAX_EXIT_CODE = 255;

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

/** `onExitCodes` (with `retry`) or `failOnExitCodes` (without). */
export function exitCodesRule(at: RetryRuleContext, exitCodes: number[], retryOptions: FanOutRetryOptions | undefined, retried: boolean): RetryRule {
  const codes = checkExitCodes(at.prop, exitCodes);
  const retry = retried ? resolveRuleRetry(`${at.prop} (onExitCodes)`, retryOptions, DEFAULT_TASK_RETRY) : undefined;
  return {
    id: at.id,
    match: 'exit-codes',
    exitCodes: codes,
    retry,
    description: retry
      ? `exit code ${codes.join(', ')}: ${describeLoop(retry)} (${at.prop})`
      : `exit code ${codes.join(', ')}: fails the item at once (${at.prop}, failOnExitCodes)`,
    condition: (stopPath) => exitCodeIn(stopPath, codes),
  };
}

/** `onStoppedReason`: the task's StoppedReason matches `pattern`. */
export function stoppedReasonRule(at: RetryRuleContext, pattern: string, retryOptions: FanOutRetryOptions | undefined): RetryRule {
  if (!Token.isUnresolved(pattern) && pattern.length === 0) {
    throw new Error(`${at.prop} (onStoppedReason) needs a non-empty pattern, such as 'ResourceInitializationError*'`);
  }
  const retry = resolveRuleRetry(`${at.prop} (onStoppedReason)`, retryOptions, DEFAULT_TASK_RETRY);
  return {
    id: at.id,
    match: 'stopped-reason',
    retry,
    matchesEveryStop: /^\*+$/.test(pattern),
    description: `StoppedReason matching '${pattern}': ${describeLoop(retry)} (${at.prop})`,
    condition: (stopPath) => fieldMatches(stoppedTaskFields(stopPath).stoppedReason, pattern),
  };
}

/** `onOutOfMemory`: exit code 137 and an OutOfMemoryError; each retry runs at the next of `sizes`. */
export function outOfMemoryRule(at: RetryRuleContext, sizes: FanOutTaskSize[]): RetryRule {
  const checked = checkSizes(at, sizes);
  return {
    id: at.id,
    match: 'out-of-memory',
    sizes: checked,
    retry: { errors: [], maxAttempts: checked.length, intervalSeconds: 1, backoffRate: 1, maxDelaySeconds: 1, jitter: false },
    description: `out of memory (exit code ${ECS_OUT_OF_MEMORY_EXIT_CODE}, OutOfMemoryError): runs again at ${checked.map((s) => `${s.cpu} CPU units/${s.memoryLimitMiB} MiB`).join(', then ')} (${at.prop})`,
    condition: (stopPath) => {
      const task = stoppedTaskFields(stopPath);
      return sfn.Condition.and(
        exitCodeIn(stopPath, [ECS_OUT_OF_MEMORY_EXIT_CODE]),
        sfn.Condition.isPresent(task.containerReason),
        sfn.Condition.stringMatches(task.containerReason, ECS_OUT_OF_MEMORY_REASON_PATTERN),
      );
    },
  };
}

/**
 * `startFailureRetry`: a task that failed to start (StopCode TaskFailedToStart), and a RunTask
 * that ECS's VPC lookups throttled.
 */
export function startFailureRule(retry: FanOutRetryPolicy, given: boolean): RetryRule {
  return {
    id: 'Start',
    match: 'start-failure',
    retry,
    retriesThrottledLookups: true,
    description: `a task that failed to start (StopCode ${ECS_STOP_CODE_TASK_FAILED_TO_START}), or a RunTask throttled in ECS's VPC lookups: ${describeLoop(retry)}${given ? '' : ' (default)'}`,
    condition: (stopPath) => fieldEquals(stoppedTaskFields(stopPath).stopCode, ECS_STOP_CODE_TASK_FAILED_TO_START),
  };
}

/** `taskRetry` with the run job: any other task that stopped and failed. */
export function anyFailureRule(retry: FanOutRetryPolicy): RetryRule {
  return {
    id: 'Any',
    match: 'any-failure',
    retry,
    matchesEveryStop: true,
    description: `any other failed task: ${describeLoop(retry)} (taskRetry)`,
    condition: () => undefined,
  };
}

/** The container's exit code is one of `codes`; a container that never started has none. */
function exitCodeIn(stopPath: string, codes: number[]): sfn.Condition {
  const exitCode = stoppedTaskFields(stopPath).exitCode;
  const equals = codes.map((code) => sfn.Condition.numberEquals(exitCode, code));
  return sfn.Condition.and(
    sfn.Condition.isPresent(exitCode),
    sfn.Condition.isNumeric(exitCode),
    equals.length === 1 ? equals[0] : sfn.Condition.or(...equals),
  );
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

function checkSizes(at: RetryRuleContext, sizes: FanOutTaskSize[]): FanOutTaskSize[] {
  const prop = at.prop;
  if (sizes.length === 0) {
    throw new Error(`${prop} (onOutOfMemory) needs at least one larger task size`);
  }
  if (sizes.length > MAX_RULE_RETRIES) {
    throw new Error(`${prop} (onOutOfMemory) may list from 1 to ${MAX_RULE_RETRIES} sizes, got ${sizes.length}`);
  }
  const { taskCpu, taskMemoryMiB } = at;
  if (taskCpu === undefined || taskMemoryMiB === undefined || Token.isUnresolved(taskCpu) || Token.isUnresolved(taskMemoryMiB)) {
    throw new Error(`${prop} (onOutOfMemory) needs the task's size known at synth (cpu and memoryLimitMiB as numbers)`);
  }
  if (at.containerSetsMemoryLimit) {
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
