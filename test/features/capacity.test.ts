import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FanOutCapacity, FanOutMode, FargateFanOut } from '../../src';
import { inlineMaxItems } from '../../src/decisions/history-budget';
import { allStates, newStack, synthFanOut, withImage } from '../util/synth';

describe('capacity', () => {
  test('ON_DEMAND (the default) keeps LaunchType FARGATE and no capacity providers', () => {
    const { definition, template, fanOut } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    expect(fanOut.capacity).toBe(FanOutCapacity.ON_DEMAND);
    expect(allStates(definition).RunItemTask.Parameters.LaunchType).toBe('FARGATE');
    template.resourceCountIs('AWS::ECS::ClusterCapacityProviderAssociations', 0);
  });

  test('SPOT runs on the FARGATE_SPOT provider, which the created cluster gets, and outputs the capacity', () => {
    const { definition, template } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT }));
    const task = allStates(definition).RunItemTaskInChild;
    expect(task.Parameters.LaunchType).toBeUndefined();
    expect(task.Parameters.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]);
    expect(task.ResultSelector).toEqual({ capacity: 'FARGATE_SPOT' });
    expect(task.Catch).toBeUndefined();
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
    });
  });

  describe('SPOT_WITH_ON_DEMAND_FALLBACK', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }));
    const states = allStates(definition);

    test('the Spot task falls back on capacity errors and Spot interruptions only, with the short retry', () => {
      const spot = states.RunItemTaskInChild;
      expect(spot.Parameters.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]);
      expect(spot.Retry.map((r: any) => r.MaxAttempts)).toEqual([30]);
      expect(spot.Catch).toEqual([
        { ErrorEquals: ['ECS.AmazonECSException', 'AmazonECS.Unknown'], ResultPath: '$.failure', Next: 'RunItemOnDemandInChild' },
        { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'WasSpotInterruptedInChild' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'ItemFailedInChild' },
      ]);
      expect(states.WasSpotInterruptedInChild.Choices).toEqual([
        { Variable: '$.failure.Cause', StringMatches: '*SpotInterruption*', Next: 'RunItemOnDemandInChild' },
      ]);
      expect(states.WasSpotInterruptedInChild.Default).toBe('ItemFailedInChild');
      expect(states.ItemFailedInChild).toEqual(expect.objectContaining({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' }));
    });

    test('the on-demand task runs once, with the full retries, and no further fallback', () => {
      const onDemand = states.RunItemOnDemandInChild;
      expect(onDemand.Parameters.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Weight: 1 }]);
      expect(onDemand.ResultSelector).toEqual({ capacity: 'FARGATE' });
      expect(onDemand.Retry.map((r: any) => r.MaxAttempts)).toEqual([1440, 30]);
      expect(onDemand.Catch).toBeUndefined();
    });

    test('inline: both tasks\' failures are recorded, and the summary counts tasks by capacity', () => {
      expect(states.RunItemTask.Catch.map((c: any) => c.Next)).toEqual(['RunItemOnDemand', 'WasSpotInterrupted', 'DescribeItemFailure']);
      expect(states.RunItemOnDemand.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'DescribeItemFailure' }]);
      expect(definition.States.RunItemsInline.ResultSelector).toMatchObject({
        'ranOnSpot.$': "$[?(@.capacity == 'FARGATE_SPOT')]",
        'ranOnDemand.$': "$[?(@.capacity == 'FARGATE')]",
      });
      expect(definition.States.Summarize.Parameters.tasksByCapacity).toEqual({
        'FARGATE_SPOT.$': 'States.ArrayLength($.ranOnSpot)',
        'FARGATE.$': 'States.ArrayLength($.ranOnDemand)',
      });
    });

    test('an item may use its retries on both capacities, so fewer items surely fit the inline history', () => {
      const threshold = definition.States.ChooseMap.Choices[0].NumericLessThanEquals;
      expect(threshold).toBe(inlineMaxItems({ refusedAttempts: 60, rerunAttempts: 0, fallbackRuns: 1 }));
      expect(threshold).toBe(Math.floor(24_950 / (26 + 10 + 180)));
      expect(fanOut.describe()).toContain('capacity: SPOT_WITH_ON_DEMAND_FALLBACK');
    });
  });

  test('a cluster given as ecs.Cluster gets the capacity providers; an imported one gets a warning', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    new FargateFanOut(stack, 'FanOut', withImage({ cluster, capacity: FanOutCapacity.SPOT }));
    const imported = ecs.Cluster.fromClusterAttributes(stack, 'Imported', { clusterName: 'theirs', vpc });
    new FargateFanOut(stack, 'FanOutOnImported', withImage({ cluster: imported, capacity: FanOutCapacity.SPOT }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      Cluster: { Ref: stack.getLogicalId(cluster.node.defaultChild as ecs.CfnCluster) },
      CapacityProviders: Match.arrayWith(['FARGATE_SPOT']),
    });
    Annotations.fromStack(stack).hasWarning('/TestStack/FanOutOnImported', Match.stringLikeRegexp('FARGATE_SPOT capacity provider.*must be associated with the cluster'));
  });
});
