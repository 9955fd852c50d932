import { CPU_UNITS_PER_VCPU, FARGATE_TASK_SIZES } from './aws-limits';

/**
 * Throws unless `cpu` (CPU units) and `memoryLimitMiB` are a task size Fargate accepts.
 * Checked at synth because ECS only rejects a bad pair when the task definition is registered.
 */
export function checkFargateTaskSize(cpu: number, memoryLimitMiB: number): void {
  const size = FARGATE_TASK_SIZES.find((s) => s.cpu === cpu);
  if (!size) {
    const allowed = FARGATE_TASK_SIZES.map((s) => s.cpu).join(', ');
    throw new Error(`cpu must be one of the Fargate task sizes ${allowed} (CPU units), got ${cpu}`);
  }
  if (!size.memoryMiB.includes(memoryLimitMiB)) {
    throw new Error(`memoryLimitMiB ${memoryLimitMiB} is not valid with cpu ${cpu}: Fargate allows ${describeMemory(size.memoryMiB)} MiB`);
  }
}

/** vCPUs one task reserves, as Fargate counts them against the vCPU quota. */
export function vcpusOf(cpuUnits: number): number {
  return cpuUnits / CPU_UNITS_PER_VCPU;
}

function describeMemory(values: readonly number[]): string {
  if (values.length <= 3) {
    return values.join(', ');
  }
  const step = values[1] - values[0];
  return `${values[0]} to ${values[values.length - 1]} in steps of ${step}`;
}
