/**
 * Every AWS quota, limit and error name the construct relies on, in one place: this folder,
 * one file per service.
 *
 * Each constant names its source. `../shared/aws-facts.md` (kept beside the project) has the
 * full notes, including the ones that could not be confirmed. Nothing here was measured
 * against a live account: these are documented values.
 */
export * from './step-functions';
export * from './ecs';
export * from './ecs-integration';
export * from './prices';
export * from './triggers';
export * from './concurrency-pool';
export * from './cloudwatch';
export * from './vpc-endpoints';
export * from './service-quotas';
