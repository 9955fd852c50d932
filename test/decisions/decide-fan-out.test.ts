import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FanOutCapacity, FanOutIntegrationPattern, FanOutItems, FanOutMode, FargateFanOutProps } from '../../src';
import { decideFanOut, FanOutDecisions } from '../../src/fan-out-decisions';

// decideFanOut is pure: these tables build no construct of the fan-out and synthesize nothing.
// (The few props that need constructs, such as a VPC or a bucket, are made in a bare stack.)

const ecrImage = ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(new Stack(), 'Repo', 'worker'));
const publicImage = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3.20');

/** Only the fields a case names; everything else about the decisions is left to other cases. */
interface Expected {
  readonly mode?: FanOutMode;
  readonly modeReason?: RegExp;
  readonly maxConcurrency?: number;
  readonly inlineMaxConcurrency?: number;
  readonly inlineMaxItems?: number;
  readonly throttleAttempts?: number;
  readonly distributedThrottleAttempts?: number | 'none';
  readonly taskRetryAttempts?: number | 'none';
  readonly vcpus?: number;
  readonly builtSize?: { cpu: number; memoryLimitMiB: number } | 'given';
  readonly heartbeatSeconds?: number | 'none';
  readonly taskTimeoutSeconds?: number;
  readonly batching?: { maxItems: number; maxInputBytes?: number } | 'none';
  readonly tolerance?: RegExp;
  readonly createVpc?: boolean;
  readonly subnetType?: ec2.SubnetType;
  readonly enableCapacityProviders?: boolean;
  readonly warnings?: string[];
}

function bareStack(): Stack {
  return new Stack();
}

function givenVpc(): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(bareStack(), 'Vpc', {
    vpcId: 'vpc-1', availabilityZones: ['a', 'b'], privateSubnetIds: ['s-1', 's-2'],
  });
}

