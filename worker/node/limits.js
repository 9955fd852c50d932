'use strict';
// AWS limits the runtime must respect, each with its source (the same as worker/python's limits.py).

/**
 * SendTaskFailure's `error`: at most 256 characters.
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
 * (and TaskFailedEventDetails; the SDK model's shape SensitiveError, max 256).
 */
exports.SFN_ERROR_MAX_CHARS = 256;

/**
 * SendTaskFailure's `cause`: at most 32,768 characters.
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
 * (and TaskFailedEventDetails; the SDK model's shape SensitiveCause, max 32768).
 */
exports.SFN_CAUSE_MAX_CHARS = 32768;

/**
 * SendTaskSuccess's `output`: at most 262,144 bytes of UTF-8 (256 KiB, Step Functions' payload limit).
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 */
exports.SFN_OUTPUT_MAX_BYTES = 262144;

/**
 * Errors of SendTaskHeartbeat/Success/Failure meaning nobody waits for this task any more: the
 * state timed out (TaskTimedOut), the execution stopped or the token is unknown (InvalidToken),
 * or the task is gone (TaskDoesNotExist). Step Functions does not stop the ECS task then.
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html (Errors)
 */
exports.SFN_TOKEN_GONE_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);
