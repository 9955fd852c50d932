/**
 * Every AWS quota, limit and error name the construct relies on, in one place.
 *
 * Each constant names its source. `../shared/aws-facts.md` (kept beside the project) has the
 * full notes, including the ones that could not be confirmed. Nothing here was measured
 * against a live account: these are documented values.
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
 * History events the parent execution spends outside the per-item iterations (start, item
 * count, Map entered/exited, summary, end), rounded up generously.
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
 * `States.ArrayRange` returns at most 1,000 elements (more fails the state with States.Runtime).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html (States.ArrayRange)
 */
export const SFN_ARRAY_RANGE_MAX_ITEMS = 1000;

/**
 * An intrinsic-function field may nest at most 10 intrinsic functions.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
 */
export const SFN_MAX_NESTED_INTRINSICS = 10;

/**
 * Task `TimeoutSeconds` ceiling (the default when unset).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html
 */
export const SFN_MAX_TASK_TIMEOUT_SECONDS = 99_999_999;

// ---------------------------------------------------------------------------------------------
// ECS / Fargate
// ---------------------------------------------------------------------------------------------

/**
 * Fargate task launches: a bucket of 100 that refills at 20 per second, per account and Region.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html
 */
export const FARGATE_LAUNCH_BURST = 100;

/** Source: https://docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html */
export const FARGATE_LAUNCH_RATE_PER_SECOND = 20;

/**
 * `awsvpcConfiguration` accepts at most 5 security groups and 16 subnets.
 * Source: https://github.com/awsdocs/amazon-ecs-developer-guide/blob/master/doc_source/service-quotas.md
 */
export const ECS_MAX_SECURITY_GROUPS = 5;

/**
 * Total size of a RunTask `overrides` structure, in characters, JSON punctuation included.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html (overrides)
 */
export const ECS_CONTAINER_OVERRIDES_MAX_CHARS = 8_192;

/**
 * How many characters a JSON string can take once it is written again as a JSON string value:
 * at most twice its length, when every character is a `"` or a `\\` (escaped as two).
 * Source: RFC 8259, section 7 (string escaping); items reach the container as JSON text inside
 * the overrides' JSON.
 */
export const JSON_STRING_ESCAPE_FACTOR = 2;

/**
 * Fargate task sizes: CPU units and the memory (MiB) each allows.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_TASK_SIZES: ReadonlyArray<{ readonly cpu: number; readonly memoryMiB: readonly number[] }> = [
  { cpu: 256, memoryMiB: [512, 1024, 2048] },
  { cpu: 512, memoryMiB: gibRange(1, 4, 1) },
  { cpu: 1024, memoryMiB: gibRange(2, 8, 1) },
  { cpu: 2048, memoryMiB: gibRange(4, 16, 1) },
  { cpu: 4096, memoryMiB: gibRange(8, 30, 1) },
  { cpu: 8192, memoryMiB: gibRange(16, 60, 4) },
  { cpu: 16384, memoryMiB: gibRange(32, 120, 8) },
];

/** One vCPU is 1,024 ECS CPU units. Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_size */
export const CPU_UNITS_PER_VCPU = 1024;

/**
 * The StopCode of a task stopped by a Spot interruption, and of the interruption warning (the
 * "ECS Task State Change" event two minutes before). Which of the two a stopped task's description
 * carries is not documented consistently, so both are matched.
 * Sources: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html (stopCode);
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
 */
export const ECS_STOP_CODE_SPOT_INTERRUPTION = 'SpotInterruption';
export const ECS_STOP_CODE_TERMINATION_NOTICE = 'TerminationNotice';

/**
 * The StoppedReason of an interrupted Spot task, "Your Spot Task was interrupted.", as a
 * `StringMatches` pattern. Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html
 */
export const ECS_SPOT_STOPPED_REASON_PATTERN = '*Spot Task was interrupted*';

/**
 * The StopCode of a task that stopped before its container ran (CannotPullContainerError,
 * ResourceInitializationError: secrets, ENI, log driver); its containers have no exit code.
 * Sources: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html (stopCode);
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
 */
