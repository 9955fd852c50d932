import { Duration } from 'aws-cdk-lib';

/** Longest one task runs when `taskTimeout` is not set. */
export const DEFAULT_TASK_TIMEOUT = Duration.hours(24);

/** Longest a callback task may go without a heartbeat when `heartbeatTimeout` is not set. */
export const DEFAULT_HEARTBEAT_TIMEOUT = Duration.minutes(10);

/** Heartbeats a callback container sends within one `heartbeatTimeout`. */
export const HEARTBEATS_PER_TIMEOUT = 3;

/** What the timeouts depend on. */
export interface TimeoutsInput {
  readonly taskTimeout?: Duration;
  readonly heartbeatTimeout?: Duration;
  readonly timeout?: Duration;
  /** True with the callback pattern, the only one that has heartbeats. */
  readonly callback: boolean;
}

/** The timeouts rendered, and why. */
export interface TimeoutsDecision {
  /** Longest one task may run. */
  readonly taskTimeout: Duration;
  /** Longest a callback task may go without a heartbeat; undefined with run job. */
  readonly heartbeatTimeout?: Duration;
  /**
   * How often a callback container sends a heartbeat, in seconds: a third of `heartbeatTimeout`
   * (at least 1), so that one late or lost heartbeat does not time the task out; undefined with
   * run job or a heartbeat known only at deploy.
   */
  readonly heartbeatIntervalSeconds?: number;
  /** Longest a whole execution may run; undefined for none. */
  readonly executionTimeout?: Duration;
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * Fills in the defaults and checks that the timeouts nest: a heartbeat within a task, a task
 * within the execution. Single durations are checked with the other props (validation.ts).
 */
export function decideTimeouts(input: TimeoutsInput): TimeoutsDecision {
  if (input.heartbeatTimeout !== undefined && !input.callback) {
    throw new Error('heartbeatTimeout needs integrationPattern CALLBACK: a run-job (.sync) task is watched by Step Functions, not by heartbeats');
  }
  const taskTimeout = input.taskTimeout ?? DEFAULT_TASK_TIMEOUT;
  const heartbeatTimeout = input.callback ? input.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT : undefined;
  if (heartbeatTimeout && !heartbeatTimeout.isUnresolved() && !taskTimeout.isUnresolved()
    && heartbeatTimeout.toSeconds() >= taskTimeout.toSeconds()) {
    throw new Error(`heartbeatTimeout (${heartbeatTimeout.toHumanString()}) must be shorter than taskTimeout (${taskTimeout.toHumanString()})`);
  }
  const { timeout } = input;
  if (input.taskTimeout && timeout && !input.taskTimeout.isUnresolved() && !timeout.isUnresolved()
    && input.taskTimeout.toSeconds() > timeout.toSeconds()) {
    throw new Error(`taskTimeout (${input.taskTimeout.toHumanString()}) must not be longer than timeout (${timeout.toHumanString()}), the limit of the whole execution`);
  }
  const parts = [`a task runs at most ${human(taskTimeout)}${input.taskTimeout ? '' : ' (default)'}`];
  if (heartbeatTimeout) {
    parts.push(`a callback task reports at least every ${human(heartbeatTimeout)}${input.heartbeatTimeout ? '' : ' (default)'}`);
  }
  parts.push(timeout ? `an execution runs at most ${human(timeout)}` : 'executions have no timeout of their own');
  const heartbeatIntervalSeconds = heartbeatTimeout && !heartbeatTimeout.isUnresolved()
    ? Math.max(1, Math.floor(heartbeatTimeout.toSeconds() / HEARTBEATS_PER_TIMEOUT))
    : undefined;
  return { taskTimeout, heartbeatTimeout, heartbeatIntervalSeconds, executionTimeout: timeout, reason: `${parts.join('; ')}.` };
}

function human(duration: Duration): string {
  return duration.isUnresolved() ? 'a time known at deploy' : duration.toHumanString();
}
