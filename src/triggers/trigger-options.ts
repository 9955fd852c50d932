import { Duration } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { FanOutItemsFormat } from '../items/items-format';

/** Which objects of a bucket start the fan-out. */
export interface FanOutWatchedObjectsOptions {
  /**
   * Only objects whose key starts with this. Must not overlap the prefix the fan-out writes its
   * results under, in its result bucket.
   *
   * @default - every object of the bucket
   */
  readonly prefix?: string;

  /**
   * Only objects whose key ends with this (for example `.csv`).
   *
   * @default - any key
   */
  readonly suffix?: string;
}

/** How a trigger's events are batched into executions. */
export interface FanOutTriggerBatchOptions {
  /**
   * The most events (messages) one execution gets, 1 to 256. Keep `maxBatchSize` times the size
   * of one event under 256 KiB: a batch reaches Step Functions as one payload.
   *
   * @default 100
   */
  readonly maxBatchSize?: number;

  /**
   * How long the pipe waits to fill a batch, 0 to 300 seconds (at least 1 second when
   * `maxBatchSize` is above 10).
   *
   * @default Duration.seconds(10)
   */
  readonly batchWindow?: Duration;
}

/** Options of `FargateFanOut.runForEachObjectCreated`. */
export interface RunForEachObjectCreatedOptions extends FanOutWatchedObjectsOptions, FanOutTriggerBatchOptions {}

/** Options of `FargateFanOut.runForEachItemsFileCreated`. */
export interface RunForEachItemsFileCreatedOptions extends FanOutWatchedObjectsOptions {
  /**
   * The format of the files; it must be the one the fan-out was built to read
   * (`FanOutItems.fromS3ObjectInInput(format)`).
   */
  readonly format: FanOutItemsFormat;
}

/** Options of `FargateFanOut.runForEachMessage`. */
export interface RunForEachMessageOptions extends FanOutTriggerBatchOptions {}

/** Options of `FargateFanOut.runOnSchedule`. */
export interface RunOnScheduleOptions {
  /**
   * The execution input. Required when the fan-out reads its items from the input (then it must
   * hold them at the items path) or the items file from it (`{ "bucket", "key" }`).
   *
   * @default - no input (`{}`); only for items read from a fixed S3 object
   */
  readonly input?: scheduler.ScheduleTargetInput;

  /**
   * A description of the schedule.
   *
   * @default - none
   */
  readonly description?: string;
}
