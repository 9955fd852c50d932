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

  /**
   * How often to send a heartbeat, in seconds: a third of `heartbeatTimeout`, so that one late
   * or lost heartbeat does not time the task out (`integrationPattern: CALLBACK`).
   */
  public static readonly HEARTBEAT_SECONDS = 'FANOUT_HEARTBEAT_SECONDS';

  /**
   * Where a result too large for Step Functions' 256 KiB output goes, as `s3://bucket/prefix/`:
   * the task role may write there (`integrationPattern: CALLBACK`).
   */
  public static readonly RESULT_S3_PREFIX = 'FANOUT_RESULT_S3_PREFIX';

  /** Every name the construct sets, in the order above. */
  public static readonly RESERVED_NAMES: string[] = [
    FanOutEnvironment.ITEM, FanOutEnvironment.ITEMS, FanOutEnvironment.TASK_TOKEN,
    FanOutEnvironment.HEARTBEAT_SECONDS, FanOutEnvironment.RESULT_S3_PREFIX,
  ];

  private constructor() {}
}