export const ECS_STOP_CODE_TASK_FAILED_TO_START = 'TaskFailedToStart';

/**
 * A container killed for using more memory than it has exits with 137 (SIGKILL) and carries the
 * container reason "OutOfMemoryError: container killed due to memory usage" (the container's
 * reason, not the task's StoppedReason), matched here as a `StringMatches` pattern.
 * Sources: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html ;
 * ../shared/ecs-stop-signals.md (table of retryable conditions); aws/aws-cdk#30027
 */
export const ECS_OUT_OF_MEMORY_EXIT_CODE = 137;
export const ECS_OUT_OF_MEMORY_REASON_PATTERN = 'OutOfMemoryError*';

/**
 * `ECS.InvalidParameterException` also carries throttling of the calls ECS makes for the caller:
 * "Error retrieving subnet information ... Request limit exceeded" (EC2's RequestLimitExceeded)
 * or "Rate exceeded". Only the Cause tells them from a request that can never succeed (overrides
 * over 8,192 characters, a missing subnet). As `StringMatches` patterns.
 * Sources: https://github.com/dagster-io/dagster/issues/33439 ;
 * https://github.com/AllenInstitute/neuron_morphology/pull/155
 */
export const ECS_INVALID_PARAMETER_RATE_PATTERNS: readonly string[] = ['*Rate exceeded*', '*Request limit exceeded*', '*RequestLimitExceeded*', '*ThrottlingException*'];

/**
 * The capacity provider names of Fargate, as RunTask takes them and a task's output shows them.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
 */
export const CapacityProviderNames = {
  ON_DEMAND: 'FARGATE',
  SPOT: 'FARGATE_SPOT',
} as const;

// ---------------------------------------------------------------------------------------------
// Error names Step Functions raises for `arn:aws:states:::ecs:runTask.sync`
// ---------------------------------------------------------------------------------------------

/**
 * A throttled RunTask ("Rate exceeded", ThrottlingException) and "Capacity is unavailable at
 * this time" both surface with this name.
 * Sources: https://github.com/AllenInstitute/neuron_morphology/issues/151 ;
 * https://repost.aws/knowledge-center/ecs-fargate-runtask-capacity
 */
export const ERROR_ECS_EXCEPTION = 'ECS.AmazonECSException';

/**
 * Throttling of calls ECS makes on the caller's behalf (VPC, security-group lookups) surfaces
 * with this name. Source: https://github.com/AllenInstitute/neuron_morphology/pull/155
 */
export const ERROR_ECS_INVALID_PARAMETER = 'ECS.InvalidParameterException';

/**
 * A RunTask that answers 200 with a non-empty `failures` list (no capacity, vCPU quota reached)
 * fails a `.sync` state with this name (note the `AmazonECS.` prefix).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/connect-ecs.html
 */
export const ERROR_ECS_UNKNOWN = 'AmazonECS.Unknown';

// ---------------------------------------------------------------------------------------------
// The callback pattern on the AWS SDK integration `arn:aws:states:::aws-sdk:ecs:runTask.waitForTaskToken`
// ---------------------------------------------------------------------------------------------

/**
 * The RunTask fields the optimized `ecs:runTask` integration takes (`.sync` and
 * `.waitForTaskToken`); Step Functions rejects any other at CreateStateMachine ("The field ... is
 * not supported by Step Functions"). `StartedBy` is not among them, hence the SDK integration for
 * the callback pattern, which takes every RunTask field.
 * Sources: awsdocs/aws-step-functions-developer-guide doc_source/connect-ecs.md (the list);
 * aws/aws-cdk#20013 and PR #35465 (CapacityProviderStrategy, 2025); aws/aws-cdk#10014 (the
 * rejection); ../shared/aws-facts.md section 7.
 */
export const ECS_OPTIMIZED_RUN_TASK_FIELDS: readonly string[] = ['Cluster', 'Group', 'LaunchType', 'NetworkConfiguration', 'Overrides',
  'PlacementConstraints', 'PlacementStrategy', 'PlatformVersion', 'PropagateTags', 'TaskDefinition', 'CapacityProviderStrategy'];

