export * from './fargate-fan-out';
export * from './fan-out-items';
export * from './fan-out-mode';
export * from './fan-out-retry';
export * from './fan-out-planner';
