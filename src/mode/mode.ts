/**
 * Which Step Functions Map runs the items.
 */
export enum FanOutMode {
  /**
   * Let the construct choose, from where the items come from, how many are expected and the
   * concurrency asked for. The choice and its reason are on `FargateFanOut.mode` and
   * `FargateFanOut.modeReason`.
   */
  AUTO = 'AUTO',

  /**
   * An inline Map: at most 40 items at a time, every iteration's events in the parent
   * execution's 25,000-event history. Cheapest for small lists in the execution input.
   */
  INLINE = 'INLINE',

  /**
   * A Distributed Map: one STANDARD child execution per item (or batch), up to 10,000 in
   * parallel, items from the execution input or read from S3.
   */
  DISTRIBUTED = 'DISTRIBUTED',

  /**
   * Both Maps are built and a Choice picks one when the execution starts, by the actual length
   * of the item array: inline for short arrays, distributed for long ones. Only for items in
   * the execution input.
   */
  RUN_TIME = 'RUN_TIME',
}
