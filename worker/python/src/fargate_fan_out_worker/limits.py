"""AWS limits the runtime must respect, each with its source."""

# SendTaskFailure's `error`: at most 256 characters.
# Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
# (and TaskFailedEventDetails; botocore's model: shape SensitiveError, max 256).
SFN_ERROR_MAX_CHARS = 256

# SendTaskFailure's `cause`: at most 32,768 characters.
# Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
# (and TaskFailedEventDetails; botocore's model: shape SensitiveCause, max 32768).
SFN_CAUSE_MAX_CHARS = 32_768

# SendTaskSuccess's `output`: at most 262,144 bytes of UTF-8 (256 KiB, Step Functions' payload limit).
# Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
SFN_OUTPUT_MAX_BYTES = 262_144

# Errors of SendTaskHeartbeat/Success/Failure meaning nobody waits for this task any more: the
# state timed out (TaskTimedOut), the execution stopped or the token is unknown (InvalidToken),
# or the task is gone (TaskDoesNotExist). Step Functions does not stop the ECS task then.
# Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html (Errors)
SFN_TOKEN_GONE_ERRORS = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
