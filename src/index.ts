export * from './fargate-fan-out';
export * from './fan-out-items';
export * from './fan-out-mode';
export * from './fan-out-retry';
export * from './fan-out-planner';
export * from './fan-out-capacity';
export * from './fan-out-item-batching';
export * from './container-environment';
