/**
 * The concurrency pool: DynamoDB, Step Functions execution events.
 *
 * Each constant names its source; see index.ts.
 */

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

/**
 * The `LastStatus` of a task that has stopped; every other status (PROVISIONING ...
 * DEPROVISIONING) may still hold Fargate capacity.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html
 */
export const ECS_TASK_STATUS_STOPPED = 'STOPPED';

/**
 * The error DescribeExecution fails with for an execution that does not exist, as the AWS SDK
 * integration names it (the service's exception, prefixed `Sfn.`).
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html ;
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html (error names)
 */
export const ERROR_EXECUTION_DOES_NOT_EXIST = 'Sfn.ExecutionDoesNotExistException';

/**
 * Errors of a Step Functions API call through the AWS SDK integration that mean "try again": a
 * throttled call, and the service's own generic exception.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html (error names)
 */
export const ERRORS_SFN_SDK_TRANSIENT = ['Sfn.ThrottlingException', 'Sfn.SfnException'];

/**
 * Errors of an ECS API call through the AWS SDK integration that mean "try again": ECS's generic
 * exception, a throttled call, a server error.
 * Sources: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTasks.html (errors);
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html (error names)
 */
export const ERRORS_ECS_SDK_TRANSIENT = ['Ecs.EcsException', 'Ecs.ThrottlingException', 'Ecs.ServerException'];