/**
 * The resource of RunTask through the AWS SDK integration, waiting for a task token (the SDK
 * integrations support `.waitForTaskToken`, not `.sync`), without its `arn:<partition>:` head.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html
 */
export const ECS_SDK_RUN_TASK_CALLBACK_RESOURCE = 'states:::aws-sdk:ecs:runTask.waitForTaskToken';

/**
 * Errors of AWS SDK integrations are named `<Service>.<Exception>`, both in PascalCase, with the
 * `Exception` suffix (documented). ECS's modelled exceptions keep their names
 * (`Ecs.InvalidParameterException`); a throttled call ("ThrottlingException", not a modelled
 * exception of ECS) surfaces as the SDK's base exception `Ecs.EcsException` (observed in
 * cloudsnorkel/cdk-github-runners, which retries it) or, if Step Functions names the error code,
 * `Ecs.ThrottlingException`. Both spellings are retried: retrying a refused call cannot run an
 * item twice, so either answer is safe.
 * Sources: https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html ;
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html (Errors)
 */
export const ERROR_ECS_SDK_EXCEPTION = 'Ecs.EcsException';
export const ERROR_ECS_SDK_THROTTLING = 'Ecs.ThrottlingException';
export const ERROR_ECS_SDK_INVALID_PARAMETER = 'Ecs.InvalidParameterException';

/**
 * A task whose essential container exits non-zero (or never starts, or is interrupted on Spot)
 * fails a `.sync` state with this name. Source: https://github.com/aws/copilot-cli/issues/3160
 */
export const ERROR_TASK_FAILED = 'States.TaskFailed';

/**
 * A task state that sent no heartbeat within HeartbeatSeconds fails with this name; older
 * documentation named `States.Timeout` for it, so both are handled.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export const ERROR_HEARTBEAT_TIMEOUT = 'States.HeartbeatTimeout';

/**
 * A task state that ran past TimeoutSeconds fails with this name.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export const ERROR_TIMEOUT = 'States.Timeout';

/**
 * Bucket names are at most 63 characters.
 * Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export const S3_BUCKET_NAME_MAX_CHARS = 63;

/**
 * Task tokens are at most 2,048 characters (one copy of the API reference says 1,024).
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html
 */
export const SFN_TASK_TOKEN_MAX_CHARS = 2_048;

function gibRange(fromGib: number, toGib: number, stepGib: number): number[] {
  const values: number[] = [];
  for (let gib = fromGib; gib <= toGib; gib += stepGib) {
    values.push(gib * 1024);
  }
  return values;
}

/**
 * Fargate's default "Fargate On-Demand vCPU resource count" quota per account and Region (quota
 * code L-3032A538). Accounts differ: read yours in Service Quotas.
 * Source: the AWS Batch ResourceRequirement API text (botocore) and
 * https://docs.aws.amazon.com/general/latest/gr/ecs-service.html ; see aws-facts.md 2.2.
 */
export const FARGATE_DEFAULT_VCPU_QUOTA = 6;

/**
 * RunTask calls on Fargate: 20 per second, burst and sustained.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html
 */
export const FARGATE_RUN_TASK_CALLS_PER_SECOND = 20;

// ---------------------------------------------------------------------------------------------
// Prices (us-east-1), for the planner's cost estimates. Read 2026-11; check the pricing pages.
// ---------------------------------------------------------------------------------------------

/**
 * Step Functions Standard: $0.025 per 1,000 state transitions (us-east-1).
 * Source: https://aws.amazon.com/step-functions/pricing/ (read 2026-11)
 */
export const PRICE_SFN_STANDARD_PER_TRANSITION_USD = 0.000025;

/**
 * Fargate On-Demand Linux/x86: $0.04048 per vCPU-hour (us-east-1).
 * Source: https://aws.amazon.com/fargate/pricing/ as quoted by several third parties (the page
 * fills its numbers in by script); see aws-facts.md 6 (read 2026-11).
 */
