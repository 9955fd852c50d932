import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutCapacity, FanOutIntegrationPattern, FanOutMode } from '../../src';
import { batchBytesWithinOverrides, callbackEnvironmentSizes } from '../../src/items/private/batch-limits';
import { DEFAULT_THROTTLE_RETRY, sdkErrorNames } from '../../src/retries/private/throttle-retry';
import { inlineMaxItems, itemRetryAttempts } from '../../src/workflow/history-budget';
import { CALLBACK_NOT_RUNNING_RERUNS } from '../../src/workflow/item/callback-runner';
import { allStates, synthFanOut, withImage } from '../util/synth';

describe('integrationPattern CALLBACK', () => {
  const { definition, template, fanOut, stack } = synthFanOut(withImage({
    mode: FanOutMode.RUN_TIME, integrationPattern: FanOutIntegrationPattern.CALLBACK,
  }));
  const states = allStates(definition);

  test('the task waits for a token it hands to the container, with a 10-minute heartbeat', () => {
    const task = states.RunItemTaskInChild;
    // The SDK integration: the optimized one does not take StartedBy (see the field-list test).
    expect(task.Resource).toBe('arn:aws:states:::aws-sdk:ecs:runTask.waitForTaskToken');
    expect(task.HeartbeatSeconds).toBe(600);
    expect(task.TimeoutSeconds).toBe(86_400);
    // The worker runtime heartbeats every third of the timeout, and writes results too large for
    // Step Functions under the result prefix.
    expect(task.Parameters.Overrides.ContainerOverrides[0].Environment).toEqual([
      { 'Name': 'FANOUT_ITEM', 'Value.$': 'States.JsonToString($.item)' },
      { 'Name': 'FANOUT_TASK_TOKEN', 'Value.$': '$$.Task.Token' },
      { Name: 'FANOUT_HEARTBEAT_SECONDS', Value: '200' },
      { Name: 'FANOUT_RESULT_S3_PREFIX', Value: expect.stringMatching(/^s3:\/\/.+\/fan-out-results\/callback-results\/$/) },
    ]);
    expect(task.ResultSelector).toEqual({ 'result.$': '$' });
    expect(fanOut.describe()).toMatch(/callback: the container gets a task token in FANOUT_TASK_TOKEN and must send a heartbeat or its result within 10 minutes/);
  });

  test('each task is named with a unique startedBy id first, so that a timed-out task can be found', () => {
    expect(states.NameItemTaskInChild).toEqual(expect.objectContaining({
      Type: 'Pass', Parameters: { 'startedBy.$': 'States.UUID()', 'reruns': 0 }, ResultPath: '$.callback', Next: 'RunItemTaskInChild',
    }));
    expect(states.RunItemTaskInChild.Parameters['StartedBy.$']).toBe('$.callback.startedBy');
  });

  test('a heartbeat timeout or timeout finds the task by its id and stops it, then fails the item', () => {
    expect(states.RunItemTaskInChild.Catch).toEqual([
      { ErrorEquals: ['States.HeartbeatTimeout', 'States.Timeout'], ResultPath: '$.failure', Next: 'FindTimedOutTaskInChild' },
      { ErrorEquals: ['Ecs.InvalidParameterException'], ResultPath: '$.failure', Next: 'IsItemTooLargeInChild' },
    ]);
    expect(states.FindTimedOutTaskInChild).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:ecs:listTasks',
      Parameters: { 'StartedBy.$': '$.callback.startedBy' },
      ResultSelector: { 'taskArns.$': '$.TaskArns' },
      Next: 'IsTimedOutTaskRunningInChild',
    });
    expect(states.IsTimedOutTaskRunningInChild.Choices).toEqual([
      { Variable: '$.timedOut.taskArns[0]', IsPresent: true, Next: 'StopTimedOutTaskInChild' },
      { Variable: '$.callback.reruns', NumericLessThan: CALLBACK_NOT_RUNNING_RERUNS, Next: 'RenameItemTaskInChild' },
    ]);
    expect(states.IsTimedOutTaskRunningInChild.Default).toBe('ItemFailedInChild');
    expect(states.StopTimedOutTaskInChild).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:ecs:stopTask',
      Parameters: { 'Task.$': '$.timedOut.taskArns[0]' },
      ResultPath: null,
      Next: 'ItemFailedInChild',
    });
    // Inline: the same path ends in the failure record.
    expect(states.StopTimedOutTask.Next).toBe('DescribeItemFailure');
    expect(states.RunItemTask.Catch.map((c: any) => c.Next)).toEqual(['FindTimedOutTask', 'IsItemTooLarge', 'DescribeItemFailure']);
  });

  test('the task role may send success, failure and heartbeats to this state machine and its children only, and write large results under the result prefix only', () => {
    const taskRole = stack.getLogicalId(fanOut.taskDefinition.taskRole.node.defaultChild as iam.CfnRole);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const taskRolePolicy = policies.find((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: taskRole }]));
    const stateMachine = stack.getLogicalId(fanOut.stateMachine.node.defaultChild as sfn.CfnStateMachine);
    expect(taskRolePolicy.Properties.PolicyDocument.Statement).toEqual([{
      Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      Effect: 'Allow',
      Resource: { Ref: stateMachine },
    }, {
      // A Distributed Map child runs under stateMachine:NAME/MAPLABEL and owns its tokens.
      Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', [{ Ref: stateMachine }, '/*']] },
    }, {
      Action: 's3:PutObject',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FanOutResults/), 'Arn'] }, '/fan-out-results/callback-results/*']] },
    }, {
      // An item too large for the overrides is read from where the workflow wrote it.
      Action: 's3:GetObject',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FanOutResults/), 'Arn'] }, '/fan-out-results/items/*']] },
    }]);
  });

  test('an item RunTask still refuses after its retries, not for a rate limit, is written to S3 once and its task run again with the reference', () => {
    const tooLarge = states.IsItemTooLargeInChild;
    expect(tooLarge.Choices).toHaveLength(1);
    expect(JSON.stringify(tooLarge.Choices[0])).toContain('"IsPresent":true');
    expect(JSON.stringify(tooLarge.Choices[0])).toContain('$.item.fanOutS3Ref');
    expect(JSON.stringify(tooLarge.Choices[0])).toContain('*Rate exceeded*');
    expect(tooLarge.Choices[0].Next).toBe('SpillItemInChild');
    expect(tooLarge.Default).toBe('ItemFailedInChild');
    expect(states.SpillItemInChild).toMatchObject({ Resource: 'arn:aws:states:::aws-sdk:s3:putObject', Next: 'UseItemReferenceInChild' });
    expect(states.UseItemReferenceInChild).toMatchObject({ ResultPath: '$.item', Next: 'RunItemTaskInChild' });
  });

  test('a worker that reports FanOut.Interrupted (told to stop before it finished) is run again, 3 times at most', () => {
    const retry = states.RunItemTaskInChild.Retry;
    expect(retry.find((r: any) => r.ErrorEquals.includes('FanOut.Interrupted'))).toEqual({
      ErrorEquals: ['FanOut.Interrupted'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL',
    });
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

  test('a task not running after a timeout (never started, or died without calling back) is run again under a new id, twice at most', () => {
    expect(CALLBACK_NOT_RUNNING_RERUNS).toBe(2);
    expect(states.RenameItemTaskInChild).toEqual(expect.objectContaining({
      Type: 'Pass',
      Parameters: { 'startedBy.$': 'States.UUID()', 'reruns.$': 'States.MathAdd($.callback.reruns, 1)' },
      ResultPath: '$.callback',
      Next: 'RunItemTaskInChild',
    }));
  });

  test('refusals are retried under the names the SDK integration gives them; a failures list is no error there', () => {
    const retry = states.RunItemTaskInChild.Retry.map((r: any) => r.ErrorEquals);
    expect(retry).toEqual([
      ['Ecs.EcsException', 'Ecs.ThrottlingException'],
      ['Ecs.InvalidParameterException'],
      ['FanOut.Interrupted'],
    ]);
    expect(JSON.stringify(states.RunItemTaskInChild)).not.toMatch(/AmazonECS|ECS\./);
    expect(sdkErrorNames(['ECS.AmazonECSException', 'AmazonECS.Unknown', 'ECS.InvalidParameterException', 'Custom.Error']))
      .toEqual(['Ecs.EcsException', 'Ecs.ThrottlingException', 'Ecs.InvalidParameterException', 'Custom.Error']);
  });

  test('the state machine may run the task definition and pass its two roles, as the SDK call needs', () => {
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const taskDefinition = stack.getLogicalId(fanOut.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition);
    expect(statements).toEqual(expect.arrayContaining([
      { Action: 'ecs:RunTask', Effect: 'Allow', Resource: { Ref: taskDefinition } },
      {
        Action: 'iam:PassRole',
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': [stack.getLogicalId(fanOut.taskDefinition.taskRole.node.defaultChild as iam.CfnRole), 'Arn'] },
          { 'Fn::GetAtt': [stack.getLogicalId(fanOut.taskDefinition.executionRole!.node.defaultChild as iam.CfnRole), 'Arn'] },
        ],
      },
    ]));
  });

  test('an item may use the callback states and their reruns too, so fewer items surely fit the inline history', () => {
    const attempts = itemRetryAttempts({
      throttleRetry: DEFAULT_THROTTLE_RETRY, capacity: FanOutCapacity.ON_DEMAND, callback: true, spillsItems: true,
    });
    // 3 runs the reruns allow, and one after the item was written to S3 for its size.
    expect(attempts).toMatchObject({ refusedAttempts: 4 * 30, rerunAttempts: 4 * 3, callbackReruns: 2, spills: 1 });
    // An item at worst: its task 8 + its failure record 18 + the callback states 44 + 2 reruns
    // after a task not found running x 32 + the write to S3 of an item too large (26) + 120
    // refused calls x 3 + 12 reruns x 4 = 568 events; (25,000 - 50) / 568 = 43.9, so 43 items.
    // Without the 2 reruns (64 events): 24,950 / 504 = 49.5, so 49.
    expect(definition.States.ChooseMap.Choices[0].NumericLessThanEquals).toBe(43);
    expect(inlineMaxItems(attempts)).toBe(43);
    expect(inlineMaxItems({ ...attempts, callbackReruns: 0 })).toBe(49);
  });

  test('with batching, the byte limit leaves room for a 2,048-character token and the other entries at their longest', () => {
    const batched = synthFanOut(withImage({ integrationPattern: FanOutIntegrationPattern.CALLBACK, itemBatching: { maxItems: 10 } }));
    const sizes = callbackEnvironmentSizes('fan-out-results', 200);
    // FANOUT_RESULT_S3_PREFIX at its longest: 's3://' (5) + a 63-character bucket name +
    // '/fan-out-results/callback-results/' (34) = 102 characters; the heartbeat '200' has 3.
    expect(sizes).toEqual({ heartbeatSecondsChars: 3, resultPrefixChars: 102 });
    // The empty overrides are 91 characters with FANOUT_ITEMS alone (see batching.test.ts);
    // ',{"name":"FANOUT_TASK_TOKEN","value":""}' adds 40 and the token 2,048: 2,179, and
    // floor((8,192 - 2,179) / 2) = 3,006 bytes. ',{"name":"FANOUT_HEARTBEAT_SECONDS","value":"200"}'
    // adds 50 and ',{"name":"FANOUT_RESULT_S3_PREFIX","value":""}' 46 + 102: 2,377 characters,
    // and floor((8,192 - 2,377) / 2) = 2,907 bytes.
    expect(batchBytesWithinOverrides('Task', true)).toBe(3006);
    expect(batchBytesWithinOverrides('Task', true, sizes)).toBe(2907);
    expect(batched.fanOut.maxInputBytesPerBatch).toBe(2907);
  });
});
