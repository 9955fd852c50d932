import { checkInteger } from '../../checks';
import { ECS_CONTAINER_OVERRIDES_MAX_CHARS, JSON_STRING_ESCAPE_FACTOR, S3_BUCKET_NAME_MAX_CHARS, SFN_TASK_TOKEN_MAX_CHARS } from '../../facts';
import { FanOutEnvironment } from '../../task/environment';
import { FanOutItemBatching } from '../item-batching';

/** Most items in one batch: this library's bound (AWS documents none below the 256 KiB payload). */
export const MAX_ITEMS_PER_BATCH = 10_000;

/** The ItemBatcher settings the construct renders. */
export interface ResolvedItemBatching {
  /** Most items in one batch. */
  readonly maxItems: number;
  /** Most bytes in one batch. */
  readonly maxInputBytes: number;
  /** The largest `maxInputBytes` allowed for this container. */
  readonly maxInputBytesLimit: number;
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * The largest batch, in bytes of JSON, that always fits the container overrides of a RunTask
 * call whose overrides are `FANOUT_ITEMS` on `containerName` and, with `withTaskToken`, a task
 * token of the longest length in `FANOUT_TASK_TOKEN`. 0 if nothing fits.
 */
export function batchBytesWithinOverrides(containerName: string, withTaskToken = false, callbackEnvironment: CallbackEnvironmentSizes = {}): number {
  const environment = [{ name: FanOutEnvironment.ITEMS, value: '' }];
  if (withTaskToken) {
    // Tokens are base64-like: no character of theirs is escaped in JSON.
    environment.push({ name: FanOutEnvironment.TASK_TOKEN, value: 'x'.repeat(SFN_TASK_TOKEN_MAX_CHARS) });
    if (callbackEnvironment.heartbeatSecondsChars !== undefined) {
      environment.push({ name: FanOutEnvironment.HEARTBEAT_SECONDS, value: 'x'.repeat(callbackEnvironment.heartbeatSecondsChars) });
    }
    if (callbackEnvironment.resultPrefixChars !== undefined) {
      environment.push({ name: FanOutEnvironment.RESULT_S3_PREFIX, value: 'x'.repeat(callbackEnvironment.resultPrefixChars) });
    }
  }
  const emptyOverrides = JSON.stringify({ containerOverrides: [{ name: containerName, environment }] });
  return Math.max(0, Math.floor((ECS_CONTAINER_OVERRIDES_MAX_CHARS - emptyOverrides.length) / JSON_STRING_ESCAPE_FACTOR));
}

/** Where callback results too large for Step Functions go, under the result prefix. */
export const CALLBACK_RESULTS_FOLDER = 'callback-results';

/** FANOUT_RESULT_S3_PREFIX for a bucket and the fan-out's result prefix: `s3://bucket/prefix/callback-results/`. */
export function callbackResultS3Prefix(bucketName: string, resultPrefix: string): string {
  return `s3://${bucketName}/${resultPrefix}/${CALLBACK_RESULTS_FOLDER}/`;
}

/** The callback's other environment entries at their longest, for the batch limit. */
export function callbackEnvironmentSizes(resultPrefix: string, heartbeatIntervalSeconds: number | undefined): CallbackEnvironmentSizes {
  return {
    // A heartbeat known only at deploy is at most a year of seconds (8 digits).
    heartbeatSecondsChars: heartbeatIntervalSeconds !== undefined ? String(heartbeatIntervalSeconds).length : 8,
    resultPrefixChars: callbackResultS3Prefix('x'.repeat(S3_BUCKET_NAME_MAX_CHARS), resultPrefix).length,
  };
}

/** The longest values the callback's other environment entries can have, in characters. */
export interface CallbackEnvironmentSizes {
  /** FANOUT_HEARTBEAT_SECONDS. */
  readonly heartbeatSecondsChars?: number;
  /** FANOUT_RESULT_S3_PREFIX, with the longest bucket name. */
  readonly resultPrefixChars?: number;
}

/** Fills in the byte limit and checks both limits, naming the prop. */
export function resolveItemBatching(batching: FanOutItemBatching, containerName: string, withTaskToken = false,
  callbackEnvironment: CallbackEnvironmentSizes = {}): ResolvedItemBatching {
  const limit = batchBytesWithinOverrides(containerName, withTaskToken, callbackEnvironment);
  checkInteger('itemBatching.maxItems', batching.maxItems, 1, MAX_ITEMS_PER_BATCH);
  checkInteger('itemBatching.maxInputBytes', batching.maxInputBytes, 1, limit);
  const maxInputBytes = batching.maxInputBytes ?? limit;
  return {
    maxItems: batching.maxItems,
    maxInputBytes,
    maxInputBytesLimit: limit,
    reason: `up to ${batching.maxItems} items and ${maxInputBytes} bytes a batch; ${limit} bytes always fit the ${ECS_CONTAINER_OVERRIDES_MAX_CHARS}-character container overrides${withTaskToken ? ' beside the task token' : ''}.`,
  };
}
