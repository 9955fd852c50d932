import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FanOutCapacity, FanOutMode, FargateFanOut } from '../../src';
import { DEFAULT_THROTTLE_RETRY } from '../../src/retries/private/throttle-retry';
import { inlineMaxItems, itemRetryAttempts } from '../../src/workflow/history-budget';
import { allStates, newStack, synthFanOut, withImage } from '../util/synth';

describe('capacity', () => {
  test('ON_DEMAND (the default) keeps LaunchType FARGATE and no capacity providers', () => {
    const { definition, template, fanOut } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    expect(fanOut.capacity).toBe(FanOutCapacity.ON_DEMAND);
    expect(allStates(definition).RunItemTask.Parameters.LaunchType).toBe('FARGATE');
    template.resourceCountIs('AWS::ECS::ClusterCapacityProviderAssociations', 0);
  });

  test('SPOT runs on the FARGATE_SPOT provider, which the created cluster gets, and keeps the task\'s description to check its stop', () => {
    const { definition, template } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT }));
    const states = allStates(definition);
    const task = states.RunItemTaskInChild;
    expect(task.Parameters.LaunchType).toBeUndefined();
    expect(task.Parameters.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]);
    expect(task.ResultSelector).toEqual({ 'task.$': '$', 'capacity': 'FARGATE_SPOT', 'cpu': '256', 'memory': '512', 'summary': { capacity: 'FARGATE_SPOT' } });
    expect(task.ResultPath).toBe('$.stop');
    expect(task.Next).toBe('WasStoppedBySpotInChild');
    // An interruption is retried on Spot (3 times by default), then fails the item with its own error.
    expect(states.ApplyStopRulesInChild.Choices.slice(0, 2).map((c: any) => c.Next)).toEqual(['RetrySpotInChild', 'SpotTaskInterruptedInChild']);
    expect(states.RetrySpotInChild.Next).toBe('WaitRetrySpotInChild');
    expect(states.SpotTaskInterruptedInChild.Parameters.Error).toBe('FanOut.SpotInterrupted');
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
    });
  });

  describe('SPOT_WITH_ON_DEMAND_FALLBACK', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }));
    const states = allStates(definition);
    const present = (path: string) => ({ Variable: path, IsPresent: true });
    // A field left out is `[]` (issue 27, item-record.ts), hence IsString before the comparison.
    const string = (path: string) => ({ Variable: path, IsString: true });
    const interrupted = {
      Or: [
        { And: [present('$.stop.task.StopCode'), string('$.stop.task.StopCode'), { Variable: '$.stop.task.StopCode', StringEquals: 'SpotInterruption' }] },
        { And: [present('$.stop.task.StopCode'), string('$.stop.task.StopCode'), { Variable: '$.stop.task.StopCode', StringEquals: 'TerminationNotice' }] },
        { And: [present('$.stop.task.StoppedReason'), string('$.stop.task.StoppedReason'), { Variable: '$.stop.task.StoppedReason', StringMatches: '*Spot Task was interrupted*' }] },
      ],
    };

    test('the Spot task falls back on capacity errors and Spot interruptions only, with the short retry', () => {
      const spot = states.RunItemTaskInChild;
      expect(spot.Parameters.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]);
      expect(spot.Retry.map((r: any) => r.MaxAttempts)).toEqual([30, 3]);
      expect(spot.Catch).toEqual([
        { ErrorEquals: ['ECS.InvalidParameterException'], ResultPath: '$.failure', Next: 'IsRateLimitedInChild' },
        { ErrorEquals: ['ECS.AmazonECSException', 'AmazonECS.Unknown'], ResultPath: '$.failure', Next: 'RunItemOnDemandInChild' },
        { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'IsStopDescribedInChild' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'DescribeItemFailureInChild' },
      ]);
      // A failure's Cause is parsed once, only when it is a JSON object, then its fields decide; it
      // is merged over the left-out fields the record reads, and without an exit code the record's
      // deep scan finds `ExitCode: []` beside it (issue 27).
      expect(states.IsStopDescribedInChild.Choices).toEqual([
        { Variable: '$.failure.Cause', StringMatches: '{*"ExitCode"*}', Next: 'ReadStopInChild' },
        { Variable: '$.failure.Cause', StringMatches: '{*}', Next: 'ReadStopWithoutExitCodeInChild' },
      ]);
      expect(states.IsStopDescribedInChild.Default).toBe('DescribeItemFailureInChild');
      const merged = 'States.JsonMerge($.stop.task, States.StringToJson($.failure.Cause), false)';
      expect(states.ReadStopInChild).toMatchObject({ Parameters: { 'task.$': merged }, ResultPath: '$.stop', Next: 'ApplyStopRulesInChild' });
      expect(states.ReadStopInChild.Parameters.ExitCode).toBeUndefined();
      expect(states.ReadStopWithoutExitCodeInChild).toMatchObject({ Parameters: { 'task.$': merged, 'ExitCode': [] }, ResultPath: '$.stop', Next: 'ApplyStopRulesInChild' });
      expect(states.ApplyStopRulesInChild.Choices[0]).toEqual({ ...interrupted, Next: 'FallBackSpotInChild' });
      expect(states.FallBackSpotInChild.Next).toBe('RunItemOnDemandInChild');
      // No text search through the whole Cause, which holds the item.
      expect(JSON.stringify(definition)).not.toContain('*SpotInterruption*');
    });

    test('a Spot task that succeeded is checked too: interrupted (whatever its exit code), it goes through the same rules', () => {
      expect(states.RunItemTaskInChild.Next).toBe('WasStoppedBySpotInChild');
      const choice = states.WasStoppedBySpotInChild;
      expect(choice.Choices).toEqual([{ ...interrupted, Next: 'ApplyStopRulesInChild' }]);
      expect(choice.Default).toBe('ItemSucceededInChild');
    });

    test('the on-demand task runs with the full retries, its own rules and no further fallback', () => {
      const onDemand = states.RunItemOnDemandInChild;
      expect(onDemand.Parameters.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Weight: 1 }]);
      // Its success ends the item: it shapes the record itself (issue 23).
      expect(onDemand.ResultSelector).toMatchObject({ 'outcome': 'SUCCEEDED', 'capacity': 'FARGATE', 'stopCode.$': '$.StopCode' });
      expect(onDemand).toMatchObject({ ResultPath: '$.retry.last', OutputPath: '$.retry', End: true });
      expect(onDemand.Retry.map((r: any) => r.MaxAttempts)).toEqual([1440, 3]);
      expect(onDemand.Catch.map((c: any) => c.Next)).toEqual(['IsRateLimitedOnDemandInChild', 'DescribeItemFailureInChild', 'IsStopDescribedOnDemandInChild', 'DescribeItemFailureInChild']);
      expect(onDemand.Next).toBeUndefined();
      expect(states.ApplyStopRulesOnDemandInChild.Choices.map((c: any) => c.Next)).toEqual(['RetryStartOnDemandInChild', 'DescribeItemFailureInChild']);
      expect(states.WaitRetryStartOnDemandInChild.Next).toBe('RunItemOnDemandInChild');
    });

    test('inline: both tasks\' failures are recorded, and the summary counts tasks by capacity', () => {
      expect(states.RunItemTask.Catch.map((c: any) => c.Next)).toEqual(['IsRateLimited', 'RunItemOnDemand', 'IsStopDescribed', 'DescribeItemFailure']);
      expect(states.RunItemOnDemand.Catch.map((c: any) => c.Next)).toEqual(['IsRateLimitedOnDemand', 'DescribeItemFailure', 'IsStopDescribedOnDemand', 'DescribeItemFailure']);
      // Issue 27: each list is picked by its filter only where the outputs' text shows it matches.
      expect(definition.States.RunItemsInline.ResultSelector).toMatchObject({
        'outputs.$': '$',
        'outputsText.$': 'States.JsonToString($)',
        'ranOnSpot': { list: [], count: 0 },
        'ranOnDemand': { list: [], count: 0 },
      });
      expect(definition.States.AnyRanSpot.Choices).toEqual([{ Variable: '$.outputsText', StringMatches: '*"FARGATE_SPOT"*', Next: 'ListRanSpot' }]);
      expect(definition.States.ListRanSpot).toMatchObject({
        Parameters: { 'list.$': "$.outputs[?(@.capacity == 'FARGATE_SPOT')]", 'count.$': "States.ArrayLength($.outputs[?(@.capacity == 'FARGATE_SPOT')])" },
        ResultPath: '$.ranOnSpot',
        Next: 'AnyRanOnDemand',
      });
      expect(definition.States.AnyRanOnDemand.Choices).toEqual([{ Variable: '$.outputsText', StringMatches: '*"FARGATE"*', Next: 'ListRanOnDemand' }]);
      expect(definition.States.Summarize.Parameters.tasksByCapacity).toEqual({
        'FARGATE_SPOT.$': '$.ranOnSpot.count',
        'FARGATE.$': '$.ranOnDemand.count',
      });
    });

    test('an item may use its retries on both capacities, so fewer items surely fit the inline history', () => {
      const threshold = definition.States.ChooseMap.Choices[0].NumericLessThanEquals;
      const attempts = itemRetryAttempts({
        throttleRetry: DEFAULT_THROTTLE_RETRY,
        capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK,
        callback: false,
        loopReruns: 2,
        spillsItems: true,
      });
      // 5 entries into the task states (the Spot run, the on-demand run, 2 start-failure reruns,
      // one after writing the item to S3), each with 30 throttle and 3 quick retries: 165.
      expect(attempts).toMatchObject({ refusedAttempts: 165, fallbackRuns: 1, checksSpotStop: true, loopReruns: 2, spills: 1 });
      // 26 of its own (8 + 18), 6 for reading its stop, a fallback run's 8 + 6 + 2, 4 for the Spot
      // check, 2 start-failure reruns of 18, 26 for writing the item to S3, and 165 refused calls
      // x 3: 609 events; floor((25,000 - 50) / 609) = floor(40.97) = 40 items.
      expect(inlineMaxItems(attempts)).toBe(40);
      expect(threshold).toBe(40);
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
