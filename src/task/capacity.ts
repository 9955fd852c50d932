/**
 * Which Fargate capacity runs the tasks.
 */
export enum FanOutCapacity {
  /** On-demand Fargate (`LaunchType: FARGATE`). */
  ON_DEMAND = 'ON_DEMAND',

  /**
   * Fargate Spot only (the FARGATE_SPOT capacity provider): up to about 70% cheaper, but a task
   * can be interrupted with two minutes' warning, and an interrupted task fails its item
   * (`States.TaskFailed`) unless `taskRetry` runs it again.
   */
  SPOT = 'SPOT',

  /**
   * Fargate Spot first; an item whose Spot task is interrupted, or that cannot get Spot
   * capacity within `throttleRetry`, runs once more on on-demand Fargate. ECS itself never
   * falls back from Spot to on-demand, so the state machine does it, at most once per item.
   */
  SPOT_WITH_ON_DEMAND_FALLBACK = 'SPOT_WITH_ON_DEMAND_FALLBACK',
}
