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
    // The stop is kept (as lists, which a missing field leaves empty) to be checked after the task.
    expect(task.ResultSelector).toEqual({
      'capacity': 'FARGATE_SPOT', 'stopCode.$': '$..StopCode', 'stoppedReason.$': '$..StoppedReason', 'exitCode.$': '$.Containers[*].ExitCode',
    });
    expect(task.ResultPath).toBe('$.task');
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'ItemFailedInChild' }]);
    expect(task.Next).toBe('WasStoppedBySpotInChild');
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
        { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'IsStopDescribedInChild' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'ItemFailedInChild' },
      ]);
      // A failure's Cause is parsed once, only when it is a JSON object, then its fields decide.
      expect(states.IsStopDescribedInChild.Choices).toEqual([{ Variable: '$.failure.Cause', StringMatches: '{*}', Next: 'ReadStopInChild' }]);
      expect(states.IsStopDescribedInChild.Default).toBe('ItemFailedInChild');
      expect(states.ReadStopInChild).toMatchObject({ Parameters: { 'task.$': 'States.StringToJson($.failure.Cause)' }, ResultPath: '$.stop', Next: 'WasSpotInterruptedInChild' });
      const present = (path: string) => ({ Variable: path, IsPresent: true });
      expect(states.WasSpotInterruptedInChild.Choices).toEqual([{
        Or: [
          { And: [present('$.stop.task.StopCode'), { Variable: '$.stop.task.StopCode', StringEquals: 'SpotInterruption' }] },
          { And: [present('$.stop.task.StopCode'), { Variable: '$.stop.task.StopCode', StringEquals: 'TerminationNotice' }] },
          { And: [present('$.stop.task.StoppedReason'), { Variable: '$.stop.task.StoppedReason', StringMatches: '*Spot Task was interrupted*' }] },
        ],
        Next: 'RunItemOnDemandInChild',
      }]);
      expect(states.WasSpotInterruptedInChild.Default).toBe('ItemFailedInChild');
      // No text search through the whole Cause, which holds the item.
      expect(JSON.stringify(definition)).not.toContain('*SpotInterruption*');
      expect(states.ItemFailedInChild).toEqual(expect.objectContaining({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' }));
    });

    test('a Spot task that succeeded is checked too: interrupted (whatever its exit code), it reruns on on-demand', () => {
      expect(states.RunItemTaskInChild.Next).toBe('WasStoppedBySpotInChild');
      const choice = states.WasStoppedBySpotInChild;
      expect(choice.Choices[0].Next).toBe('RunItemOnDemandInChild');
      expect(choice.Choices[0].Or.map((c: any) => c.And[1])).toEqual([
        { Variable: '$.task.stopCode[0]', StringEquals: 'SpotInterruption' },
        { Variable: '$.task.stopCode[0]', StringEquals: 'TerminationNotice' },
        { Variable: '$.task.stoppedReason[0]', StringMatches: '*Spot Task was interrupted*' },
      ]);
      expect(choice.Default).toBe('SpotTaskSucceededInChild');
      expect(states.SpotTaskSucceededInChild).toMatchObject({ Type: 'Succeed', OutputPath: '$.task' });
    });

    test('the on-demand task runs once, with the full retries, and no further fallback', () => {
      const onDemand = states.RunItemOnDemandInChild;
      expect(onDemand.Parameters.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Weight: 1 }]);
      expect(onDemand.ResultSelector).toEqual({ capacity: 'FARGATE' });
      expect(onDemand.Retry.map((r: any) => r.MaxAttempts)).toEqual([1440, 30]);
      expect(onDemand.Catch).toBeUndefined();
    });

    test('inline: both tasks\' failures are recorded, and the summary counts tasks by capacity', () => {
      expect(states.RunItemTask.Catch.map((c: any) => c.Next)).toEqual(['RunItemOnDemand', 'IsStopDescribed', 'DescribeItemFailure']);
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
      // 26 of its own, a fallback run's 8 + 6 for reading the Spot stop, 60 refused calls x 3.
      expect(threshold).toBe(Math.floor(24_950 / (26 + 14 + 180)));
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
