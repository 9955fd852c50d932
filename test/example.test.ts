import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ExampleStack } from '../examples/example-stack';
import { FanOutMode } from '../src';
import { definitionOf, expectValidAsl, TEST_ENV } from './util/synth';

describe('the example app', () => {
  const stack = new ExampleStack(new App(), 'FargateFanOutExample', { env: TEST_ENV });
  const template = Template.fromStack(stack);

  test('builds a run-time choice capped by its 16-vCPU budget', () => {
    expect(stack.fanOut.mode).toBe(FanOutMode.RUN_TIME);
    expect(stack.fanOut.maxConcurrency).toBe(16);
    const definition = definitionOf(template);
    expect(definition.States.RunItemsDistributed.MaxConcurrency).toBe(16);
    expect(definition.States.RunItemsInline.MaxConcurrency).toBe(16);
    expectValidAsl(definition);
  });

  test('one vCPU and 2 GiB per task, from the worker image built from examples/worker', () => {
    template.resourceCountIs('AWS::ECS::TaskDefinition', 1);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: [Match.objectLike({
        Name: 'Task',
        Essential: true,
        // An asset image: pushed to the bootstrap repository by `cdk deploy`.
        Image: { 'Fn::Sub': Match.stringLikeRegexp('/cdk-[a-z0-9]+-container-assets-111111111111-us-east-1:[0-9a-f]{64}$') },
      })],
    });
  });

  test('what it builds: a cluster in a new VPC without NAT (isolated subnets and VPC endpoints), a state machine, a result bucket, alarms', () => {
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
  });

  test('describe() prints the decisions the example relies on, each with its reason', () => {
    const described = stack.fanOut.describe();
    expect(described).toMatch(/^mode: RUN_TIME \(Chosen at run time: .* arrays of up to 50 items .* run in an inline Map and longer ones in a Distributed Map\.\)$/m);
    expect(described).toMatch(/^inline Map: at most 50 items \(an item writes at most 490 history events/m);
    expect(described).toMatch(/^max concurrency: 16 \(maxVcpus 16 holds 16 tasks of 1 vCPU\.\)$/m);
    expect(described).toMatch(/^launch pacing: not paced: a first wave of 16/m);
    expect(described).toMatch(/^task: 1024 CPU units, 2048 MiB, X86_64, 20 GiB ephemeral storage, container 'Task' gets the item in FANOUT_ITEM$/m);
    expect(described).toMatch(/^network: a new cluster in a new VPC with isolated subnets and VPC endpoints, no NAT/m);
    expect(described).toMatch(/^tolerated failures: none/m);
  });

  test('matches the snapshot (a complement to the assertions above)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
