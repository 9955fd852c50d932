import { formatCount, formatSeconds, formatTime, formatUsd, percent } from './format';
import { Prediction } from './prediction';
import { RunReport } from './run-report';
import { FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB, FanOutCpuArchitecture } from '../library';

/** The report in plain text, for a terminal. */
export function formatTextReport(report: RunReport, prediction: Prediction): string {
  const lines: string[] = [];
  const { counts, time, tasks, cost, retries } = report;
  const arm64 = cost.prices.cpuArchitecture === FanOutCpuArchitecture.ARM64;
  lines.push(`run:                 ${report.source} (${report.mode === 'distributed' ? 'Distributed Map' : 'inline Map'})`);
  if (report.execution?.status) lines.push(`execution:           ${report.execution.status}${report.execution.error ? ` (${report.execution.error})` : ''}`);
  lines.push('');
  lines.push(`items:               ${formatCount(counts.items)}`);
  lines.push(`  succeeded:         ${formatCount(counts.succeeded)}${counts.succeeded !== undefined ? percent(counts.succeeded, counts.items) : ''}${counts.succeededFrom === 'summary' ? ' (from the execution\'s counts)' : ''}`);
  lines.push(`  failed:            ${formatCount(counts.failed)}${percent(counts.failed, counts.items)}`);
  if (counts.pending > 0) lines.push(`  never ran:         ${formatCount(counts.pending)}`);

  if (report.failures.length > 0) {
    lines.push('');
    lines.push('failures by error, stop code and exit code:');
    for (const group of report.failures) {
      const what = [group.error, group.stopCode, group.exitCode !== undefined ? `exit ${group.exitCode}` : undefined].filter(Boolean).join(', ');
      lines.push(`  ${String(group.items).padStart(6)}  ${what}`);
      const reason = group.examples.find((e) => e.stoppedReason)?.stoppedReason;
      if (reason) lines.push(`          reason: ${reason}`);
      const examples = group.examples.map((e) => (e.index !== undefined ? `item ${e.index}` : e.source)).join(', ');
      lines.push(`          e.g. ${examples}`);
    }
  }

  lines.push('');
  lines.push(`retries:             ${formatCount(retries.retriedResults)} items took more than one task (${formatCount(retries.extraTasks)} extra tasks)`);
  if (retries.byAttempts.length > 0) {
    lines.push(`  tasks per item:    ${retries.byAttempts.map((a) => `${a.attempts}: ${formatCount(a.results)}`).join(', ')}`);
  }
  if (retries.retriedStops.length > 0) {
    lines.push(`  retried after:     ${retries.retriedStops.map((s) => `${s.stopCode} ${formatCount(s.tasks)}`).join(', ')}`);
  }

  lines.push('');
  lines.push(`makespan:            ${formatSeconds(time.makespanSeconds)}${time.executionSeconds !== undefined ? ' (the execution)' : time.taskSpanSeconds !== undefined ? ' (first task start to last task stop)' : ''}`);
  if (time.firstTaskStart !== undefined) lines.push(`  tasks ran:         ${formatTime(time.firstTaskStart)} to ${formatTime(time.lastTaskStop)} (${formatSeconds(time.taskSpanSeconds)})`);
  if (time.successfulTaskSeconds) {
    const d = time.successfulTaskSeconds;
    lines.push(`  task run time:     median ${formatSeconds(d.median)}, p90 ${formatSeconds(d.p90)}, max ${formatSeconds(d.max)} (successful tasks)`);
  }
  lines.push(`task-seconds:        ${formatCount(Math.round(tasks.taskSeconds))} s over ${formatCount(tasks.started)} tasks started; peak ${formatCount(report.concurrency.peak)} at once`);

  lines.push('');
  lines.push(`cost:${cost.covers === 'every item' ? '' : ` (Fargate: the ${cost.covers}; the run's successes left no record)`}`);
  for (const use of tasks.byCapacity) {
    lines.push(`  ${use.capacity.padEnd(14)} ${String(use.tasks).padStart(6)} tasks  ${use.vcpuHours.toFixed(3)} vCPU-h  ${use.gbHours.toFixed(3)} GB-h  ${formatUsd(use.costUsd)}`);
  }
  if (cost.storageGbHours > 0) {
    lines.push(`  ephemeral storage: ${cost.storageGbHours.toFixed(3)} GB-h above the included ${FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB} GiB, ${formatUsd(cost.storageUsd)} of the Fargate cost`);
  }
  lines.push(`  Fargate:           ${formatUsd(cost.fargateUsd)} (On-Demand ${formatUsd(cost.onDemandUsd)}, Spot ${formatUsd(cost.spotUsd)})`);
  lines.push(`  Step Functions:    ${formatUsd(cost.transitionsUsd)} for about ${formatCount(cost.transitions)} state transitions (an estimate: a floor)`);
  lines.push(`  total:             ${formatUsd(cost.totalUsd)}`);
  lines.push(`  prices:            On-Demand $${cost.prices.vcpuHour}/vCPU-h, $${cost.prices.gbHour}/GB-h: ${cost.prices.sources.onDemand}`);
  lines.push(arm64
    ? `                     Spot ${cost.prices.sources.spot}`
    : `                     Spot $${round(cost.prices.spotVcpuHour)}/vCPU-h, $${round(cost.prices.spotGbHour)}/GB-h: ${cost.prices.sources.spot}`);
  lines.push(`                     $${cost.prices.storageGbHour}/GB-h of ephemeral storage: ${cost.prices.sources.storage}`);
  lines.push(`                     $${cost.prices.transition}/transition: ${cost.prices.sources.transition}`);

  lines.push('');
  if (prediction.plan && prediction.inputs) {
    const plan = prediction.plan;
    lines.push(`planner's prediction (${prediction.inputs.items} items of ${formatSeconds(prediction.inputs.taskSeconds)}, ${prediction.inputs.cpu} CPU / ${prediction.inputs.memoryMiB} MiB, cap ${prediction.inputs.maxConcurrency}, quota ${prediction.inputs.vcpuQuota} vCPU):`);
    lines.push(`  ${''.padEnd(20)}${'predicted'.padStart(14)}${'actual'.padStart(14)}`);
    const row = (name: string, predicted: string, actual: string) => lines.push(`  ${name.padEnd(20)}${predicted.padStart(14)}${actual.padStart(14)}`);
    row('makespan', formatSeconds(plan.makespanSeconds), formatSeconds(time.makespanSeconds));
    row('tasks started', formatCount(plan.tasks), formatCount(tasks.started));
    row('items failed', formatCount(plan.itemsLost), formatCount(counts.failed));
    row('vCPU-hours', plan.vcpuHours.toFixed(3), sum(tasks.byCapacity.map((c) => c.vcpuHours)).toFixed(3));
    row('GB-hours', plan.gbHours.toFixed(3), sum(tasks.byCapacity.map((c) => c.gbHours)).toFixed(3));
    row('Fargate', formatUsd(plan.vcpuCostUsd + plan.memoryCostUsd + plan.storageCostUsd), formatUsd(cost.fargateUsd));
    row('transitions', formatCount(plan.stateTransitions), formatCount(cost.transitions));
    row('total', formatUsd(plan.totalCostUsd), formatUsd(cost.totalUsd));
    lines.push(`  (the planner prices every task On-Demand; inputs from: ${Object.entries(prediction.inputs.from).map(([k, v]) => `${k}: ${v}`).join('; ')})`);
  } else {
    lines.push(`planner's prediction: unavailable (${prediction.unavailable})`);
  }

  if (report.notes.length > 0) {
    lines.push('');
    lines.push('notes:');
    for (const note of report.notes) lines.push(`  - ${note}`);
  }
  return lines.join('\n');
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round(n: number): string {
  return Number(n.toPrecision(4)).toString();
}
