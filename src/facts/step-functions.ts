/**
 * Step Functions: history, Map and retry limits.
 *
 * Each constant names its source; see index.ts.
 */

// ---------------------------------------------------------------------------------------------
// Step Functions
// ---------------------------------------------------------------------------------------------

/**
 * Hard quota on events in one Standard execution's history; the 25,000th event that is not
 * `ExecutionSucceeded` fails the execution.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html
 */
export const SFN_HISTORY_EVENT_LIMIT = 25_000;

/**
 * An inline Map runs at most 40 iterations at a time, whatever MaxConcurrency says.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html
 */
export const INLINE_MAP_MAX_CONCURRENCY = 40;

/**
 * A Distributed Map runs at most 10,000 child executions in parallel.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-orchestrate-large-scale-parallel-workloads.html
 */
export const DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000;

/**
 * History events one successful item adds to an inline Map's parent execution:
 * MapIterationStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted,
 * TaskSucceeded, TaskStateExited, MapIterationSucceeded.
 * Source: derived; the six Task events were recorded against real AWS in
 * https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/services/test_ecs_task_service.snapshot.json
 */
export const HISTORY_EVENTS_PER_INLINE_ITEM = 8;

/**
 * History events one retried attempt adds (TaskScheduled, TaskStarted, TaskFailed).
 * Source: derived from the event types in https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
export const HISTORY_EVENTS_PER_RETRY = 3;

/**
 * History events one rerun of a task that ran and failed adds before the retry (TaskScheduled,
 * TaskStarted, TaskSubmitted, TaskFailed).
 * Source: derived from the event types in https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
export const HISTORY_EVENTS_PER_TASK_RERUN = 4;

/**
 * History events one AWS SDK integration call adds when it succeeds at once (TaskStateEntered,
 * TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited).
 * Source: derived from the event types in https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
export const HISTORY_EVENTS_PER_SDK_CALL = 5;

/**
 * History events a Pass or Choice state adds (its Entered and Exited events).
 * Source: derived from the event types in https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
export const HISTORY_EVENTS_PER_PASS_STATE = 2;

/**
 * History events a Distributed Map child execution spends besides its task's attempts
 * (ExecutionStarted, the Task state's entry, exit and final attempt, ExecutionSucceeded or
 * ExecutionFailed), rounded up generously.
 * Source: derived from the workflow this construct builds.
 */
export const CHILD_HISTORY_OVERHEAD_EVENTS = 20;

/**
 * History events the parent execution spends outside the per-item iterations (start, quota read,
 * item count, Map entered/exited, summary, end), rounded up generously: at most 39 today (1 start,
 * 5 for reading the vCPU quota and 2 for QuotaNotRead when the read fails (read-vcpu-quota.ts),
 * 2+2 count and choice, 4 Map, 16 for the inline summary's lists: a Choice and a Pass for each of
 * at most 4 (inline-map.ts, pickedFromResults), 2 summary, 2+2 outcome, 1 end).
 * Source: derived from the workflow this construct builds.
 */
export const PARENT_HISTORY_OVERHEAD_EVENTS = 50;

/**
 * Retrier `MaxAttempts` ceiling.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 * (the archived copy: a positive integer, at most 99999999).
 */
export const SFN_MAX_RETRY_ATTEMPTS = 99_999_999;

/**
 * Upper bound for a retrier's `MaxDelaySeconds` (exclusive): about one year.
 * Source: LocalStack's ASL parser (`MaxDelaySecondsDecl`, 1..31622401); AWS's own wording was not
 * found, see aws-facts.md 1.5.
 */
export const SFN_MAX_DELAY_SECONDS_LIMIT = 31_622_401;

/**
 * Longest a Standard execution may run (one year); `TimeoutSeconds` above it is meaningless.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/limits.html
 */
export const SFN_MAX_EXECUTION_SECONDS = 365 * 24 * 60 * 60;

/**
 * Task `TimeoutSeconds` ceiling (the default when unset).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html
 */
export const SFN_MAX_TASK_TIMEOUT_SECONDS = 99_999_999;

/**
 * The error a Distributed Map fails with when more items failed than its tolerated count or
 * percentage.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
 */
export const ERROR_EXCEED_TOLERATED_FAILURE_THRESHOLD = 'States.ExceedToleratedFailureThreshold';

/**
 * A Wait state's `Seconds`: an integer from 0 to 99,999,999; in a JSONata state, an expression that
 * evaluates to one. 0 is in the documented range, so a paced item whose second has passed waits 0 s
 * (launch pacing computes its wait this way rather than as a `Timestamp`, for which AWS does not
 * say what a time already past does).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
 */
export const SFN_WAIT_SECONDS_MAX = 99_999_999;

