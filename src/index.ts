// The public API, named on purpose: what is not listed here is internal.
export { FargateFanOut } from './fargate-fan-out';
export type { FargateFanOutProps } from './fargate-fan-out-props';
export { FanOutItems } from './api/items';
export type { S3CsvItemsOptions } from './api/items';
export { FanOutItemsFormat } from './api/items-format';
export type {
  FanOutWatchedObjectsOptions, FanOutTriggerBatchOptions, RunForEachObjectCreatedOptions, RunForEachItemsFileCreatedOptions,
  RunForEachMessageOptions, RunOnScheduleOptions,
} from './api/triggers';
export { ObjectCreatedTrigger } from './build/triggers/object-created';
export type { ObjectCreatedTriggerProps } from './build/triggers/object-created';
export { ItemsFileCreatedTrigger } from './build/triggers/items-file-created';
export type { ItemsFileCreatedTriggerProps } from './build/triggers/items-file-created';
export { MessageTrigger } from './build/triggers/message';
export type { MessageTriggerProps } from './build/triggers/message';
export { ScheduleTrigger } from './build/triggers/schedule';
export type { ScheduleTriggerProps } from './build/triggers/schedule';
export { FanOutMode } from './api/mode';
export { FanOutCapacity } from './api/capacity';
export { FanOutIntegrationPattern } from './api/integration-pattern';
export type { FanOutRetryOptions, FanOutRetryPolicy } from './api/retry-options';
export { FanOutRetryRule, FanOutRetryRuleKind } from './api/retry-rules';
export type { FanOutTaskSize } from './api/retry-rules';
export type { FanOutItemBatching } from './api/item-batching';
export { FanOutEnvironment } from './api/environment';
export { FanOutPlanner } from './planner/planner';
export type { FanOutPlanOptions, FanOutPlan, FanOutPlanPool, FanOutPlanPoolEffect } from './planner/planner';
export { FanOutConcurrencyPool } from './concurrency-pool';
export type { FanOutConcurrencyPoolProps } from './concurrency-pool';
