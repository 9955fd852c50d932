import { Prices } from './prices';
import { CPU_UNITS_PER_VCPU, CapacityProviderNames, FanOutCpuArchitecture, TRANSITIONS_PER_RUN, billedStorageGib } from '../library';

/** A task's size, when the record lacks it: from the command line. */
export interface TaskSize {
  readonly cpu?: number;
  readonly memoryMiB?: number;
  /**
   * Ephemeral storage of every task in GiB. The records never say it (the task definition's
   * `ephemeralStorageGiB`), so it comes from the command line; undefined: the included 20 GiB.
   */
  readonly ephemeralStorageGiB?: number;
}

/** What one task cost. */
export interface TaskCost {
  readonly billedSeconds: number;
  readonly vcpuHours: number;
  readonly gbHours: number;
  /** GB-hours of ephemeral storage above the included 20 GiB. */
  readonly storageGbHours: number;
  /** Everything: vCPU, memory and storage. */
  readonly usd: number;
  readonly spot: boolean;
}

/**
 * Seconds Fargate bills for a task: its run time rounded up to the second, one minute at least.
 * The record has the task's start (RUNNING) and stop; Fargate bills from the image pull, a few
 * seconds earlier, so this errs low by the pull time. A task that never started is not billed
 * here (undefined): the pull of a task that failed to start is not in the record.
 */
export function billedSeconds(startedAt: number | undefined, stoppedAt: number | undefined, prices: Prices): number | undefined {
  if (startedAt === undefined || stoppedAt === undefined || stoppedAt < startedAt) return undefined;
  return Math.max(Math.ceil((stoppedAt - startedAt) / 1000), prices.minimumBilledSeconds);
}

/** What a task cost at `prices`; undefined without its times or size. */
export function taskCost(
  task: { capacity?: string; cpu?: number; memoryMiB?: number; startedAt?: number; stoppedAt?: number },
  prices: Prices,
  fallback: TaskSize = {},
): TaskCost | undefined {
  const seconds = billedSeconds(task.startedAt, task.stoppedAt, prices);
  const cpu = task.cpu ?? fallback.cpu;
  const memoryMiB = task.memoryMiB ?? fallback.memoryMiB;
  if (seconds === undefined || cpu === undefined || memoryMiB === undefined) return undefined;
  const hours = seconds / 3600;
  const vcpuHours = (cpu / CPU_UNITS_PER_VCPU) * hours;
  const gbHours = (memoryMiB / 1024) * hours;
  const spot = task.capacity === CapacityProviderNames.SPOT;
  if (spot && prices.cpuArchitecture === FanOutCpuArchitecture.ARM64) {
    throw new Error(`--arm64: a task ran on ${CapacityProviderNames.SPOT}, which runs Linux X86_64 only, so this run's tasks are not ARM64 (leave out --arm64)`);
  }
  const storageGbHours = billedStorageGib(fallback.ephemeralStorageGiB) * hours;
  const usd = (spot
    ? vcpuHours * prices.spotVcpuHour + gbHours * prices.spotGbHour
    : vcpuHours * prices.vcpuHour + gbHours * prices.gbHour) + storageGbHours * prices.storageGbHour;
  return { billedSeconds: seconds, vcpuHours, gbHours, storageGbHours, usd, spot };
}

/**
 * Step Functions state transitions of a run, estimated as the planner does: the run's own
 * states, one per task started, one per failure record. Throttled RunTask calls that Step
 * Functions retried are transitions too but leave no trace in the records, so this is a floor.
 */
export function estimateTransitions(tasksStarted: number, failedResults: number): number {
  return TRANSITIONS_PER_RUN + tasksStarted + failedResults;
}
