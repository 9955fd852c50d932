/**
 * Mocked responses (Step Functions Local mock format) for the fan-out's service integrations:
 * what `ecs:runTask.sync` returns for a task that exits 0 (the stopped task's description, in
 * PascalCase as `.sync` gives it), the `States.TaskFailed` it throws for a task that exits non-zero
 * or that Fargate Spot interrupted (the description as the Cause), and S3 PutObject's answer.
 */

/** Fargate capacity providers as ECS names them. */
export const FARGATE = 'FARGATE';
export const FARGATE_SPOT = 'FARGATE_SPOT';

const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:111111111111:cluster/fan-out';
const STARTED_AT = '2025-01-01T00:00:30Z';
const STOPPED_AT = '2025-01-01T00:01:30Z';

interface Stop {
  readonly exitCode?: number;
  readonly stopCode: string;
  readonly stoppedReason: string;
  readonly capacity: string;
}

/** A stopped task's description, as `ecs:runTask.sync` returns it (the fields the workflow reads, and a few more). */
export function stoppedTask(stop: Stop): object {
  const taskArn = `arn:aws:ecs:us-east-1:111111111111:task/fan-out/${'0'.repeat(31)}1`;
  return {
    ClusterArn: CLUSTER_ARN,
    TaskArn: taskArn,
    TaskDefinitionArn: 'arn:aws:ecs:us-east-1:111111111111:task-definition/fanout:1',
    Containers: [{ Name: 'Task', LastStatus: 'STOPPED', TaskArn: taskArn, ...(stop.exitCode !== undefined ? { ExitCode: stop.exitCode } : {}) }],
    // With a capacity provider strategy ECS names the provider; otherwise the launch type.
    ...(stop.capacity === FARGATE_SPOT ? { CapacityProviderName: FARGATE_SPOT } : { LaunchType: FARGATE }),
    Cpu: '256',
    Memory: '512',
    DesiredStatus: 'STOPPED',
    LastStatus: 'STOPPED',
    StartedAt: STARTED_AT,
    StartedBy: 'AWS Step Functions',
    StopCode: stop.stopCode,
    StoppedAt: STOPPED_AT,
    StoppedReason: stop.stoppedReason,
  };
}

/** A mocked response: `Return` for a task that exited 0. */
export function exitsZero(capacity = FARGATE): object {
  return { Return: stoppedTask({ exitCode: 0, stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', capacity }) };
}

/** A mocked response: `Throw` States.TaskFailed for a task whose container exited with `exitCode`. */
export function exitsNonZero(exitCode: number, capacity = FARGATE): object {
  const cause = stoppedTask({ exitCode, stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', capacity });
  return { Throw: { Error: 'States.TaskFailed', Cause: JSON.stringify(cause) } };
}

/**
 * A mocked response: `Throw` States.TaskFailed for a Spot task that was interrupted, before its
 * container exited (no exit code), or with the container's `exitCode` (143 after SIGTERM).
 */
export function spotInterrupted(exitCode?: number): object {
  const cause = stoppedTask({ exitCode, stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.', capacity: FARGATE_SPOT });
  return { Throw: { Error: 'States.TaskFailed', Cause: JSON.stringify(cause) } };
}

/** A mocked response: S3 PutObject's answer. */
export function putObjectAnswer(): object {
  return { Return: { ETag: '"0123456789abcdef0123456789abcdef"' } };
}
