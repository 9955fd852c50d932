import { ERROR_ECS_INVALID_PARAMETER } from './facts';
import { FanOutDecisions } from './fan-out-decisions';
import { EndpointsDecision } from './network/decide-endpoints';
import { networkIdleCost } from './network/idle-cost';
import { describeRetryPolicy } from './retries/private/retry-policy';
import { INVALID_PARAMETER_QUICK_RETRIES } from './retries/private/throttle-retry';
import { FanOutEnvironment } from './task/environment';

/** The task as built or given: its size is read from the task definition. */
export interface DescribedTask {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly containerName: string;
  /**
   * The endpoints of the VPC the construct creates, from the roles' grants when describe() is
   * called (grants added later add endpoints at synth); undefined when a VPC was given.
   */
  readonly endpoints?: EndpointsDecision;
  /** Availability Zones of the VPC the construct creates. */
  readonly availabilityZones?: number;
}

/** The decisions and their reasons, a line each, for people (`FargateFanOut.describe()`). */
export function describeDecisions(decisions: FanOutDecisions, task: DescribedTask): string {
  const { retries, batching, timeouts } = decisions;
  const lines = [
    `mode: ${decisions.mode.mode} (${decisions.mode.reason})`,
    `items: ${decisions.items.description}`,
    ...(decisions.hasInlineMap ? [`inline Map: at most ${decisions.historyBudget.inlineMaxItems} items (${decisions.historyBudget.reason})`] : []),
    `max concurrency: ${decisions.concurrency.maxConcurrency} (${decisions.concurrency.reason})`,
    `vCPU quota: ${decisions.vcpuQuota.reason}`,
    ...(decisions.pool ? [`concurrency pool: ${decisions.pool.reason}`] : []),
    `launch pacing: ${decisions.launchPacing.reason}`,
    ...(decisions.callback
      ? [
        `throttle retry${retries.distributedThrottle ? ' (inline Map; InvalidParameterException in children)' : ''}: ${describeRetryPolicy(retries.throttle)}`,
        ...(retries.distributedThrottle ? [`throttle retry in Distributed Map children: ${describeRetryPolicy(retries.distributedThrottle)}`] : []),
        `task retry: ${retries.task ? describeRetryPolicy(retries.task) : 'none (a failed task fails its item)'}`,
      ]
      : [
        `throttle retry${retries.distributedThrottle ? ' (inline Map)' : ''}: ${describeRetryPolicy({ ...retries.throttle, errors: retries.throttle.errors.filter((e) => e !== ERROR_ECS_INVALID_PARAMETER) })}`,
        ...(retries.distributedThrottle ? [`throttle retry in Distributed Map children: ${describeRetryPolicy(retries.distributedThrottle)}`] : []),
        `${ERROR_ECS_INVALID_PARAMETER}: ${INVALID_PARAMETER_QUICK_RETRIES} quick retries, then retried as a start failure only when its Cause says a rate or request limit was exceeded; otherwise the item fails at once`,
        'a task that stopped: the first rule that matches decides, in this order:',
        ...decisions.retryRules.rules.map((rule, i) => `  ${i + 1}. ${rule.description}`),
        ...(decisions.retryRules.rules.some((r) => r.match === 'any-failure')
          ? []
          : [`  ${decisions.retryRules.rules.length + 1}. anything else: the item fails (set taskRetry to retry it)`]),
      ]),
    `task: ${task.cpu} CPU units, ${task.memoryMiB} MiB${describeArchitectureAndStorage(decisions)}, container '${task.containerName}' gets `
      + (batching
        ? `up to ${batching.maxItems} items (${batching.maxInputBytes} bytes) as a JSON array in ${FanOutEnvironment.ITEMS}`
        : `the item in ${FanOutEnvironment.ITEM}`),
    `capacity: ${decisions.capacity}`,
    `integration: ${timeouts.heartbeatTimeout
      ? `callback: the container gets a task token in ${FanOutEnvironment.TASK_TOKEN} and must send a heartbeat or its result within ${timeouts.heartbeatTimeout.toHumanString()}`
      : 'run job (.sync): exit code 0 is success'}`,
    `timeouts: ${timeouts.reason}`,
    `network: ${decisions.network.reason}`,
    ...describeNetworkCost(task),
    `tolerated failures: ${decisions.tolerance.description}`,
    `dashboard: ${decisions.dashboard ? decisions.dashboard.reason : 'none (createDashboard is false)'}`,
    `on cdk destroy: ${decisions.removal.reason}`,
  ];
  return lines.join('\n');
}

/** The endpoints the construct builds and what they cost idle, or that it builds none. */
function describeNetworkCost(task: DescribedTask): string[] {
  if (!task.endpoints || task.availabilityZones === undefined) {
    return ['network idle cost: none built (the VPC given, and its endpoints, are yours)'];
  }
  const cost = networkIdleCost(task.endpoints.interface.length, task.availabilityZones);
  return [
    `network endpoints (from the roles' grants so far): ${task.endpoints.reason}`,
    `network idle cost: ${cost.reason}`,
    'lower it with:',
    ...cost.cheaperChoices.map((choice) => `  - ${choice}`),
  ];
}

/** `, ARM64, 50 GiB ephemeral storage` for a task definition the construct builds; nothing for one given. */
function describeArchitectureAndStorage(decisions: FanOutDecisions): string {
  const { cpuArchitecture, ephemeralStorageGiB } = decisions.task;
  return cpuArchitecture === undefined ? '' : `, ${cpuArchitecture}, ${ephemeralStorageGiB} GiB ephemeral storage`;
}
