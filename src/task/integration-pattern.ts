/**
 * How the state machine learns that an item's task is done.
 */
export enum FanOutIntegrationPattern {
  /**
   * `ecs:runTask.sync`: Step Functions waits for the task to stop; exit code 0 is success, any
   * other failure. The task's output is not passed back.
   */
  RUN_JOB = 'RUN_JOB',

  /**
   * `aws-sdk:ecs:runTask.waitForTaskToken`: the container gets a task token in
   * `FANOUT_TASK_TOKEN` and reports with `SendTaskSuccess` (its output becomes the item's result),
   * `SendTaskFailure`, and `SendTaskHeartbeat` at least every `heartbeatTimeout`. A task that
   * stops reporting is stopped; one that never started or died without calling back runs again,
   * twice at most.
   */
  CALLBACK = 'CALLBACK',
}