const cases: Array<[string, FargateFanOutProps, Expected]> = [
  ['the defaults: run-time choice, 100 tasks, 50 inline items, a private VPC', { image: ecrImage }, {
    mode: FanOutMode.RUN_TIME,
    modeReason: /Chosen at run time.*up to 50 items/,
    maxConcurrency: 100,
    inlineMaxConcurrency: 40,
    // An item at worst: its task 8 + its failure record 18 + its record 6 + 2 start-failure reruns
    // x 18 + the write to S3 of an item too large 26 + 4 runs x 33 refused calls (30 throttle, 3
    // quick InvalidParameter) x 3 = 490 events: floor((25,000 - 50) / 490) = 50.
    inlineMaxItems: 50,
    throttleAttempts: 30,
    distributedThrottleAttempts: 1440,
    taskRetryAttempts: 'none',
    vcpus: 0.25,
    builtSize: { cpu: 256, memoryLimitMiB: 512 },
    heartbeatSeconds: 'none',
    taskTimeoutSeconds: 24 * 3600,
    batching: 'none',
    tolerance: /^none/,
    createVpc: true,
    subnetType: ec2.SubnetType.PRIVATE_ISOLATED,
    enableCapacityProviders: false,
    // 40 inline tasks of 0.25 vCPU need 10 vCPUs, more than the default quota of 6: no warning,
    // each run reads the account's quota and caps the Map to it.
    warnings: [],
  }],
  ['a public image in the VPC without internet is warned about', { image: publicImage }, {
    warnings: ['cdk-fargate-fan-out:imageWithoutInternet'],
  }],
  ['a small expected count: inline, no child retry', { image: ecrImage, expectedItemCount: 10, maxVcpus: 6 }, {
    mode: FanOutMode.INLINE, maxConcurrency: 24, distributedThrottleAttempts: 'none', warnings: [],
  }],
  ['one item above the inline limit: distributed', { image: ecrImage, expectedItemCount: 51 }, {
    mode: FanOutMode.DISTRIBUTED, modeReason: /51 expected items would not surely fit/, maxConcurrency: 100, warnings: [],
  }],
  ['a vCPU budget sets the cap from the task size', { image: ecrImage, cpu: 1024, memoryLimitMiB: 2048, maxVcpus: 16 }, {
    maxConcurrency: 16, inlineMaxConcurrency: 16, vcpus: 1, builtSize: { cpu: 1024, memoryLimitMiB: 2048 }, warnings: [],
  }],
  ['a cap above 40: distributed', { image: ecrImage, maxConcurrency: 500 }, {
    mode: FanOutMode.DISTRIBUTED, modeReason: /maxConcurrency 500 is above the 40/, maxConcurrency: 500,
  }],
  ['items from S3: distributed', { image: ecrImage, items: FanOutItems.fromS3Csv(s3.Bucket.fromBucketName(bareStack(), 'In', 'items-bucket'), 'rows.csv') }, {
    mode: FanOutMode.DISTRIBUTED, modeReason: /read from S3/,
  }],
  ['batching: distributed, the byte limit of the overrides', { image: ecrImage, itemBatching: { maxItems: 25 } }, {
    mode: FanOutMode.DISTRIBUTED, modeReason: /itemBatching only works/, batching: { maxItems: 25 },
  }],
  ['a task retry takes room from the inline items', { image: ecrImage, taskRetry: { maxAttempts: 2 } }, {
    // The defaults' 490 events, plus 2 taskRetry reruns x 18 (stop-rule loop) and 2 more runs x
    // 33 refused calls x 3: 490 + 36 + 198 = 724; floor(24,950 / 724) = 34.
    taskRetryAttempts: 2, inlineMaxItems: 34,
  }],
  ['Spot with on-demand fallback: retries count twice, the cluster gets capacity providers', { image: ecrImage, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }, {
    // 8 + 18 + 6 + reading the Spot stop 6 + a fallback run's 8 + 2 + the Spot check 4 + 2
    // start-failure reruns x 18 + 26 for the S3 write + 5 runs x 33 refused calls x 3 = 609;
    // floor(24,950 / 609) = 40.
    inlineMaxItems: 40, enableCapacityProviders: true,
  }],
  ['Spot alone: the stop is checked after a success too', { image: ecrImage, capacity: FanOutCapacity.SPOT }, {
    // 8 + 18 + 6 + the Spot check 4 (a Choice, then a Succeed or a Pass) + 5 reruns (2 start
    // failures, 3 Spot interruptions) x 18 + 26 for the S3 write + 7 runs x 33 refused calls x 3
    // = 845; floor(24,950 / 845) = 29.
    inlineMaxItems: 29, enableCapacityProviders: true,
  }],
  ['callback: a 10-minute heartbeat by default, and room for the callback states', { image: ecrImage, integrationPattern: FanOutIntegrationPattern.CALLBACK }, {
    // 8 + 18 + the callback states' 44 + 2 reruns after a task not found running x 32 + the
    // write to S3 of an item too large for the overrides (26), and on each of the 4 runs 30
    // refused calls x 3 and 3 interrupted reruns x 4: floor(24,950 / 568).
    heartbeatSeconds: 600, inlineMaxItems: 43,
  }],
  ['a given VPC with private subnets: subnets with egress, no VPC created', { image: publicImage, vpc: givenVpc(), maxVcpus: 6 }, {
    createVpc: false, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, warnings: [],
  }],
  ['a given task definition: its size, no size to build', { taskDefinition: taskDefinitionOf(2048, 4096), maxVcpus: 8 }, {
    vcpus: 2, builtSize: 'given', maxConcurrency: 4,
  }],
  ['a percentage of tolerated failures: distributed', { image: ecrImage, toleratedFailurePercentage: 5 }, {
    mode: FanOutMode.DISTRIBUTED, tolerance: /^5% \(the Map Run stops/,
  }],
  ['timeouts given are kept', { image: ecrImage, taskTimeout: Duration.hours(2), timeout: Duration.hours(3) }, {
    taskTimeoutSeconds: 7200,
  }],
];

function taskDefinitionOf(cpu: number, memoryLimitMiB: number): ecs.FargateTaskDefinition {
  const taskDefinition = new ecs.FargateTaskDefinition(bareStack(), 'Given', { cpu, memoryLimitMiB });
  taskDefinition.addContainer('Worker', { image: ecrImage });
  return taskDefinition;
}

/** The decisions reduced to the fields `expected` names. */
function pick(decisions: FanOutDecisions, expected: Expected): Expected {
  const all: { [key in keyof Expected]-?: () => unknown } = {
    mode: () => decisions.mode.mode,
    modeReason: () => decisions.mode.reason,
    maxConcurrency: () => decisions.concurrency.maxConcurrency,
    inlineMaxConcurrency: () => decisions.concurrency.inlineMaxConcurrency,
    inlineMaxItems: () => decisions.historyBudget.inlineMaxItems,
    throttleAttempts: () => decisions.retries.throttle.maxAttempts,
    distributedThrottleAttempts: () => decisions.retries.distributedThrottle?.maxAttempts ?? 'none',
    taskRetryAttempts: () => decisions.retries.task?.maxAttempts ?? 'none',
    vcpus: () => decisions.task.vcpus,
    builtSize: () => decisions.task.build ?? 'given',
    heartbeatSeconds: () => decisions.timeouts.heartbeatTimeout?.toSeconds() ?? 'none',
    taskTimeoutSeconds: () => decisions.timeouts.taskTimeout.toSeconds(),
    batching: () => decisions.batching ? { maxItems: decisions.batching.maxItems, ...(expected.batching !== 'none' && expected.batching?.maxInputBytes !== undefined ? { maxInputBytes: decisions.batching.maxInputBytes } : {}) } : 'none',
    tolerance: () => decisions.tolerance.description,
    createVpc: () => decisions.network.createVpc,
    subnetType: () => decisions.network.subnets.subnetType,
    enableCapacityProviders: () => decisions.network.enableCapacityProviders,
    warnings: () => decisions.warnings.map((warning) => warning.id),
  };
  const picked: { [key: string]: unknown } = {};
  for (const key of Object.keys(expected) as Array<keyof Expected>) {
    picked[key] = all[key]();
  }
  return picked as Expected;
}

describe('decideFanOut', () => {
  test.each(cases)('%s', (_name, props, expected) => {
    const decisions = decideFanOut(props);
    const regexFields = Object.entries(expected).filter(([, value]) => value instanceof RegExp);
    const picked = pick(decisions, expected) as { [key: string]: unknown };
    for (const [key, pattern] of regexFields) {
      expect(picked[key]).toMatch(pattern as RegExp);
      delete picked[key];
    }
    expect(picked).toEqual(Object.fromEntries(Object.entries(expected).filter(([, value]) => !(value instanceof RegExp))));
  });

  test('every decision carries a reason a person can read', () => {
    const decisions = decideFanOut({ image: ecrImage, itemBatching: { maxItems: 5 }, integrationPattern: FanOutIntegrationPattern.CALLBACK });
    for (const reason of [decisions.mode.reason, decisions.concurrency.reason, decisions.historyBudget.reason, decisions.task.reason,
      decisions.timeouts.reason, decisions.network.reason, decisions.batching!.reason, decisions.tolerance.description]) {
      expect(reason).toMatch(/^\S.{10,}/);
    }
    expect(decisions.historyBudget.reason).toMatch(/an item writes at most \d+ history events/);
    expect(decisions.batching!.reason).toMatch(/beside the task token/);
  });

  test.each<[string, FargateFanOutProps, RegExp]>([
    ['no image', {}, /image or taskDefinition is required/],
    ['maxConcurrency 0', { image: ecrImage, maxConcurrency: 0 }, /maxConcurrency must be a whole number from 1 to 10000, got 0/],
    ['INLINE with 41 tasks', { image: ecrImage, mode: FanOutMode.INLINE, maxConcurrency: 41 }, /maxConcurrency must be at most 40 with mode INLINE/],
    ['a task size Fargate does not have', { image: ecrImage, cpu: 256, memoryLimitMiB: 4096 }, /memoryLimitMiB 4096 is not valid with cpu 256/],
    ['a heartbeat without callback', { image: ecrImage, heartbeatTimeout: Duration.minutes(1) }, /heartbeatTimeout needs integrationPattern CALLBACK/],
    ['a percentage with INLINE', { image: ecrImage, mode: FanOutMode.INLINE, toleratedFailurePercentage: 1 }, /toleratedFailurePercentage needs a Distributed Map/],
    ['a batch larger than the overrides', { image: ecrImage, itemBatching: { maxItems: 2, maxInputBytes: 9000 } }, /itemBatching.maxInputBytes must be a whole number from 1 to \d+, got 9000/],
  ])('fails: %s', (_name, props, message) => {
    expect(() => decideFanOut(props)).toThrow(message);
  });
});
