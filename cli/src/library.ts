/**
 * What the CLI takes from the construct library (npm `cdk-fargate-fan-out`), in one place: the
 * planner and the AWS facts the report prices and counts with (one source for each number).
 * Deep imports of the planner and the facts module, not the package's index: the index loads
 * the construct too (0.25 s against 0.16 s), and does not export the facts, TRANSITIONS_PER_RUN
 * or formatPlanReport. When the library moves these files, this is the one file to change.
 */
export { Duration } from 'aws-cdk-lib';
export { FanOutPlanner, TRANSITIONS_PER_RUN } from 'cdk-fargate-fan-out/lib/planner/planner';
export { formatPlanReport } from 'cdk-fargate-fan-out/lib/planner/plan-report';
export type { FanOutPlan } from 'cdk-fargate-fan-out/lib/planner/plan';
export type { FanOutPlanOptions } from 'cdk-fargate-fan-out/lib/planner/plan-options';
export { seededRandom } from 'cdk-fargate-fan-out/lib/planner/seeded-random';
export { FanOutCpuArchitecture } from 'cdk-fargate-fan-out/lib/task/cpu-architecture';
export { billedStorageGib } from 'cdk-fargate-fan-out/lib/task/private/task-size';
export {
  CPU_UNITS_PER_VCPU, CapacityProviderNames, FARGATE_DEFAULT_VCPU_QUOTA, FARGATE_MINIMUM_BILLED_SECONDS, FARGATE_SPOT_MAX_DISCOUNT,
  FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB, FARGATE_MAX_EPHEMERAL_STORAGE_GIB, FARGATE_MIN_EPHEMERAL_STORAGE_GIB,
  PRICE_FARGATE_ARM64_GB_HOUR_USD, PRICE_FARGATE_ARM64_VCPU_HOUR_USD, PRICE_FARGATE_EPHEMERAL_STORAGE_GB_HOUR_USD,
  PRICE_FARGATE_GB_HOUR_USD, PRICE_FARGATE_VCPU_HOUR_USD, PRICE_SFN_STANDARD_PER_TRANSITION_USD,
} from 'cdk-fargate-fan-out/lib/facts';
// The per-item record's shape, declared once where the workflow writes the record.
export { ItemOutcomes, LAST_TASK_FIELD, TASK_RECORD_FIELDS } from 'cdk-fargate-fan-out/lib/workflow/item/item-record';
