import { Match, Annotations } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutCapacity, FanOutIntegrationPattern, FanOutMode, FargateFanOut } from '../src';
import { inlineMaxItems } from '../src/history-budget';
import { batchBytesWithinOverrides, resolveItemBatching } from '../src/item-batching';
import { allStates, newStack, synthFanOut, withImage } from './util/synth';

describe('itemBatching', () => {
  const { definition, fanOut } = synthFanOut(withImage({ itemBatching: { maxItems: 25 } }));
  const map = definition.States.RunItemsDistributed;
  const task = allStates(definition).RunItemTaskInChild;

  test('AUTO builds a Distributed Map and says why', () => {
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(fanOut.modeReason).toMatch(/itemBatching only works with a Distributed Map/);
  });

  test('the ItemBatcher holds up to maxItems and, by default, the most bytes that fit the container overrides', () => {
    const limit = batchBytesWithinOverrides('Task');
    expect(map.ItemBatcher).toEqual({ MaxItemsPerBatch: 25, MaxInputBytesPerBatch: limit });
    expect(fanOut.maxItemsPerBatch).toBe(25);
    expect(fanOut.maxInputBytesPerBatch).toBe(limit);
  });

  test('a batch reaches the container as a JSON array in FANOUT_ITEMS; items are batched as they are', () => {
    expect(map.ItemSelector).toBeUndefined();
    expect(task.Parameters.Overrides.ContainerOverrides).toEqual([
      { Name: 'Task', Environment: [{ 'Name': 'FANOUT_ITEMS', 'Value.$': 'States.JsonToString($.Items)' }] },
    ]);
    expect(fanOut.describe()).toMatch(/up to 25 items \(\d+ bytes\) as a JSON array in FANOUT_ITEMS/);
  });
});

describe('batchBytesWithinOverrides', () => {
  test('a batch at the limit made only of characters that JSON escapes still fits 8,192 characters of overrides', () => {
    const limit = batchBytesWithinOverrides('Task');
    // The worst case: every character of the batch's JSON text is a quote or a backslash.
    const batchText = '"'.repeat(limit);
    const overrides = JSON.stringify({ containerOverrides: [{ name: 'Task', environment: [{ name: 'FANOUT_ITEMS', value: batchText }] }] });
    expect(overrides.length).toBeLessThanOrEqual(8192);
    const oneMore = JSON.stringify({ containerOverrides: [{ name: 'Task', environment: [{ name: 'FANOUT_ITEMS', value: '"'.repeat(limit + 1) }] }] });
    expect(oneMore.length).toBeGreaterThan(8192);
  });

  test('a longer container name leaves less room', () => {
    expect(batchBytesWithinOverrides('a-much-longer-container-name')).toBeLessThan(batchBytesWithinOverrides('Task'));
  });

  test('resolveItemBatching names the prop and the range', () => {
    const limit = batchBytesWithinOverrides('Task');
    expect(() => resolveItemBatching({ maxItems: 10, maxInputBytes: limit + 1 }, 'Task'))
      .toThrow(`itemBatching.maxInputBytes must be a whole number from 1 to ${limit}, got ${limit + 1}`);
    expect(() => resolveItemBatching({ maxItems: 0 }, 'Task')).toThrow('itemBatching.maxItems must be a whole number from 1 to 10000, got 0');
    expect(resolveItemBatching({ maxItems: 5, maxInputBytes: 1000 }, 'Task')).toEqual({ maxItems: 5, maxInputBytes: 1000, maxInputBytesLimit: limit });
  });
});

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
    const template = synthTemplate(stack);
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      Cluster: { Ref: stack.getLogicalId(cluster.node.defaultChild as ecs.CfnCluster) },
      CapacityProviders: Match.arrayWith(['FARGATE_SPOT']),
    });
    Annotations.fromStack(stack).hasWarning('/TestStack/FanOutOnImported', Match.stringLikeRegexp('FARGATE_SPOT capacity provider.*must be associated with the cluster'));
  });
});