export const PRICE_FARGATE_VCPU_HOUR_USD = 0.04048;

/**
 * Fargate On-Demand Linux/x86: $0.004445 per GB-hour (us-east-1).
 * Source: as PRICE_FARGATE_VCPU_HOUR_USD.
 */
export const PRICE_FARGATE_GB_HOUR_USD = 0.004445;

/**
 * Fargate Spot runs "at up to a 70% discount off the Fargate price"; the actual rate moves with
 * supply and demand and is shown live on the pricing page. The run report assumes the full
 * discount unless told the rate (it says so), so its Spot cost is a low estimate.
 * Source: https://aws.amazon.com/fargate/pricing/ ; see aws-facts.md 6 (no fixed us-east-1 Spot rate confirmed).
 */
export const FARGATE_SPOT_MAX_DISCOUNT = 0.7;

/**
 * Fargate bills per second with a one-minute minimum per task.
 * Source: https://aws.amazon.com/fargate/pricing/ ; see aws-facts.md 6.
 */
export const FARGATE_MINIMUM_BILLED_SECONDS = 60;

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
// The concurrency pool: DynamoDB, Step Functions execution events
// ---------------------------------------------------------------------------------------------

/**
 * The RunTask bucket on Fargate holds 20 calls (its burst equals its rate). Pacing windows of one
 * calendar second that each admit `maxRunTaskCallsPerSecond` calls can put up to twice that many
 * calls into one second across a window boundary; at 10 per second or less they never exceed it.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html
 */
export const FARGATE_RUN_TASK_BURST = 20;

/**
 * The error a conditional write fails with when its condition is false, through the optimized
 * DynamoDB integrations (`arn:aws:states:::dynamodb:updateItem` and the like).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html
 */
export const ERROR_DYNAMODB_CONDITIONAL_CHECK_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/**
 * The error a cancelled `TransactWriteItems` fails with through the AWS SDK integration
 * (`arn:aws:states:::aws-sdk:dynamodb:transactWriteItems`), whose errors take the SDK's service
 * name as prefix. ⚠ The capitalisation of the prefix was not seen in an AWS page (the SDK names
 * the service `DynamoDb`, the optimized integration `DynamoDB`): both spellings are caught.
 * Sources: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html ;
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 */
export const ERRORS_DYNAMODB_TRANSACTION_CANCELED = ['DynamoDb.TransactionCanceledException', 'DynamoDB.TransactionCanceledException'];

/**
 * Errors of DynamoDB calls that are worth retrying as they are: throttling, a transaction in
 * conflict with another on the same item, internal errors (both prefixes, as above).
 * Source: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 */
export const ERRORS_DYNAMODB_TRANSIENT = [
  'DynamoDB.ProvisionedThroughputExceededException', 'DynamoDb.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException', 'DynamoDb.ThrottlingException',
  'DynamoDB.RequestLimitExceeded', 'DynamoDb.RequestLimitExceeded',
  'DynamoDB.InternalServerErrorException', 'DynamoDb.InternalServerErrorException',
  'DynamoDB.TransactionConflictException', 'DynamoDb.TransactionConflictException',
  'DynamoDB.AmazonDynamoDBException', 'DynamoDb.DynamoDbException',
];

/**
 * Step Functions sends "Step Functions Execution Status Change" events to the default event bus,
 * **best effort**: an event may be lost, so a slot given back on such an event needs a second
 * way back (the pool's sweep). Whether child executions of a Distributed Map send them is not
 * documented; the pool keys leases by the parent execution, so either answer is safe.
 * Source: https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html
 */
export const SFN_EXECUTION_STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

/** The statuses of an execution that ended without succeeding. Source: as above, and https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html */
export const SFN_UNSUCCESSFUL_END_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * A running execution's status in DescribeExecution; a redriven execution is RUNNING again.
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html
 */
export const SFN_STATUS_RUNNING = 'RUNNING';

/**
 * EventBridge schedule expressions have a one-minute granularity.
 * Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */
export const EVENTBRIDGE_MIN_SCHEDULE_SECONDS = 60;
