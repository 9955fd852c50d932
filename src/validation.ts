import { Token } from 'aws-cdk-lib';
import { checkConcrete, checkDuration, checkInteger } from './checks';
import { DISTRIBUTED_MAP_MAX_CONCURRENCY, ECS_MAX_SECURITY_GROUPS, FARGATE_MAX_EPHEMERAL_STORAGE_GIB, FARGATE_MIN_EPHEMERAL_STORAGE_GIB, FARGATE_SPOT_RUNS_ARM64, SFN_MAX_EXECUTION_SECONDS, SFN_MAX_TASK_TIMEOUT_SECONDS } from './facts';
import { FargateFanOutProps } from './fargate-fan-out-props';
import { FanOutCapacity } from './task/capacity';
import { FanOutCpuArchitecture } from './task/cpu-architecture';
import { FanOutEnvironment } from './task/environment';
import { FanOutIntegrationPattern } from './task/integration-pattern';

/** Key prefixes the failure messages can quote safely: S3's safe characters. */
const SAFE_PREFIX = /^[A-Za-z0-9!_.*()/-]*$/;

/** The props a given task definition replaces: they describe the task definition the construct would build. */
const TASK_DEFINITION_PROPS = ['cpu', 'memoryLimitMiB', 'command', 'environment', 'secrets', 'logRetention', 'cpuArchitecture', 'ephemeralStorageGiB'] as const;

/**
 * The checks of single props and of props that exclude each other, before any decision is
 * made; each names the prop and what is allowed. Checks that depend on a decision (the mode,
 * the history budget) are made where that decision is.
 */
export function validateProps(props: FargateFanOutProps): void {
  for (const prop of ['expectedItemCount', 'maxConcurrency', 'maxVcpus', 'cpu'] as const) {
    checkConcrete(prop, props[prop]);
  }
  validateTaskSource(props);
  if (props.resultPrefix !== undefined && !Token.isUnresolved(props.resultPrefix) && !SAFE_PREFIX.test(props.resultPrefix)) {
    throw new Error(`resultPrefix may only hold letters, digits and !_.*()/- (S3's safe key characters), got '${props.resultPrefix}'`);
  }
  for (const name of Object.keys(props.environment ?? {}).concat(Object.keys(props.secrets ?? {}))) {
    if (FanOutEnvironment.RESERVED_NAMES.includes(name)) {
      throw new Error(`environment and secrets may not set ${name}: the construct sets it for each item`);
    }
  }
  checkInteger('expectedItemCount', props.expectedItemCount, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('maxConcurrency', props.maxConcurrency, 1, DISTRIBUTED_MAP_MAX_CONCURRENCY);
  checkInteger('ephemeralStorageGiB', props.ephemeralStorageGiB, FARGATE_MIN_EPHEMERAL_STORAGE_GIB, FARGATE_MAX_EPHEMERAL_STORAGE_GIB);
  if (props.cpuArchitecture !== undefined && !Object.values(FanOutCpuArchitecture).includes(props.cpuArchitecture)) {
    throw new Error(`cpuArchitecture must be one of ${Object.values(FanOutCpuArchitecture).join(', ')}, got ${props.cpuArchitecture}`);
  }
  if (props.cpuArchitecture === FanOutCpuArchitecture.ARM64 && !FARGATE_SPOT_RUNS_ARM64
    && props.capacity !== undefined && props.capacity !== FanOutCapacity.ON_DEMAND) {
    throw new Error(`cpuArchitecture ARM64 cannot be combined with capacity ${props.capacity}: the ECS guide lists Fargate Spot as Linux X86_64 only; use capacity ON_DEMAND with ARM64, or cpuArchitecture X86_64 with Spot`);
  }
  if (props.maxVcpus !== undefined && !Token.isUnresolved(props.maxVcpus) && !(Number.isFinite(props.maxVcpus) && props.maxVcpus > 0)) {
    throw new Error(`maxVcpus must be a positive number of vCPUs, got ${props.maxVcpus}`);
  }
  if (props.cluster && props.vpc && props.vpc !== props.cluster.vpc) {
    throw new Error('vpc must be left out when cluster is given: the tasks run in the cluster\'s VPC');
  }
  if (props.securityGroups !== undefined && (props.securityGroups.length < 1 || props.securityGroups.length > ECS_MAX_SECURITY_GROUPS)) {
    throw new Error(`securityGroups must hold 1 to ${ECS_MAX_SECURITY_GROUPS} security groups (the ECS awsvpc limit), got ${props.securityGroups.length}`);
  }
  checkDuration('taskTimeout', props.taskTimeout, SFN_MAX_TASK_TIMEOUT_SECONDS);
  checkDuration('heartbeatTimeout', props.heartbeatTimeout, SFN_MAX_TASK_TIMEOUT_SECONDS);
  checkDuration('timeout', props.timeout, SFN_MAX_EXECUTION_SECONDS);
  if (props.integrationPattern === FanOutIntegrationPattern.CALLBACK && props.capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK) {
    throw new Error('capacity SPOT_WITH_ON_DEMAND_FALLBACK cannot be combined with integrationPattern CALLBACK: an interrupted callback task ends in a heartbeat timeout, which cannot be told apart from a hung task; use capacity SPOT or ON_DEMAND');
  }
}

/** Exactly one of `image` and `taskDefinition`, and nothing that only applies to the other. */
function validateTaskSource(props: FargateFanOutProps): void {
  if (props.image && props.taskDefinition) {
    throw new Error('image and taskDefinition are mutually exclusive: give one');
  }
  if (!props.image && !props.taskDefinition) {
    throw new Error('image or taskDefinition is required');
  }
  if (props.taskDefinition) {
    for (const prop of TASK_DEFINITION_PROPS) {
      if (props[prop] !== undefined) {
        throw new Error(`${prop} cannot be combined with taskDefinition: set it on the task definition instead`);
      }
    }
    if (!props.taskDefinition.isFargateCompatible) {
      throw new Error('taskDefinition must be Fargate compatible (an ecs.FargateTaskDefinition)');
    }
  }
}
