import { Duration, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import {
  EVENTBRIDGE_MAX_EVENT_AGE_SECONDS, PIPES_SQS_MAX_BATCH_SIZE, PIPES_SQS_MAX_BATCHING_WINDOW_SECONDS, S3_OBJECT_CREATED_DETAIL_TYPE,
  SFN_HASH_INPUT_MAX_CHARS, SQS_MAX_RETENTION_SECONDS, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, SQS_MESSAGE_ID_CHARS,
} from '../../facts';

/** Records per execution when `maxBatchSize` is not set. */
export const DEFAULT_TRIGGER_BATCH_SIZE = 100;

/** How long a pipe waits to fill a batch when `batchWindow` is not set. */
export const DEFAULT_TRIGGER_BATCH_WINDOW = Duration.seconds(10);

/**
 * The most records in one batch: the batch's execution name is the SHA-256 of its message ids as
 * a JSON array (`["id",...]`, 39 characters an id), which must fit one intrinsic argument.
 */
export const MAX_TRIGGER_BATCH_SIZE = Math.min(PIPES_SQS_MAX_BATCH_SIZE, Math.floor((SFN_HASH_INPUT_MAX_CHARS - 1) / (SQS_MESSAGE_ID_CHARS + 3)));

/** SQS returns at most 10 messages per receive: larger batches are collected over a window. */
export const SQS_RECEIVE_MAX_MESSAGES = 10;

/** How long the starter (an Express workflow) may run: StartExecution and its retries. */
export const STARTER_TIMEOUT = Duration.seconds(60);

/** Receives of a message before it goes to the dead-letter queue (each one a failed start). */
export const TRIGGER_MAX_RECEIVE_COUNT = 5;

/** How long undelivered and unstartable events are kept in the dead-letter queue. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * Added to a claim record's lifetime: the starter's clock (the state's entered time) and SQS's
 * count a message's retention from different clocks, and a record kept a day longer costs
 * nothing.
 */
export const CLAIM_TTL_MARGIN = Duration.days(1);

/** How long the record of a started message (a claim) is kept. */
export interface ClaimRetention {
  /** Seconds from the write of a record to its expiry (DynamoDB TTL). */
  readonly ttlSeconds: number;
  readonly reason: string;
}

/**
 * A claim must outlive every copy of its message that can still be delivered. It is written
 * after the message was sent, so SQS's longest retention (14 days, whatever the queue's own
 * setting) from the write covers every copy of that message; an S3 event may also reach the
 * queue again up to 24 hours late (EventBridge's retries), as a new message with the same
 * event. An expired record that is not yet deleted is still honoured, which is safe.
 */
export function decideClaimRetention(eventsFromEventBridge: boolean): ClaimRetention {
  const lateDeliverySeconds = eventsFromEventBridge ? EVENTBRIDGE_MAX_EVENT_AGE_SECONDS : 0;
  const ttlSeconds = SQS_MAX_RETENTION_SECONDS + lateDeliverySeconds + CLAIM_TTL_MARGIN.toSeconds();
  const days = (seconds: number) => seconds / 86_400;
  return {
    ttlSeconds,
    reason: `A started ${eventsFromEventBridge ? 'event' : 'message'} is recorded for ${days(ttlSeconds)} days: SQS keeps a message at most ${days(SQS_MAX_RETENTION_SECONDS)} days`
      + (eventsFromEventBridge ? `, EventBridge may deliver an event again for up to ${days(EVENTBRIDGE_MAX_EVENT_AGE_SECONDS)} day` : '')
      + `, plus a margin of ${CLAIM_TTL_MARGIN.toDays()} day.`,
  };
}

/** How a trigger's queue is read into executions. */
export interface TriggerBatching {
  /** Records per execution, at most. */
  readonly batchSize: number;
  /** Seconds the pipe waits to fill a batch. */
  readonly windowSeconds: number;
  /**
   * Seconds a received message stays hidden: longer than the window plus six starts, so that a
   * message is not received again while its batch is still being started.
   */
  readonly visibilityTimeoutSeconds: number;
  readonly reason: string;
}

/** Validates `maxBatchSize` and `batchWindow` and derives the queue's visibility timeout. */
export function decideTriggerBatching(maxBatchSize?: number, batchWindow?: Duration): TriggerBatching {
  const batchSize = maxBatchSize ?? DEFAULT_TRIGGER_BATCH_SIZE;
  if (!Token.isUnresolved(batchSize) && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_TRIGGER_BATCH_SIZE)) {
    throw new Error(`maxBatchSize must be a whole number from 1 to ${MAX_TRIGGER_BATCH_SIZE} (a batch's execution name is the SHA-256 of its message ids, which must fit one intrinsic argument), got ${batchSize}`);
  }
  const window = batchWindow ?? DEFAULT_TRIGGER_BATCH_WINDOW;
  if (window.isUnresolved()) {
    throw new Error('batchWindow must be a concrete duration (it sets the queue\'s visibility timeout)');
  }
  const windowSeconds = window.toMilliseconds() / 1000;
  if (!Number.isInteger(windowSeconds) || windowSeconds < 0 || windowSeconds > PIPES_SQS_MAX_BATCHING_WINDOW_SECONDS) {
    throw new Error(`batchWindow must be a whole number of seconds from 0 to ${PIPES_SQS_MAX_BATCHING_WINDOW_SECONDS} (EventBridge Pipes' MaximumBatchingWindowInSeconds), got ${window.toHumanString()}`);
  }
  if (batchSize > SQS_RECEIVE_MAX_MESSAGES && windowSeconds === 0) {
    throw new Error(`batchWindow must be at least 1 second when maxBatchSize is above ${SQS_RECEIVE_MAX_MESSAGES} (SQS returns at most ${SQS_RECEIVE_MAX_MESSAGES} messages per receive; larger batches are collected over a window), got maxBatchSize ${batchSize}`);
  }
  const visibilityTimeoutSeconds = Math.min(SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, windowSeconds + 6 * STARTER_TIMEOUT.toSeconds());
  return {
    batchSize,
    windowSeconds,
    visibilityTimeoutSeconds,
    reason: `One execution per batch of up to ${batchSize} records, collected for up to ${windowSeconds} s; a message is hidden for ${visibilityTimeoutSeconds} s `
      + `while its batch is started, and goes to the dead-letter queue after ${TRIGGER_MAX_RECEIVE_COUNT} failed starts.`,
  };
}

