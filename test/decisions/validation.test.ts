import { CfnParameter, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FanOutCapacity, FanOutIntegrationPattern, FanOutItems, FanOutMode, FargateFanOut, FargateFanOutProps } from '../../src';
import { newStack, withImage } from '../util/synth';

type PropsFactory = (scope: Construct) => FargateFanOutProps;

function fargateTaskDefinition(scope: Construct): ecs.FargateTaskDefinition {
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'Own');
  taskDefinition.addContainer('Worker', { image: ecs.ContainerImage.fromRegistry('worker') });
  return taskDefinition;
}

function s3Items(scope: Construct): FanOutItems {
  return FanOutItems.fromS3Json(new s3.Bucket(scope, 'Items'), 'items.json');
}

function securityGroups(scope: Construct, count: number): ec2.ISecurityGroup[] {
  const vpc = new ec2.Vpc(scope, 'Vpc');
  return Array.from({ length: count }, (_, i) => new ec2.SecurityGroup(scope, `Sg${i}`, { vpc }));
}

const invalid: Array<[string, PropsFactory, RegExp]> = [
  ['neither image nor taskDefinition', () => ({}), /image or taskDefinition is required/],
  ['both image and taskDefinition', (s) => withImage({ taskDefinition: fargateTaskDefinition(s) }), /image and taskDefinition are mutually exclusive/],
  ['cpu with taskDefinition', (s) => ({ taskDefinition: fargateTaskDefinition(s), cpu: 512 }), /cpu cannot be combined with taskDefinition/],
  ['memoryLimitMiB with taskDefinition', (s) => ({ taskDefinition: fargateTaskDefinition(s), memoryLimitMiB: 1024 }), /memoryLimitMiB cannot be combined with taskDefinition/],
  ['command with taskDefinition', (s) => ({ taskDefinition: fargateTaskDefinition(s), command: ['run'] }), /command cannot be combined with taskDefinition/],
  ['environment with taskDefinition', (s) => ({ taskDefinition: fargateTaskDefinition(s), environment: { A: 'b' } }), /environment cannot be combined with taskDefinition/],
  ['a taskDefinition without a container', (s) => ({ taskDefinition: new ecs.FargateTaskDefinition(s, 'Empty') }), /taskDefinition must have a container/],
  ['a cpu that is no Fargate size', () => withImage({ cpu: 300 }), /cpu must be one of the Fargate task sizes 256, 512, 1024, 2048, 4096, 8192, 16384/],
  ['memory too large for the cpu', () => withImage({ cpu: 256, memoryLimitMiB: 4096 }), /memoryLimitMiB 4096 is not valid with cpu 256: Fargate allows 512, 1024, 2048 MiB/],
  ['memory too small for the cpu', () => withImage({ cpu: 4096, memoryLimitMiB: 4096 }), /memoryLimitMiB 4096 is not valid with cpu 4096: Fargate allows 8192 to 30720/],
  ['FANOUT_ITEM in environment', () => withImage({ environment: { FANOUT_ITEM: 'x' } }), /environment and secrets may not set FANOUT_ITEM/],
  ['maxConcurrency 0', () => withImage({ maxConcurrency: 0 }), /maxConcurrency must be a whole number from 1 to 10000, got 0/],
  ['maxConcurrency above 10,000', () => withImage({ maxConcurrency: 10_001 }), /maxConcurrency must be a whole number from 1 to 10000, got 10001/],
  ['a fractional maxConcurrency', () => withImage({ maxConcurrency: 2.5 }), /maxConcurrency must be a whole number from 1 to 10000, got 2.5/],
  ['maxConcurrency above 40 with INLINE', () => withImage({ mode: FanOutMode.INLINE, maxConcurrency: 41 }), /maxConcurrency must be at most 40 with mode INLINE/],
  ['maxVcpus 0', () => withImage({ maxVcpus: 0 }), /maxVcpus must be a/],
  ['negative maxVcpus', () => withImage({ maxVcpus: -4 }), /maxVcpus must be a/],
  ['maxVcpus below one task', () => withImage({ cpu: 2048, memoryLimitMiB: 4096, maxVcpus: 1 }), /maxVcpus must be at least the vCPUs of one task \(2\), got 1/],
  ['a negative expectedItemCount', () => withImage({ expectedItemCount: -1 }), /expectedItemCount must be a whole number from 0/],
  ['a fractional expectedItemCount', () => withImage({ expectedItemCount: 1.5 }), /expectedItemCount must be a whole number/],
  ['INLINE with items from S3', (s) => withImage({ mode: FanOutMode.INLINE, items: s3Items(s) }), /mode INLINE cannot read items from S3/],
  ['RUN_TIME with items from S3', (s) => withImage({ mode: FanOutMode.RUN_TIME, items: s3Items(s) }), /mode RUN_TIME cannot read items from S3/],
  ['INLINE beyond the history limit', () => withImage({ mode: FanOutMode.INLINE, expectedItemCount: 69 }), /expectedItemCount must be at most 68 with mode INLINE \(.*every item uses all its retries/],
  ['INLINE with retries that would not let one item fit the history', () => withImage({ mode: FanOutMode.INLINE, throttleRetry: { maxAttempts: 9000 } }), /throttleRetry.maxAttempts and taskRetry.maxAttempts are too high for mode INLINE/],
  ['distributedThrottleRetry beyond a child history', () => withImage({ mode: FanOutMode.DISTRIBUTED, distributedThrottleRetry: { maxAttempts: 9000 } }), /distributedThrottleRetry.maxAttempts must be from 0 to 2737 so that a child execution that uses every retry, on each of its 3 task runs/],
  ['distributedThrottleRetry with an inline-only mode', () => withImage({ mode: FanOutMode.INLINE, distributedThrottleRetry: { maxAttempts: 10 } }), /distributedThrottleRetry applies to Distributed Map children only/],
  ['a distributedThrottleRetry.backoffRate below 1', () => withImage({ mode: FanOutMode.DISTRIBUTED, distributedThrottleRetry: { backoffRate: 0.5 } }), /distributedThrottleRetry.backoffRate must be a number of at least 1/],
  ['a negative throttleRetry.maxAttempts', () => withImage({ throttleRetry: { maxAttempts: -1 } }), /throttleRetry.maxAttempts must be a whole number from 0/],
  ['a throttleRetry.backoffRate below 1', () => withImage({ throttleRetry: { backoffRate: 0.9 } }), /throttleRetry.backoffRate must be a number of at least 1/],
  ['a sub-second throttleRetry.interval', () => withImage({ throttleRetry: { interval: Duration.millis(500) } }), /throttleRetry.interval must be a whole number of seconds/],
  ['throttleRetry.maxDelay below its interval', () => withImage({ throttleRetry: { interval: Duration.seconds(30), maxDelay: Duration.seconds(10) } }), /throttleRetry.maxDelay \(10 s\) must be at least throttleRetry.interval \(30 s\)/],
  ['a taskRetry.maxAttempts above the ASL limit', () => withImage({ taskRetry: { maxAttempts: 100_000_000 } }), /taskRetry.maxAttempts must be a whole number from 0 to 99999999/],
  ['a taskRetry.backoffRate below 1', () => withImage({ taskRetry: { backoffRate: 0 } }), /taskRetry.backoffRate must be a number of at least 1/],
  ['a zero taskTimeout', () => withImage({ taskTimeout: Duration.seconds(0) }), /taskTimeout must be a whole number of seconds from 1/],
  ['a sub-second taskTimeout', () => withImage({ taskTimeout: Duration.millis(1500) }), /taskTimeout must be a whole number of seconds/],
  ['a timeout over one year', () => withImage({ timeout: Duration.days(366) }), /timeout must be a whole number of seconds from 1 to 31536000/],
  ['a taskTimeout longer than timeout', () => withImage({ taskTimeout: Duration.hours(2), timeout: Duration.hours(1) }), /taskTimeout \(2 hours\) must not be longer than timeout \(1 hour\)/],
  ['vpc that is not the cluster\'s', (s) => {
    const cluster = new ecs.Cluster(s, 'Cluster', { vpc: new ec2.Vpc(s, 'ClusterVpc') });
    return withImage({ cluster, vpc: new ec2.Vpc(s, 'Other') });
  }, /vpc must be left out when cluster is given/],
  ['a token maxConcurrency', (s) => withImage({ maxConcurrency: new CfnParameter(s, 'Cap', { type: 'Number' }).valueAsNumber }), /maxConcurrency must be a number known at synth time/],
  ['a token maxVcpus', (s) => withImage({ maxVcpus: new CfnParameter(s, 'Vcpus', { type: 'Number' }).valueAsNumber }), /maxVcpus must be a number known at synth time/],
  ['a token cpu', (s) => withImage({ cpu: new CfnParameter(s, 'Cpu', { type: 'Number' }).valueAsNumber }), /cpu must be a number known at synth time/],
  ['six security groups', (s) => withImage({ securityGroups: securityGroups(s, 6) }), /securityGroups must hold 1 to 5 security groups/],
  ['an empty security group list', (s) => withImage({ securityGroups: securityGroups(s, 0) }), /securityGroups must hold 1 to 5 security groups/],
  // Scale and cost features, and the combinations that cannot work.
  ['itemBatching with mode INLINE', () => withImage({ mode: FanOutMode.INLINE, itemBatching: { maxItems: 10 } }), /itemBatching needs a Distributed Map for every run, so it cannot be combined with mode INLINE/],
  ['itemBatching with mode RUN_TIME', () => withImage({ mode: FanOutMode.RUN_TIME, itemBatching: { maxItems: 10 } }), /itemBatching needs a Distributed Map for every run, so it cannot be combined with mode RUN_TIME/],
  ['itemBatching.maxItems 0', () => withImage({ itemBatching: { maxItems: 0 } }), /itemBatching.maxItems must be a whole number from 1 to 10000, got 0/],
  ['itemBatching.maxInputBytes beyond the overrides', () => withImage({ itemBatching: { maxItems: 10, maxInputBytes: 8192 } }), /itemBatching.maxInputBytes must be a whole number from 1 to \d+, got 8192/],
  ['both tolerated-failure props', () => withImage({ toleratedFailureCount: 1, toleratedFailurePercentage: 1 }), /toleratedFailureCount and toleratedFailurePercentage are mutually exclusive/],
  ['a negative toleratedFailureCount', () => withImage({ toleratedFailureCount: -1 }), /toleratedFailureCount must be a whole number from 0/],
  ['a toleratedFailurePercentage over 100', () => withImage({ toleratedFailurePercentage: 101 }), /toleratedFailurePercentage must be a whole number from 0 to 100, got 101/],
  ['a fractional toleratedFailurePercentage', () => withImage({ toleratedFailurePercentage: 2.5 }), /toleratedFailurePercentage must be a whole number from 0 to 100, got 2.5/],
  ['toleratedFailurePercentage with mode INLINE', () => withImage({ mode: FanOutMode.INLINE, toleratedFailurePercentage: 5 }), /toleratedFailurePercentage needs a Distributed Map for every run, so it cannot be combined with mode INLINE/],
  ['a resultPrefix with a quote', () => withImage({ resultPrefix: "it's" }), /resultPrefix may only hold letters, digits and/],
  ['FANOUT_ITEMS in environment', () => withImage({ environment: { FANOUT_ITEMS: '[]' } }), /environment and secrets may not set FANOUT_ITEMS/],
  ['FANOUT_TASK_TOKEN in environment', () => withImage({ environment: { FANOUT_TASK_TOKEN: 'x' } }), /environment and secrets may not set FANOUT_TASK_TOKEN/],
  ['heartbeatTimeout without the callback pattern', () => withImage({ heartbeatTimeout: Duration.minutes(5) }), /heartbeatTimeout needs integrationPattern CALLBACK/],
  ['a heartbeatTimeout as long as taskTimeout', () => withImage({
    integrationPattern: FanOutIntegrationPattern.CALLBACK, heartbeatTimeout: Duration.hours(1), taskTimeout: Duration.hours(1),
  }), /heartbeatTimeout \(1 hour\) must be shorter than taskTimeout \(1 hour\)/],
  ['a sub-second heartbeatTimeout', () => withImage({ integrationPattern: FanOutIntegrationPattern.CALLBACK, heartbeatTimeout: Duration.millis(10) }), /heartbeatTimeout must be a whole number of seconds/],
  ['callback with Spot and on-demand fallback', () => withImage({
    integrationPattern: FanOutIntegrationPattern.CALLBACK, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK,
  }), /capacity SPOT_WITH_ON_DEMAND_FALLBACK cannot be combined with integrationPattern CALLBACK/],
];

describe('invalid configurations fail at synth with a message that names the prop', () => {
  test('there are at least 20 of them', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(20);
  });

  test.each(invalid)('fails: %s', (_name, makeProps, message) => {
    const stack = newStack();
    const props = makeProps(stack);
    expect(() => new FargateFanOut(stack, 'FanOut', props)).toThrow(message);
  });

  // Every check runs before the construct joins the tree, so a user who catches the error (a
  // notebook, a Python `try`) is left with the stack as it was and may use the id again.
  test.each(invalid)('fails and leaves nothing behind: %s', (_name, makeProps) => {
    // The same props made in a stack of their own, where no fan-out is tried.
    const control = newStack();
    makeProps(control);
    const stack = newStack();
    const props = makeProps(stack);
    const constructsBefore = stack.node.findAll().map((construct) => construct.node.path);
    expect(() => new FargateFanOut(stack, 'FanOut', props)).toThrow();
    expect(stack.node.tryFindChild('FanOut')).toBeUndefined();
    expect(stack.node.findAll().map((construct) => construct.node.path)).toEqual(constructsBefore);
    expect(Template.fromStack(stack).toJSON()).toEqual(Template.fromStack(control).toJSON());
  });
});

