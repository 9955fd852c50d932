/**
 * Step Functions' ECS integrations: the error names of `.sync` and of the SDK integration the callback pattern uses, and the sizes its environment must fit.
 *
 * Each constant names its source; see index.ts.
 */

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
