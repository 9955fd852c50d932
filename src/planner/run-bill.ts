import {
  FARGATE_MINIMUM_BILLED_SECONDS, MIB_PER_GIB, PRICE_FARGATE_ARM64_GB_HOUR_USD,
  PRICE_FARGATE_ARM64_VCPU_HOUR_USD, PRICE_FARGATE_EPHEMERAL_STORAGE_GB_HOUR_USD, PRICE_FARGATE_GB_HOUR_USD,
  PRICE_FARGATE_VCPU_HOUR_USD, PRICE_SFN_STANDARD_PER_TRANSITION_USD,
} from '../facts';
import { FanOutCpuArchitecture } from '../task/cpu-architecture';
import { billedStorageGib } from '../task/private/task-size';

/** A planned run, as much of it as its bill needs. */
export interface BilledRun {
  /** Items of the run. */
  readonly items: number;
  /** Items each task runs one after another (the last task may run fewer). */
  readonly itemsPerTask: number;
  /** Seconds one item takes. */
  readonly itemSeconds: number;
  /** Tasks that ran to the end; when fewer than all, each is billed a full batch. */
  readonly tasksSucceeded: number;
  /** vCPUs of one task. */
  readonly taskVcpus: number;
  /** Memory of one task in MiB. */
  readonly memoryLimitMiB: number;
  /** Ephemeral storage of one task in GiB; undefined: the included 20 GiB. */
  readonly ephemeralStorageGiB?: number;
  /** Which processors run the tasks. */
  readonly cpuArchitecture: FanOutCpuArchitecture;
  /** Step Functions state transitions of the run. */
  readonly stateTransitions: number;
}

/** What a run is billed, in usage and in USD (us-east-1; see facts/prices.ts). */
export interface RunBill {
  readonly vcpuHours: number;
  readonly gbHours: number;
  readonly storageGbHours: number;
  readonly vcpuCostUsd: number;
  readonly memoryCostUsd: number;
  readonly storageCostUsd: number;
  readonly stepFunctionsCostUsd: number;
  readonly totalCostUsd: number;
}

/**
 * Bills a run: Fargate per second with a one-minute minimum per task, x86 or ARM64 rates,
 * ephemeral storage above the included 20 GiB, and Standard workflows' state transitions.
 */
export function billRun(run: BilledRun): RunBill {
  const tasks = Math.ceil(run.items / run.itemsPerTask);
  const batchSeconds = run.itemsPerTask * run.itemSeconds;
  const billedHours = (seconds: number) => Math.max(seconds, FARGATE_MINIMUM_BILLED_SECONDS) / 3600;
  const lastTaskSeconds = (run.items - (tasks - 1) * run.itemsPerTask) * run.itemSeconds;
  const taskHours = tasks === 0 ? 0 : run.tasksSucceeded === tasks
    ? (tasks - 1) * billedHours(batchSeconds) + billedHours(lastTaskSeconds)
    : run.tasksSucceeded * billedHours(batchSeconds);
  const arm64 = run.cpuArchitecture === FanOutCpuArchitecture.ARM64;
  const vcpuHours = run.taskVcpus * taskHours;
  const gbHours = (run.memoryLimitMiB / MIB_PER_GIB) * taskHours;
  const storageGbHours = billedStorageGib(run.ephemeralStorageGiB) * taskHours;
  const vcpuCostUsd = vcpuHours * (arm64 ? PRICE_FARGATE_ARM64_VCPU_HOUR_USD : PRICE_FARGATE_VCPU_HOUR_USD);
  const memoryCostUsd = gbHours * (arm64 ? PRICE_FARGATE_ARM64_GB_HOUR_USD : PRICE_FARGATE_GB_HOUR_USD);
  const storageCostUsd = storageGbHours * PRICE_FARGATE_EPHEMERAL_STORAGE_GB_HOUR_USD;
  const stepFunctionsCostUsd = run.stateTransitions * PRICE_SFN_STANDARD_PER_TRANSITION_USD;
  return {
    vcpuHours,
    gbHours,
    vcpuCostUsd,
    memoryCostUsd,
    storageGbHours,
    storageCostUsd,
    stepFunctionsCostUsd,
    totalCostUsd: vcpuCostUsd + memoryCostUsd + storageCostUsd + stepFunctionsCostUsd,
  };
}