test('a fan-out that failed validation can be built again under the same id, with nothing left of the first', () => {
  const stack = newStack();
  expect(() => new FargateFanOut(stack, 'FanOut', withImage({ maxConcurrency: 0 }))).toThrow(/maxConcurrency/);
  expect(stack.node.findAll().map((construct) => construct.node.path)).toEqual(['TestStack']);
  const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ maxConcurrency: 10 }));
  expect(fanOut.maxConcurrency).toBe(10);
  Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
});

describe('valid edge values are accepted', () => {
  test.each<[string, FargateFanOutProps]>([
    ['maxConcurrency 1', withImage({ maxConcurrency: 1 })],
    ['maxConcurrency 10,000', withImage({ maxConcurrency: 10_000 })],
    ['maxConcurrency 40 with INLINE', withImage({ mode: FanOutMode.INLINE, maxConcurrency: 40 })],
    ['maxVcpus equal to one task', withImage({ maxVcpus: 0.25 })],
    ['expectedItemCount 0', withImage({ expectedItemCount: 0 })],
    ['throttleRetry with 0 attempts', withImage({ throttleRetry: { maxAttempts: 0 } })],
    ['taskTimeout equal to timeout', withImage({ taskTimeout: Duration.hours(1), timeout: Duration.hours(1) })],
    ['the largest Fargate size', withImage({ cpu: 16384, memoryLimitMiB: 122880 })],
    ['toleratedFailureCount 0 with INLINE', withImage({ mode: FanOutMode.INLINE, toleratedFailureCount: 0 })],
    ['toleratedFailurePercentage 100', withImage({ toleratedFailurePercentage: 100 })],
    ['resultBucket with mode INLINE (failure records go there)', withImage({ mode: FanOutMode.INLINE, resultPrefix: 'runs' })],
    ['itemBatching of one item per batch', withImage({ itemBatching: { maxItems: 1, maxInputBytes: 1 } })],
  ])('%s', (_name, props) => {
    const stack = newStack();
    expect(() => new FargateFanOut(stack, 'FanOut', props)).not.toThrow();
  });
});
