import type { FanOutPlan } from './plan';
import { FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB } from '../facts';
import { FanOutCpuArchitecture } from '../task/cpu-architecture';

/** A short plain-text report of a plan. */
export function formatPlanReport(plan: FanOutPlan): string {
  const ratio = plan.lowerBoundSeconds > 0 ? plan.makespanSeconds / plan.lowerBoundSeconds : 1;
  const arm64 = plan.cpuArchitecture === FanOutCpuArchitecture.ARM64;
  return [
    `items:               ${plan.items}${plan.tasks !== plan.items ? ` in ${plan.tasks} tasks` : ''}`,
    `makespan:            ${formatSeconds(plan.makespanSeconds)} (${ratio.toFixed(2)}x the lower bound of ${formatSeconds(plan.lowerBoundSeconds)})`,
    `binding limit:       ${plan.bindingLimit} (${plan.effectiveParallelism} tasks at once at most)`,
    `RunTask calls:       ${plan.runTaskCalls} (${plan.retries} retries: ${plan.throttledCalls} throttled, ${plan.capacityFailures} capacity)`,
    `items lost:          ${plan.itemsLost}`,
    `state transitions:   ${plan.stateTransitions}`,
    `Fargate:             ${plan.vcpuHours.toFixed(2)} vCPU-hours $${plan.vcpuCostUsd.toFixed(2)} + ${plan.gbHours.toFixed(2)} GB-hours $${plan.memoryCostUsd.toFixed(2)}`,
    ...(plan.storageGbHours > 0 ? [`ephemeral storage:   ${plan.storageGbHours.toFixed(2)} GB-hours above the included ${FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB} GiB $${plan.storageCostUsd.toFixed(2)}`] : []),
    `launch pacing:       ${plan.launchPacing ? 'paced' : 'not paced'}`,
    ...(plan.pool ? [`concurrency pool:    ${plan.pool.effectiveCap} tasks at once, ${plan.pool.runTaskCallsPerSecond} RunTask calls/s; adds ${formatSeconds(plan.pool.addedSeconds)} (${plan.pool.reason})`] : []),
    `Step Functions:      $${plan.stepFunctionsCostUsd.toFixed(2)}`,
    `total:               $${plan.totalCostUsd.toFixed(2)} (us-east-1 On-Demand ${arm64 ? 'ARM64' : 'x86'} and Standard prices)`,
    // The planner prices On-Demand only; with ARM64 that is also the only capacity there is.
    ...(arm64 ? ['                     ARM64 runs On-Demand only: Fargate Spot runs Linux X86_64 (cpuArchitecture)'] : []),
    `network, idle:       $${plan.networkIdleMonthlyUsd.toFixed(2)} a month whether or not a run happens (${plan.networkIdleReason})`,
    ...(plan.networkIdleMonthlyUsd > 0 ? ['  lower it with:', ...plan.networkCheaperChoices.map((c) => `  - ${c}`)] : []),
  ].join('\n');
}

function formatSeconds(seconds: number): string {
  if (seconds < 120) {
    return `${seconds.toFixed(0)} s`;
  }
  const minutes = seconds / 60;
  return minutes < 120 ? `${minutes.toFixed(1)} min` : `${(minutes / 60).toFixed(2)} h`;
}
