// The public API, named on purpose: what is not listed here is internal.
export { FargateFanOut } from './fargate-fan-out';
export type { FargateFanOutProps } from './fargate-fan-out-props';
export { FanOutItems } from './api/items';
export type { S3CsvItemsOptions } from './api/items';
export { FanOutMode } from './api/mode';
export { FanOutCapacity } from './api/capacity';
export { FanOutIntegrationPattern } from './api/integration-pattern';
export type { FanOutRetryOptions, FanOutRetryPolicy } from './api/retry-options';
export type { FanOutItemBatching } from './api/item-batching';
export { FanOutEnvironment } from './api/environment';
export { FanOutPlanner } from './planner/planner';
export type { FanOutPlanOptions, FanOutPlan } from './planner/planner';
