/**
 * Several items per Fargate task (Distributed Map only): the Map's ItemBatcher groups them, and
 * the container receives the batch as a JSON array in `FANOUT_ITEMS` (instead of one item in
 * `FANOUT_ITEM`). A task costs at least a minute of Fargate and tens of seconds to start, so
 * batching small items cuts cost and RunTask calls by the batch size.
 */
export interface FanOutItemBatching {
  /**
   * Most items in one batch (1 to 10,000).
   */
  readonly maxItems: number;

  /**
   * Most bytes of one batch, as Step Functions counts a child execution's input. It may not
   * exceed what always fits the 8,192-character ECS container overrides beside the other
   * override fields (half of what is left, because the batch is written as a JSON string inside
   * the overrides' JSON, where every `"` and `\` is escaped). An item larger than this on its own
   * is still run alone and fails at RunTask (`ECS.InvalidParameterException`), failing that
   * item only.
   *
   * @default - the most that always fits the container overrides (about 4,000 bytes)
   */
  readonly maxInputBytes?: number;
}

