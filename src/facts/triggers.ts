/**
 * The triggers: EventBridge, EventBridge Pipes, SQS, Step Functions StartExecution.
 *
 * Each constant names its source; see index.ts.
 */

// ---------------------------------------------------------------------------------------------
// Triggers: EventBridge, EventBridge Pipes, SQS, Step Functions StartExecution
// ---------------------------------------------------------------------------------------------

/**
 * An EventBridge Pipe with an SQS source takes 1 to 10,000 records per batch.
 * Source: https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceSqsQueueParameters.html
 */
export const PIPES_SQS_MAX_BATCH_SIZE = 10_000;

/**
 * An EventBridge Pipe with an SQS source waits 0 to 300 seconds to fill a batch
 * (`MaximumBatchingWindowInSeconds`).
 * Source: https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceSqsQueueParameters.html
 */
export const PIPES_SQS_MAX_BATCHING_WINDOW_SECONDS = 300;

/**
 * A batch reaches a Step Functions target as one JSON array, limited to 262,144 characters
 * (the Step Functions payload limit).
 * Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html ;
 * https://docs.aws.amazon.com/step-functions/latest/dg/limits.html
 */
export const PIPES_SFN_BATCH_MAX_CHARS = 262_144;

/**
 * The input template of a pipe is applied to each record of a batch, not to the batch: a pipe
 * cannot wrap a batch in an object such as `{ "items": [...] }`. (Recorded here as the fact the
 * trigger design relies on.)
 * Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html
 */
export const PIPES_TEMPLATE_APPLIES_PER_RECORD = true;

/**
 * Execution names: 1 to 80 characters, unique per account and Region for 90 days. StartExecution
 * with the name of an open execution and the same input succeeds without starting another; with a
 * closed execution's name (or another input) it fails with ExecutionAlreadyExists.
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
export const SFN_EXECUTION_NAME_MAX_CHARS = 80;

/** Source: as SFN_EXECUTION_NAME_MAX_CHARS. */
export const SFN_EXECUTION_NAME_REUSE_DAYS = 90;

/**
 * The error the optimized `states:startExecution` integration raises when the name is taken. The
 * SDK integration raises it as `Sfn.ExecutionAlreadyExistsException`; both are caught.
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 * (error ExecutionAlreadyExists); the `StepFunctions.` prefix follows Step Functions' naming of
 * optimized-integration errors (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 * ⚠ The exact prefix was not seen in an AWS page; both spellings are caught.
 */
export const ERRORS_EXECUTION_ALREADY_EXISTS = ['StepFunctions.ExecutionAlreadyExistsException', 'Sfn.ExecutionAlreadyExistsException'];

/**
 * An Express workflow runs at most five minutes.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/express-limits.html
 */
export const SFN_EXPRESS_MAX_SECONDS = 300;

/**
 * SQS keeps a message at most 14 days (1,209,600 s); far less than the 90 days an execution
 * name stays taken, so a redelivered batch always finds the name of its first execution.
 * Source: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 */
export const SQS_MAX_RETENTION_SECONDS = 1_209_600;

/**
 * DynamoDB Time to Live: the TTL attribute is a Number holding a Unix epoch time in **seconds**
 * (1,000 ms a unit);
 * an item whose TTL has passed is deleted by a background process some time later (typically
 * within a few days), and until then it can still be read. A trigger's claim records only need
 * to live at least as long as their message can still be delivered: deleted later is safe.
 * Source: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html ;
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
export const DYNAMODB_TTL_MS_PER_UNIT = 1_000;

/**
 * SQS visibility timeout: at most 12 hours.
 * Source: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 */
export const SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/**
 * Intrinsic functions take strings of at most 10,000 characters in their arguments; the name of
 * a batch is a SHA-256 of its message ids (`States.Hash`), so a batch's ids must fit.
 * ⚠ UNCONFIRMED: the number was not found in a stored AWS page; the batch size cap that follows
 * from it (250 ids of 36 characters, JSON-quoted) is conservative if the real limit is larger.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html (States.Hash)
 */
export const SFN_HASH_INPUT_MAX_CHARS = 10_000;

/** An SQS message id is a UUID, 36 characters. Source: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Message.html */
export const SQS_MESSAGE_ID_CHARS = 36;

/**
 * EventBridge retries delivery to a rule target for up to 24 hours and 185 attempts by default;
 * what is still undelivered then goes to the target's dead-letter queue.
 * Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
 */
export const EVENTBRIDGE_MAX_RETRY_ATTEMPTS = 185;

/** Source: as EVENTBRIDGE_MAX_RETRY_ATTEMPTS (24 hours, the maximum event age). */
export const EVENTBRIDGE_MAX_EVENT_AGE_SECONDS = 86_400;

/**
 * S3 sends "Object Created" to EventBridge for PutObject, POST Object, CopyObject and
 * CompleteMultipartUpload (the `reason` field of the detail says which).
 * Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export const S3_OBJECT_CREATED_DETAIL_TYPE = 'Object Created';

// ---------------------------------------------------------------------------------------------
