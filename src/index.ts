// The public API, named on purpose: what is not listed here is internal.
export { FargateFanOut } from './fargate-fan-out';
export type { FargateFanOutProps } from './fargate-fan-out-props';
export type { FanOutTaskOptions } from './task/task-options';
export type { FanOutNetworkOptions } from './network/network-options';
export type { FanOutOperationsOptions } from './fan-out-operations-options';
export { FanOutItems } from './items/items';
export type { S3CsvItemsOptions } from './items/items';
export { FanOutItemsFormat } from './items/items-format';
export type {
  FanOutWatchedObjectsOptions, FanOutTriggerBatchOptions, RunForEachObjectCreatedOptions, RunForEachItemsFileCreatedOptions,
  RunForEachMessageOptions, RunOnScheduleOptions,
} from './triggers/trigger-options';
export { ObjectCreatedTrigger } from './triggers/object-created';
export type { ObjectCreatedTriggerProps } from './triggers/object-created';
export { ItemsFileCreatedTrigger } from './triggers/items-file-created';
export type { ItemsFileCreatedTriggerProps } from './triggers/items-file-created';
export { MessageTrigger } from './triggers/message';
export type { MessageTriggerProps } from './triggers/message';
export { ScheduleTrigger } from './triggers/schedule';
export type { ScheduleTriggerProps } from './triggers/schedule';
export { FanOutMode } from './mode/mode';
export { FanOutCapacity } from './task/capacity';
export { FanOutCpuArchitecture } from './task/cpu-architecture';
export { FanOutIntegrationPattern } from './task/integration-pattern';
export type { FanOutRetryOptions, FanOutRetryPolicy } from './retries/retry-options';
export { FanOutRetryRule, FanOutRetryRuleKind } from './retries/retry-rules';
export type { FanOutTaskSize } from './retries/retry-rules';
export type { FanOutItemBatching } from './items/item-batching';
export { FanOutEnvironment } from './task/environment';
export { FanOutPlanner } from './planner/planner';
export type { FanOutPlanOptions } from './planner/plan-options';
export type { FanOutPlan } from './planner/plan';
export type { FanOutPlanPool, FanOutPlanPoolEffect } from './planner/plan-pool';
export { FanOutConcurrencyPool } from './concurrency-pool/concurrency-pool';
export type { FanOutConcurrencyPoolProps } from './concurrency-pool/concurrency-pool';