describe('tolerated failures', () => {
  test('none set: every item runs (100% tolerated by the Map), and any failure fails the execution at the end', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    expect(definition.States.RunItemsDistributed.ToleratedFailurePercentage).toBe(100);
    expect(definition.States.RunItemsDistributed.Catch).toBeUndefined();
    expect(definition.States.TooManyItemsFailed.Choices).toEqual([{ Variable: '$.failedCount', NumericGreaterThan: 0, Next: 'ItemsFailed' }]);
  });

  test('toleratedFailureCount: the Map Run stops beyond it, and the execution succeeds within it', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME, toleratedFailureCount: 7 }));
    const map = definition.States.RunItemsDistributed;
    expect(map.ToleratedFailureCount).toBe(7);
    expect(map.ToleratedFailurePercentage).toBeUndefined();
    expect(map.Catch).toEqual([{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], ResultPath: '$.mapError', Next: 'SummarizeThresholdExceeded' }]);
    expect(definition.States.SummarizeThresholdExceeded.Next).toBe('ItemsFailed');
    expect(definition.States.SummarizeThresholdExceeded.Parameters['message.$']).toMatch(/^States.Format\('More items failed than tolerated \(toleratedFailureCount 7\)/);
    // The inline Map cannot stop early; the same threshold applies at the end.
    expect(definition.States.TooManyItemsFailed.Choices).toEqual([{ Variable: '$.failedCount', NumericGreaterThan: 7, Next: 'ItemsFailed' }]);
  });

  test('toleratedFailurePercentage: AUTO builds a Distributed Map that enforces it; a Map Run that ends succeeds', () => {
    const { definition, fanOut } = synthFanOut(withImage({ toleratedFailurePercentage: 3 }));
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(definition.States.RunItemsDistributed.ToleratedFailurePercentage).toBe(3);
    expect(definition.States.SummarizeMapRun.Next).toBe('AllItemsSucceeded');
    expect(definition.States.TooManyItemsFailed).toBeUndefined();
    expect(fanOut.describe()).toContain('tolerated failures: 3%');
  });
});

describe('grantRedrive', () => {
  test('grants states:RedriveExecution on this state machine\'s executions only', () => {
    const stack = newStack();
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ mode: FanOutMode.INLINE }));
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    fanOut.grantRedrive(operator);
    const template = synthTemplate(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(operator.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: {
        Statement: [{
          Action: 'states:RedriveExecution',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:us-east-1:111111111111:execution:', { 'Fn::GetAtt': [Match.anyValue(), 'Name'] }, ':*']],
          },
        }],
      },
    });
  });

  test('the state machine role can redrive its own Map Runs (aws-cdk-lib grants it with a Distributed Map)', () => {
    const { template } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions).toEqual(expect.arrayContaining(['states:RedriveExecution', 'states:StartExecution', 'states:DescribeExecution']));
  });
});

function synthTemplate(stack: import('aws-cdk-lib').Stack) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Template } = require('aws-cdk-lib/assertions');
  return Template.fromStack(stack);
}

