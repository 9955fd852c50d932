import { PredictionBasis } from './aggregate';
import { RunReport } from './run-report';
import { CPU_UNITS_PER_VCPU, Duration, FARGATE_DEFAULT_VCPU_QUOTA, FanOutCpuArchitecture, FanOutPlan, FanOutPlanner } from '../library';

/** What the planner was asked, and where each input came from. */
export interface PredictionInputs {
  readonly items: number;
  readonly taskSeconds: number;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly maxConcurrency: number;
  readonly itemsPerTask: number;
  readonly vcpuQuota: number;
  /** Input name to its origin, e.g. `maxConcurrency: 'the Map Run (DescribeMapRun)'`. */
  readonly from: Record<string, string>;
}

export interface Prediction {
  readonly inputs?: PredictionInputs;
  readonly plan?: FanOutPlan;
  /** Why there is no prediction. */
  readonly unavailable?: string;
}

/** What the user may tell the planner that the run does not record. */
export interface PredictionOptions {
  readonly maxConcurrency?: number;
  readonly vcpuQuota?: number;
  /** As the report priced the run (--arm64), so both sides use the same rates. */
  readonly cpuArchitecture?: FanOutCpuArchitecture;
  /** As the report priced the run (--ephemeral-storage). */
  readonly ephemeralStorageGiB?: number;
}

/**
 * The planner's prediction for the same run: its items, the median run time of a successful
 * task, the most common task size, the concurrency cap (given, the Map Run's, or else the peak
 * seen), and the batch size.
 */
export function predictRun(report: RunReport, basis: PredictionBasis, options: PredictionOptions = {}): Prediction {
  const items = report.counts.items;
  if (items === undefined || items === 0) return { unavailable: 'the run\'s item count is unknown' };
  const median = report.time.successfulTaskSeconds?.median;
  if (median === undefined) return { unavailable: 'no successful task with start and stop times to take a duration from' };
  const { cpu, memoryMiB } = basis;
  if (cpu === undefined || memoryMiB === undefined) return { unavailable: 'the records give no task size' };
  const from: Record<string, string> = {
    items: report.counts.items !== undefined ? 'the run' : 'the results',
    taskSeconds: 'median run time of the successful tasks',
    cpu: 'most common task size in the records',
    memoryMiB: 'most common task size in the records',
  };
  let maxConcurrency: number;
  if (options.maxConcurrency !== undefined) {
    maxConcurrency = options.maxConcurrency;
    from.maxConcurrency = '--max-concurrency';
  } else if (report.mapRun?.maxConcurrency) {
    maxConcurrency = report.mapRun.maxConcurrency;
    from.maxConcurrency = 'the Map Run (DescribeMapRun)';
  } else {
    maxConcurrency = Math.max(1, report.concurrency.peak);
    from.maxConcurrency = 'the peak seen (pass --max-concurrency for the configured cap)';
  }
  const itemsPerTask = Math.max(1, basis.itemsPerTask);
  from.itemsPerTask = itemsPerTask > 1 ? 'the largest batch in the results' : 'one item per task';
  // The run itself proves the quota held its peak: never plan with less.
  const peakVcpus = Math.ceil(report.concurrency.peak * cpu / CPU_UNITS_PER_VCPU);
  let vcpuQuota: number;
  if (options.vcpuQuota !== undefined) {
    vcpuQuota = options.vcpuQuota;
    from.vcpuQuota = '--vcpu-quota';
  } else if (peakVcpus > FARGATE_DEFAULT_VCPU_QUOTA) {
    vcpuQuota = peakVcpus;
    from.vcpuQuota = 'the peak vCPUs seen (pass --vcpu-quota for your account\'s quota)';
  } else {
    vcpuQuota = FARGATE_DEFAULT_VCPU_QUOTA;
    from.vcpuQuota = 'AWS\'s default quota (pass --vcpu-quota for your account\'s)';
  }
  const inputs: PredictionInputs = {
    items,
    taskSeconds: Math.max(1, Math.round(median)),
    cpu,
    memoryMiB,
    maxConcurrency,
    itemsPerTask,
    vcpuQuota,
    from,
  };
  try {
    const plan = FanOutPlanner.plan({
      items,
      taskDuration: Duration.seconds(inputs.taskSeconds),
      cpu,
      memoryLimitMiB: memoryMiB,
      maxConcurrency: Math.min(maxConcurrency, 10_000),
      itemsPerTask,
      vcpuQuota,
      cpuArchitecture: options.cpuArchitecture,
      ephemeralStorageGiB: options.ephemeralStorageGiB,
    });
    return { inputs, plan };
  } catch (e) {
    return { inputs, unavailable: `the planner refused the run's figures: ${(e as Error).message}` };
  }
}
