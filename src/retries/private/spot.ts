import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { describeLoop, fieldEquals, fieldMatches, resolveRuleRetry, RetryRule, RetryRuleFailure, stoppedTaskFields } from './retry-rule';
import {
  CapacityProviderNames, ECS_SPOT_STOPPED_REASON_PATTERN, ECS_STOP_CODE_SPOT_INTERRUPTION, ECS_STOP_CODE_TERMINATION_NOTICE,
  HISTORY_EVENTS_PER_PASS_STATE,
} from '../../facts';
import { FanOutRetryOptions, FanOutRetryPolicy } from '../retry-options';

// A Spot interruption, wherever it is handled: the rule the retry-rule Choice applies first (see
// retry-rule-states.ts), the condition that recognizes it, and the check after a Spot task that
// succeeded (see workflow/item/run-job-runner.ts), since an interrupted task can exit 0.

/**
 * Events checking a Spot task's stop after it succeeded adds at worst (Spot without fallback):
 * whether Spot stopped it (a Choice), then the item's success (a Succeed) or its interruption (a
 * Pass before the failure record).
 */
export const SPOT_STOP_CHECK_EVENTS = 2 * HISTORY_EVENTS_PER_PASS_STATE;

/** The error of an item whose Spot task was interrupted and is not retried (any more). */
export const ERROR_SPOT_INTERRUPTED = 'FanOut.SpotInterrupted';

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

/** What an item that Spot interrupted fails with once the rule has no retry left. */
const SPOT_INTERRUPTED_FAILURE: RetryRuleFailure = {
  stateName: 'SpotTaskInterrupted',
  comment: 'Fargate Spot interrupted the task, whatever its exit code: the item did not finish.',
  error: ERROR_SPOT_INTERRUPTED,
  cause: 'Fargate Spot interrupted the task (StopCode SpotInterruption or StoppedReason "Your Spot Task was interrupted."), whatever its exit code; the item was not retried (any more).',
};

/**
 * A task stopped by Spot, read from the stopped task's fields (never from a text search through
 * the whole description, which holds the item).
 */
export function spotInterruptedCondition(stopPath: string): sfn.Condition {
  const task = stoppedTaskFields(stopPath);
  return sfn.Condition.or(
    fieldEquals(task.stopCode, ECS_STOP_CODE_SPOT_INTERRUPTION),
    fieldEquals(task.stopCode, ECS_STOP_CODE_TERMINATION_NOTICE),
    fieldMatches(task.stoppedReason, ECS_SPOT_STOPPED_REASON_PATTERN),
  );
}

/**
 * Capacity SPOT: an interrupted task is retried on Spot (`onSpotInterruption`, whose prop is
 * `prop`; undefined: the default).
 */
export function spotInterruptionRule(prop: string | undefined, options?: FanOutRetryOptions): RetryRule {
  const retry = resolveRuleRetry(prop ?? 'onSpotInterruption', options, DEFAULT_SPOT_INTERRUPTION_RETRY);
  return {
    ...spotRule(),
    retry,
    description: `a Spot interruption (any exit code): ${describeLoop(retry)}${prop ? '' : ' (default)'}`,
  };
}

/** Capacity SPOT_WITH_ON_DEMAND_FALLBACK: an interrupted item runs once more, on on-demand. */
export function spotFallbackRule(): RetryRule {
  return { ...spotRule(), description: 'a Spot interruption (any exit code): runs once more, on on-demand' };
}

function spotRule(): Omit<RetryRule, 'description'> {
  return {
    id: 'Spot',
    match: 'spot-interruption',
    capacityProvider: CapacityProviderNames.SPOT,
    failure: SPOT_INTERRUPTED_FAILURE,
    condition: spotInterruptedCondition,
  };
}

/** The check after a Spot task that succeeded. */
export interface AfterSpotTaskProps {
  /** Construct id and state name of the Choice. */
  readonly id: string;
  readonly stateName: string;
  /** Where the stopped task is kept. */
  readonly stopPath: string;
  /** Where an interrupted task goes: the retry rules, which apply the Spot interruption's. */
  readonly interrupted: sfn.IChainable;
  readonly succeeded: sfn.IChainable;
}

/**
 * A Spot task can be interrupted and still exit 0 (its container handled SIGTERM, as AWS
 * advises): `.sync` then reports a success. AWS does not document whether it does; this check is
 * right either way.
 */
export function afterSpotTask(scope: Construct, props: AfterSpotTaskProps): sfn.IChainable {
  return new sfn.Choice(scope, props.id, {
    stateName: props.stateName,
    comment: 'A Spot task can be interrupted and still exit 0: its StopCode and StoppedReason say so.',
  })
    .when(spotInterruptedCondition(props.stopPath), props.interrupted)
    .otherwise(props.succeeded);
}

