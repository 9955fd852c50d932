import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FanOutCapacity, FanOutCpuArchitecture, FanOutPlanner, FargateFanOut, FargateFanOutProps } from '../../src';
import { newStack, synthFanOut, withImage } from '../util/synth';

/** Throws what building the fan-out throws, and checks that nothing joined the tree. */
function refused(props: Partial<FargateFanOutProps>): () => void {
  return () => {
    const stack = newStack();
    try {
      new FargateFanOut(stack, 'FanOut', withImage(props));
    } finally {
      expect(stack.node.tryFindChild('FanOut')).toBeUndefined();
    }
  };
}

describe('cpuArchitecture and ephemeralStorageGiB', () => {
  test('ARM64 sets the task definition\'s runtime platform to Linux ARM64 and shows in describe()', () => {
    const { template, fanOut } = synthFanOut(withImage({ cpuArchitecture: FanOutCpuArchitecture.ARM64 }));
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    expect(fanOut.describe()).toContain('task: 256 CPU units, 512 MiB, ARM64, 20 GiB ephemeral storage');
  });

  test('by default the task definition names no platform and no storage (Fargate: X86_64, 20 GiB)', () => {
    const { template, fanOut } = synthFanOut(withImage());
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: Match.absent(),
      EphemeralStorage: Match.absent(),
    });
    expect(fanOut.describe()).toContain('task: 256 CPU units, 512 MiB, X86_64, 20 GiB ephemeral storage');
  });

  test('ephemeralStorageGiB sets the task definition\'s storage and shows what is billed', () => {
    const { template, fanOut } = synthFanOut(withImage({ ephemeralStorageGiB: 50, cpuArchitecture: FanOutCpuArchitecture.X86_64 }));
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      EphemeralStorage: { SizeInGiB: 50 },
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    expect(fanOut.describe()).toContain('X86_64, 50 GiB ephemeral storage');
  });

  test('ARM64 runs with on-demand capacity', () => {
    const stack = newStack();
    new FargateFanOut(stack, 'FanOut', withImage({ cpuArchitecture: FanOutCpuArchitecture.ARM64, capacity: FanOutCapacity.ON_DEMAND }));
    Template.fromStack(stack).resourceCountIs('AWS::ECS::TaskDefinition', 1);
  });

  test('fails for ARM64 with a Spot capacity, naming both props, and leaves nothing behind', () => {
    expect(refused({ cpuArchitecture: FanOutCpuArchitecture.ARM64, capacity: FanOutCapacity.SPOT }))
      .toThrow(/cpuArchitecture ARM64 cannot be combined with capacity SPOT/);
    expect(refused({ cpuArchitecture: FanOutCpuArchitecture.ARM64, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }))
      .toThrow(/cpuArchitecture ARM64 cannot be combined with capacity SPOT_WITH_ON_DEMAND_FALLBACK/);
  });

  test('fails for ephemeral storage outside 21 to 200 GiB, naming the prop and the range, and leaves nothing behind', () => {
    for (const bad of [20, 201, 30.5, -1]) {
      expect(refused({ ephemeralStorageGiB: bad })).toThrow(`ephemeralStorageGiB must be a whole number from 21 to 200, got ${bad}`);
    }
  });

  test('fails for an unknown architecture, naming the allowed ones', () => {
    expect(refused({ cpuArchitecture: 'ARM32' as FanOutCpuArchitecture })).toThrow(/cpuArchitecture must be one of X86_64, ARM64, got ARM32/);
  });

  test('fails with a taskDefinition: set them on the task definition', () => {
    const stack = newStack();
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Given');
    taskDefinition.addContainer('Main', { image: ecs.ContainerImage.fromRegistry('alpine') });
    expect(() => new FargateFanOut(stack, 'FanOut', { taskDefinition, ephemeralStorageGiB: 30 }))
      .toThrow(/ephemeralStorageGiB cannot be combined with taskDefinition/);
    expect(() => new FargateFanOut(stack, 'FanOut', { taskDefinition, cpuArchitecture: FanOutCpuArchitecture.ARM64 }))
      .toThrow(/cpuArchitecture cannot be combined with taskDefinition/);
  });
});

describe('the planner prices ARM64 and ephemeral storage above 20 GiB', () => {
  const options = { items: 60, taskDuration: Duration.minutes(10), cpu: 1024, memoryLimitMiB: 2048, maxConcurrency: 6 };

  test('ARM64 at $0.03238 per vCPU-hour and $0.00356 per GB-hour', () => {
    const x86 = FanOutPlanner.plan(options);
    const arm = FanOutPlanner.plan({ ...options, cpuArchitecture: FanOutCpuArchitecture.ARM64 });
    expect(arm.vcpuHours).toBeCloseTo(x86.vcpuHours, 9);
    expect(arm.vcpuCostUsd).toBeCloseTo(arm.vcpuHours * 0.03238, 9);
    expect(arm.memoryCostUsd).toBeCloseTo(arm.gbHours * 0.00356, 9);
    expect(x86.vcpuCostUsd).toBeCloseTo(x86.vcpuHours * 0.04048, 9);
    expect(FanOutPlanner.report({ ...options, cpuArchitecture: FanOutCpuArchitecture.ARM64 })).toContain('(us-east-1 On-Demand ARM64 and Standard prices)');
  });

  test('storage above the included 20 GiB at $0.000111 per GB-hour, in the total', () => {
    const included = FanOutPlanner.plan(options);
    const more = FanOutPlanner.plan({ ...options, ephemeralStorageGiB: 50 });
    expect(included.storageCostUsd).toBe(0);
    // 60 tasks of 10 minutes: 10 task-hours, 30 GiB above the included 20 each.
    expect(more.storageGbHours).toBeCloseTo(300, 6);
    expect(more.storageCostUsd).toBeCloseTo(300 * 0.000111, 9);
    expect(more.totalCostUsd - included.totalCostUsd).toBeCloseTo(more.storageCostUsd, 9);
    expect(FanOutPlanner.report({ ...options, ephemeralStorageGiB: 50 })).toContain('ephemeral storage:   300.00 GB-hours above the included 20 GiB $0.03');
    expect(() => FanOutPlanner.plan({ ...options, ephemeralStorageGiB: 10 })).toThrow(/ephemeralStorageGiB must be a whole number from 21 to 200/);
  });
});
