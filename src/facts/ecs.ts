/**
 * ECS and Fargate: launch rates, task sizes, stop codes, capacity providers, quotas.
 *
 * Each constant names its source; see index.ts.
 */

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

/** Fargate sizes memory in MiB and prices it by the GB (GiB): 1,024 MiB each. Source: the task size table below. */
export const MIB_PER_GIB = 1024;

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

function gibRange(fromGib: number, toGib: number, stepGib: number): number[] {
  const values: number[] = [];
  for (let gib = fromGib; gib <= toGib; gib += stepGib) {
    values.push(gib * MIB_PER_GIB);
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

/**
 * Fargate includes 20 GiB of ephemeral storage in every task; `EphemeralStorage.SizeInGiB` sets
 * 21 to 200 GiB, and what is above 20 GiB is billed.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-storage.html ;
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_EphemeralStorage.html ; aws-facts.md 8.2.
 */
export const FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB = 20;
export const FARGATE_MIN_EPHEMERAL_STORAGE_GIB = 21;
export const FARGATE_MAX_EPHEMERAL_STORAGE_GIB = 200;

/**
 * ⚠ Whether Fargate Spot runs Linux ARM64 tasks: aws-facts.md 8.2 quotes the ECS guide's
 * "Fargate capacity providers" considerations as X86_64 only, while later announcements are said to
 * add ARM64. Refusing ARM64 with a Spot capacity is safe whichever is true (an on-demand ARM64
 * task always runs), so the construct refuses it.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
 */
export const FARGATE_SPOT_RUNS_ARM64 = false;
