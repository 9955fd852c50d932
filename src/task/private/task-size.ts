import { Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CPU_UNITS_PER_VCPU, FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB, FARGATE_TASK_SIZES } from '../../facts';
import { FanOutCpuArchitecture } from '../cpu-architecture';

/** CPU units of a task the construct builds when `cpu` is not set: the smallest Fargate size. */
export const DEFAULT_CPU = 256;

/** Memory of a task the construct builds when `memoryLimitMiB` is not set: the least 256 CPU units allow. */
export const DEFAULT_MEMORY_MIB = 512;

/** The name of the container the construct builds (its construct id, which is also its name). */
export const BUILT_CONTAINER_NAME = 'Task';

/** What decides the task's size: the size props, or a task definition that replaces them. */
export interface TaskSizeInput {
  readonly cpu?: number;
  readonly memoryLimitMiB?: number;
  readonly taskDefinition?: ecs.FargateTaskDefinition;
  readonly image?: ecs.ContainerImage;
  readonly command?: string[];
  readonly environment?: { [key: string]: string };
  readonly secrets?: { [key: string]: ecs.Secret };
  readonly cpuArchitecture?: FanOutCpuArchitecture;
  readonly ephemeralStorageGiB?: number;
}

/** The one container of a task definition the construct builds. */
export interface BuiltContainer {
  readonly image: ecs.ContainerImage;
  readonly command?: string[];
  readonly environment?: { [key: string]: string };
  readonly secrets?: { [key: string]: ecs.Secret };
}

/** The task every item runs, and why it is that size. */
export interface TaskSizeDecision {
  /**
   * The size of the task definition to build; undefined when one is given.
   */
  readonly build?: {
    readonly cpu: number;
    readonly memoryLimitMiB: number;
    /** Set when `cpuArchitecture` is given; left out, Fargate runs X86_64. */
    readonly runtimePlatform?: ecs.RuntimePlatform;
    /** Set when `ephemeralStorageGiB` is given; left out, Fargate gives 20 GiB. */
    readonly ephemeralStorageGiB?: number;
  };
  /** Which processors run the task; undefined when a task definition is given. */
  readonly cpuArchitecture?: FanOutCpuArchitecture;
  /** Ephemeral storage of the task in GiB; undefined when a task definition is given. */
  readonly ephemeralStorageGiB?: number;
  /** The container of the task definition to build; undefined when one is given. */
  readonly container?: BuiltContainer;
  /** The task definition given, used as it is (its default container receives the item). */
  readonly given?: ecs.FargateTaskDefinition;
  /** vCPUs one task reserves (counted against the vCPU quota and a `maxVcpus` budget). */
  readonly vcpus: number;
  /** The container that receives the item. */
  readonly containerName: string;
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * The task size, checked against Fargate's sizes when the construct builds the task definition,
 * or read from the task definition given (its default container receives the item).
 */
export function decideTaskSize(input: TaskSizeInput): TaskSizeDecision {
  if (input.taskDefinition) {
    const container = input.taskDefinition.defaultContainer;
    if (!container) {
      throw new Error('taskDefinition must have a container (its default container receives the item)');
    }
    return {
      given: input.taskDefinition,
      vcpus: vcpusOf(input.taskDefinition.cpu),
      containerName: container.containerName,
      reason: `the task definition given, whose default container '${container.containerName}' receives the item.`,
    };
  }
  const cpu = input.cpu ?? DEFAULT_CPU;
  const memoryLimitMiB = input.memoryLimitMiB ?? DEFAULT_MEMORY_MIB;
  // cpu is known at synth (the decision needs it); a memory token is left to CloudFormation.
  if (!Token.isUnresolved(memoryLimitMiB)) {
    checkFargateTaskSize(cpu, memoryLimitMiB);
  }
  const cpuArchitecture = input.cpuArchitecture ?? FanOutCpuArchitecture.X86_64;
  const ephemeralStorageGiB = input.ephemeralStorageGiB ?? FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB;
  return {
    build: {
      cpu,
      memoryLimitMiB,
      ...(input.cpuArchitecture !== undefined ? {
        runtimePlatform: {
          cpuArchitecture: cpuArchitecture === FanOutCpuArchitecture.ARM64 ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
      } : {}),
      ...(input.ephemeralStorageGiB !== undefined ? { ephemeralStorageGiB: input.ephemeralStorageGiB } : {}),
    },
    cpuArchitecture,
    ephemeralStorageGiB,
    // validateProps requires an image when no task definition is given.
    container: { image: input.image!, command: input.command, environment: input.environment, secrets: input.secrets },
    vcpus: vcpusOf(cpu),
    containerName: BUILT_CONTAINER_NAME,
    reason: `${input.cpu === undefined ? 'default: the smallest Fargate task' : `cpu ${cpu}`}, ${memoryLimitMiB} MiB, ${cpuArchitecture}`
      + `${input.cpuArchitecture === undefined ? ' (default)' : ''}, ${ephemeralStorageGiB} GiB of ephemeral storage`
      + `${input.ephemeralStorageGiB === undefined ? ' (included)' : ` (${billedStorageGib(ephemeralStorageGiB)} GiB above the included ${FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB} billed)`}.`,
  };
}

/**
 * GiB of a task's ephemeral storage that Fargate bills: what is above the included 20 GiB
 * (undefined: the included storage, none billed).
 */
export function billedStorageGib(ephemeralStorageGiB: number | undefined): number {
  return Math.max(0, (ephemeralStorageGiB ?? FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB) - FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB);
}

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

/** The least memory Fargate allows with `cpu`. */
export function smallestMemoryFor(cpu: number): number {
  // An unknown cpu gets any value here: checkFargateTaskSize then names the allowed sizes.
  return FARGATE_TASK_SIZES.find((size) => size.cpu === cpu)?.memoryMiB[0] ?? 0;
}
