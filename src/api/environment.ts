/**
 * The environment variables the construct sets on the container for each task. They are
 * reserved: `environment` and `secrets` may not set them.
 */
export class FanOutEnvironment {
  /** The item, as a JSON string (one item per task). */
  public static readonly ITEM = 'FANOUT_ITEM';

  /** The batch of items, as a JSON array (with `itemBatching`). */
  public static readonly ITEMS = 'FANOUT_ITEMS';

  /** The task token to report with (`integrationPattern: CALLBACK`). */
  public static readonly TASK_TOKEN = 'FANOUT_TASK_TOKEN';

  /** Every name the construct sets, in the order above. */
  public static readonly RESERVED_NAMES: string[] = [FanOutEnvironment.ITEM, FanOutEnvironment.ITEMS, FanOutEnvironment.TASK_TOKEN];

  private constructor() {}
}