describe('integrationPattern CALLBACK', () => {
  const { definition, template, fanOut, stack } = synthFanOut(withImage({
    mode: FanOutMode.RUN_TIME, integrationPattern: FanOutIntegrationPattern.CALLBACK,
  }));
  const states = allStates(definition);

  test('the task waits for a token it hands to the container, with a 10-minute heartbeat', () => {
    const task = states.RunItemTaskInChild;
    expect(task.Resource).toBe('arn:aws:states:::ecs:runTask.waitForTaskToken');
    expect(task.HeartbeatSeconds).toBe(600);
    expect(task.TimeoutSeconds).toBe(86_400);
    expect(task.Parameters.Overrides.ContainerOverrides[0].Environment).toEqual([
      { 'Name': 'FANOUT_ITEM', 'Value.$': 'States.JsonToString($.item)' },
      { 'Name': 'FANOUT_TASK_TOKEN', 'Value.$': '$$.Task.Token' },
    ]);
    expect(task.ResultSelector).toEqual({ 'result.$': '$' });
    expect(fanOut.describe()).toMatch(/callback: the container gets a task token in FANOUT_TASK_TOKEN and must send a heartbeat or its result within 10 minutes/);
  });

  test('each task is named with a unique startedBy id first, so that a timed-out task can be found', () => {
    expect(states.NameItemTaskInChild).toEqual(expect.objectContaining({
      Type: 'Pass', Parameters: { 'startedBy.$': 'States.UUID()' }, ResultPath: '$.callback', Next: 'RunItemTaskInChild',
    }));
    expect(states.RunItemTaskInChild.Parameters['StartedBy.$']).toBe('$.callback.startedBy');
  });

  test('a heartbeat timeout or timeout finds the task by its id and stops it, then fails the item', () => {
    expect(states.RunItemTaskInChild.Catch).toEqual([
      { ErrorEquals: ['States.HeartbeatTimeout', 'States.Timeout'], ResultPath: '$.failure', Next: 'FindTimedOutTaskInChild' },
    ]);
    expect(states.FindTimedOutTaskInChild).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:ecs:listTasks',
      Parameters: { 'StartedBy.$': '$.callback.startedBy' },
      ResultSelector: { 'taskArns.$': '$.TaskArns' },
      Next: 'IsTimedOutTaskRunningInChild',
    });
    expect(states.IsTimedOutTaskRunningInChild.Choices).toEqual([{ Variable: '$.timedOut.taskArns[0]', IsPresent: true, Next: 'StopTimedOutTaskInChild' }]);
    expect(states.StopTimedOutTaskInChild).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:ecs:stopTask',
      Parameters: { 'Task.$': '$.timedOut.taskArns[0]' },
      ResultPath: null,
      Next: 'ItemFailedInChild',
    });
    // Inline: the same path ends in the failure record.
    expect(states.StopTimedOutTask.Next).toBe('DescribeItemFailure');
    expect(states.RunItemTask.Catch.map((c: any) => c.Next)).toEqual(['FindTimedOutTask', 'DescribeItemFailure']);
  });

  test('the task role may send success, failure and heartbeats to this state machine only', () => {
    const taskRole = stack.getLogicalId(fanOut.taskDefinition.taskRole.node.defaultChild as iam.CfnRole);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const taskRolePolicy = policies.find((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: taskRole }]));
    expect(taskRolePolicy.Properties.PolicyDocument.Statement).toEqual([{
      Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      Effect: 'Allow',
      Resource: { Ref: stack.getLogicalId(fanOut.stateMachine.node.defaultChild as sfn.CfnStateMachine) },
    }]);
  });

  test('the state machine may list tasks and stop the cluster\'s tasks', () => {
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      { Action: 'ecs:ListTasks', Effect: 'Allow', Resource: '*' },
      {
        Action: 'ecs:StopTask',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:us-east-1:111111111111:task/', { Ref: expect.stringMatching(/^FanOutCluster/) }, '/*']] },
      },
    ]));
  });

  test('an item may use the callback states too, so fewer items surely fit the inline history', () => {
    const threshold = inlineMaxItems({ refusedAttempts: 30, rerunAttempts: 0, callback: true });
    expect(definition.States.ChooseMap.Choices[0].NumericLessThanEquals).toBe(threshold);
    expect(definition.States.ChooseMap.Choices[0].NumericLessThanEquals).toBeLessThan(215);
  });

  test('with batching, the byte limit leaves room for a 2,048-character token', () => {
    const batched = synthFanOut(withImage({ integrationPattern: FanOutIntegrationPattern.CALLBACK, itemBatching: { maxItems: 10 } }));
    expect(batched.fanOut.maxInputBytesPerBatch).toBe(batchBytesWithinOverrides('Task', true));
    expect(batchBytesWithinOverrides('Task', true)).toBe(Math.floor((2 * batchBytesWithinOverrides('Task') - 2048 - JSON.stringify({ name: 'FANOUT_TASK_TOKEN', value: '' }).length - 1) / 2));
  });
});