/** Which objects a bucket trigger watches. */
export interface WatchedObjects {
  readonly prefix?: string;
  readonly suffix?: string;
}

/**
 * The EventBridge pattern of S3 "Object Created" events under `prefix` and ending in `suffix`.
 * "Object Created" covers PutObject, POST Object, CopyObject and CompleteMultipartUpload, so
 * large uploads (multipart) and copies start the fan-out too. A prefix and a suffix together
 * become one wildcard, as EventBridge ORs the matchers of one field.
 */
export function objectCreatedEventPattern(bucketName: string, watched: WatchedObjects): events.EventPattern {
  const { prefix, suffix } = validateWatchedObjects(watched);
  // Plain content filters (what events.Match renders), so that the decision can be read as it is.
  let key: any[] | undefined;
  if (prefix !== undefined && suffix !== undefined) {
    key = [{ wildcard: `${escapeWildcard(prefix)}*${escapeWildcard(suffix)}` }];
  } else if (prefix !== undefined) {
    key = [{ prefix }];
  } else if (suffix !== undefined) {
    key = [{ suffix }];
  }
  return {
    source: ['aws.s3'],
    detailType: [S3_OBJECT_CREATED_DETAIL_TYPE],
    detail: {
      bucket: { name: [bucketName] },
      ...(key !== undefined ? { object: { key } } : {}),
    },
  };
}

/** Empty strings mean "not set"; tokens are refused, as the pattern and the loop check need text. */
export function validateWatchedObjects(watched: WatchedObjects): WatchedObjects {
  for (const [name, value] of Object.entries({ prefix: watched.prefix, suffix: watched.suffix })) {
    if (value !== undefined && Token.isUnresolved(value)) {
      throw new Error(`${name} must be a literal string (it goes into the event pattern and the check against the fan-out's own results), got a token`);
    }
  }
  return {
    prefix: watched.prefix === '' ? undefined : watched.prefix,
    suffix: watched.suffix === '' ? undefined : watched.suffix,
  };
}

function escapeWildcard(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\*/g, '\\*');
}

/** What the loop check compares. */
export interface ResultLoopInput extends WatchedObjects {
  /** True when the watched bucket is the fan-out's result bucket. */
  readonly sameBucket: boolean;
  /** Where the fan-out writes its results in its result bucket. */
  readonly resultPrefix: string;
}

/** Result and failure files the fan-out writes all end in `.json`. */
const RESULT_FILE_SUFFIX = '.json';

/**
 * Refuses a trigger that would start the fan-out again for the files the fan-out writes: the
 * same bucket, a prefix that overlaps the results' prefix, and a suffix a result file can have.
 */
export function checkResultLoop(input: ResultLoopInput): void {
  if (!input.sameBucket) {
    return;
  }
  const { prefix, suffix } = validateWatchedObjects(input);
  const results = `${input.resultPrefix}/`;
  const watched = prefix ?? '';
  const overlaps = results.startsWith(watched) || watched.startsWith(results);
  const suffixMatchesResults = suffix === undefined || RESULT_FILE_SUFFIX.endsWith(suffix) || suffix.endsWith(RESULT_FILE_SUFFIX);
  if (overlaps && suffixMatchesResults) {
    throw new Error(`prefix: the fan-out writes its results under '${results}' in this bucket, and ${prefix === undefined ? 'no prefix (the whole bucket)' : `prefix '${prefix}'`} `
      + 'would start it again for every result file it writes. Watch a prefix that does not overlap the results (or set resultPrefix elsewhere, or a resultBucket of its own).');
  }
}

/**
 * The fields of the execution input that lead to the items, from the fan-out's items path
 * (`$.items` → `['items']`). Only plain dotted paths can be built by a trigger.
 */
export function inputFieldsOfItemsPath(itemsPath: string | undefined): string[] {
  if (itemsPath === undefined) {
    throw new Error('items: this trigger passes the items in the execution input; the fan-out reads them from S3. Build it with items from the input (FanOutItems.fromJsonPath, the default)');
  }
  const match = /^\$((\.[A-Za-z_][A-Za-z0-9_-]*)+)$/.exec(itemsPath);
  if (!match) {
    throw new Error(`items: a trigger can only fill a plain dotted items path such as '$.items' or '$.batch.items', got '${itemsPath}'`);
  }
  return match[1].slice(1).split('.');
}
