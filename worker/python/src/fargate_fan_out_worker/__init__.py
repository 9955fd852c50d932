"""Worker runtime for containers run by cdk-fargate-fan-out's FargateFanOut construct.

`run(handler)` calls `handler(item)` for the task's item (or each item of its batch), reports
the result the way the integration pattern expects, sends heartbeats and turns SIGTERM into a
reported interruption. The environment contract is in worker/README.md.
"""

from .runtime import (
    ENV_HEARTBEAT_SECONDS,
    ENV_ITEM,
    ENV_ITEMS,
    ENV_RESULT_S3_PREFIX,
    ENV_TASK_TOKEN,
    ERROR_INTERRUPTED,
    ERROR_INVALID_INPUT,
    ERROR_RESULT_TOO_LARGE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TOKEN_GONE,
    S3_REF_KEY,
    run,
)

__all__ = [
    "run",
    "ENV_ITEM",
    "ENV_ITEMS",
    "ENV_TASK_TOKEN",
    "ENV_HEARTBEAT_SECONDS",
    "ENV_RESULT_S3_PREFIX",
    "S3_REF_KEY",
    "ERROR_INTERRUPTED",
    "ERROR_INVALID_INPUT",
    "ERROR_RESULT_TOO_LARGE",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_TOKEN_GONE",
    "EXIT_INTERRUPTED",
]
