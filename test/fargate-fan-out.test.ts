import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FanOutMode, FargateFanOut } from '../src';
import { actionsOf, allStates, expectValidAsl, newStack, stateMachineStatements, synthFanOut, withImage } from './util/synth';

/** Retried natively on every RunTask: rate and capacity errors (ECS.InvalidParameterException has its own quick retrier). */
const THROTTLE_ERRORS = ['ECS.AmazonECSException', 'AmazonECS.Unknown'];

/**
 * The caps decided at synth: the run keeps them when the vCPU quota holds more or cannot be read
 * (QuotaNotRead's cap), and the Maps read the run's cap from MaxConcurrencyPath.
 */
function synthCaps(definition: any): { maxConcurrency: number; inlineMaxConcurrency: number } {
  const states = allStates(definition);
  for (const map of ['RunItemsDistributed', 'RunItemsInline']) {
    if (states[map]) expect(states[map].MaxConcurrencyPath).toMatch(/^\$\.concurrencyCap\./);
  }
  const found = /"maxConcurrency": (\d+), "inlineMaxConcurrency": (\d+)/.exec(definition.States.QuotaNotRead.Output)!;
  return { maxConcurrency: Number(found[1]), inlineMaxConcurrency: Number(found[2]) };
}
const INVALID_PARAMETER_RETRY = { ErrorEquals: ['ECS.InvalidParameterException'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' };

describe('the per-item task', () => {
  const { definition, template } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
  const task = allStates(definition).RunItemTask;

  test('runs the task definition on Fargate with .sync and waits for it', () => {
    expect(task.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(task.Parameters.LaunchType).toBe('FARGATE');
    expect(task.Parameters.PlatformVersion).toBe('LATEST');
    expect(task.TimeoutSeconds).toBe(24 * 60 * 60);
  });

  test('passes the item to the container as FANOUT_ITEM, a JSON string', () => {
    expect(task.Parameters.Overrides.ContainerOverrides).toEqual([
      { Name: 'Task', Environment: [{ 'Name': 'FANOUT_ITEM', 'Value.$': 'States.JsonToString($.item)' }] },
    ]);
  });

  test('each iteration gets its item, its index, and its attempt counters', () => {
    expect(definition.States.RunItemsInline.ItemSelector).toEqual({
      'index.$': '$$.Map.Item.Index',
      'item.$': '$$.Map.Item.Value',
      'retry': { attempts: 0, delay: 0, earlier: {}, Start: 0 },
      // Every field an item's record reads, left out (`[]`) until a task stops (issue 27).
      'stop': { task: { StopCode: [], StoppedReason: [], StartedAt: [], StoppedAt: [] }, ExitCode: [], capacity: [], cpu: [], memory: [] },
    });
  });

  test('keeps the ECS task description beside the item while its stop is read, and none of it in the Map\'s result: the task ends the item (issue 23)', () => {
    expect(task.ResultSelector).toEqual({ 'task.$': '$', 'capacity': 'FARGATE', 'cpu': '256', 'memory': '512', 'summary': {} });
    expect(task.ResultPath).toBe('$.stop');
    // One transition per item that succeeds: the task state outputs the item's summary and ends.
    expect(task.OutputPath).toBe('$.stop.summary');
    expect(task.End).toBe(true);
    expect(task.Next).toBeUndefined();
    expect(allStates(definition).ItemSucceeded).toBeUndefined();
  });

  test('retries throttling and capacity errors with capped, fully jittered backoff, and ECS.InvalidParameterException a few times quickly', () => {
    expect(task.Retry).toEqual([{
      ErrorEquals: THROTTLE_ERRORS,
      IntervalSeconds: 2,
      MaxAttempts: 30,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    }, INVALID_PARAMETER_RETRY]);
  });

  test('writes a failed item\'s record (item, error, cause) to S3, and keeps its index and error in the result', () => {
    const states = allStates(definition);
    expect(task.Catch.map((c: any) => c.Next)).toEqual(['IsRateLimited', 'DescribeItemFailure', 'IsStopDescribed', 'DescribeItemFailure']);
    expect(states.DescribeItemFailure.Parameters).toMatchObject({
      'index.$': '$.index',
      'item.$': '$.item',
      'error.$': '$.failure.Error',
      'cause.$': '$.failure.Cause',
      'record': { 'outcome': 'FAILED', 'attempts.$': 'States.MathAdd($.retry.attempts, 1)', 'exitCode.$': '$.stop..ExitCode' },
    });
    expect(states.WriteItemFailure).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
      Parameters: {
        'Key.$': "States.Format('fan-out-results/inline/{}/failed-{}.json', $$.Execution.Name, $.index)",
        'Body.$': 'States.JsonToString($)',
        'ContentType': 'application/json',
      },
      ResultPath: null,
      Next: 'RecordItemFailure',
    });
    // A record that cannot be written still leaves the index and error.
    expect(states.WriteItemFailure.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.writeFailure', Next: 'RecordItemFailure' }]);
    expect(states.RecordItemFailure.Parameters).toEqual({ 'index.$': '$.index', 'error.$': '$.error' });
    expect(definition.States.Summarize.Parameters['failuresWrittenTo.$']).toMatch(/^States.Format\('s3:\/\/.+\/fan-out-results\/inline\/\{\}\/', \$\$.Execution.Name\)$/);
  });

  test('runs in private subnets without a public IP', () => {
    const vpcConfig = task.Parameters.NetworkConfiguration.AwsvpcConfiguration;
    expect(vpcConfig.AssignPublicIp).toBeUndefined();
    expect(vpcConfig.Subnets).toHaveLength(2);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  });

  test('the task definition is a Fargate task of 256 CPU units and 512 MiB with logs kept a month', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '256',
      Memory: '512',
      ContainerDefinitions: [Match.objectLike({ Name: 'Task', Essential: true, LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }) })],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the definition is valid ASL', () => {
    expectValidAsl(definition);
  });
});

describe('the summary', () => {
  const { definition } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));

  test('the Map keeps its results, their count and their text; the failed items are listed only where the text shows one (issue 27)', () => {
    expect(definition.States.RunItemsInline.ResultSelector).toEqual({
      'itemCount.$': 'States.ArrayLength($)',
      'outputs.$': '$',
      'outputsText.$': 'States.JsonToString($)',
      'failedItems': { list: [], count: 0 },
    });
    expect(definition.States.RunItemsInline.Next).toBe('AnyItemFailed');
    expect(definition.States.AnyItemFailed).toMatchObject({
      Choices: [{ Variable: '$.outputsText', StringMatches: '*"error"*', Next: 'ListFailedItems' }],
      Default: 'Summarize',
    });
    expect(definition.States.ListFailedItems).toMatchObject({
      Parameters: { 'list.$': '$.outputs[?(@.error)]', 'count.$': 'States.ArrayLength($.outputs[?(@.error)])' },
      ResultPath: '$.failedItems',
      Next: 'Summarize',
    });
  });

  test('the execution fails with FanOut.ItemsFailed when any item failed, and succeeds otherwise', () => {
    expect(definition.States.Summarize.Parameters['failedCount.$']).toBe('$.failedItems.count');
    expect(definition.States.TooManyItemsFailed.Choices).toEqual([{ Variable: '$.failedCount', NumericGreaterThan: 0, Next: 'ItemsFailed' }]);
    expect(definition.States.TooManyItemsFailed.Default).toBe('AllItemsSucceeded');
    expect(definition.States.ItemsFailed.Error).toBe('FanOut.ItemsFailed');
    expect(definition.States.Summarize.Parameters['message.$']).toBe("States.Format('{} of {} items failed', $.failedItems.count, $.itemCount)");
    expect(definition.States.ItemsFailed.CausePath).toBe('$.message');
  });
});

describe('modes', () => {
  test('INLINE builds one inline Map and no child executions', () => {
    const { definition, fanOut, template } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    expect(fanOut.mode).toBe(FanOutMode.INLINE);
    // The vCPU quota read comes first (see features/vcpu-quota.test.ts), then the Map.
    expect(definition.StartAt).toBe('ReadVcpuQuota');
    expect(definition.States.ReadVcpuQuota.Next).toBe('RunItemsInline');
    expect(definition.States.RunItemsInline.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    expect(definition.States.RunItemsDistributed).toBeUndefined();
    expect(actionsOf(stateMachineStatements(template))).not.toContain('states:StartExecution');
  });

  test('DISTRIBUTED builds a Distributed Map with STANDARD children', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    const map = definition.States.RunItemsDistributed;
    expect(definition.StartAt).toBe('ReadVcpuQuota');
    expect(definition.States.ReadVcpuQuota.Next).toBe('RunItemsDistributed');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.Label).toBe('FanOut');
    expect(map.ItemsPath).toBe('$.items');
    expect(map.ItemProcessor.States.RunItemTaskInChild.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expectValidAsl(definition);
  });

  test('AUTO with a small expected count builds an inline Map and says why', () => {
    const { fanOut } = synthFanOut(withImage({ expectedItemCount: 45 }));
    expect(fanOut.mode).toBe(FanOutMode.INLINE);
    expect(fanOut.modeReason).toMatch(/45 expected items fit/);
  });

  test('AUTO with a large expected count builds a Distributed Map', () => {
    const { fanOut } = synthFanOut(withImage({ expectedItemCount: 50_000 }));
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
  });

  test('AUTO with maxConcurrency above 40 builds a Distributed Map', () => {
    const { fanOut, definition } = synthFanOut(withImage({ expectedItemCount: 100, maxConcurrency: 200 }));
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(synthCaps(definition).maxConcurrency).toBe(200);
  });

  test('AUTO without a count decides at run time by the array length', () => {
    const { definition, fanOut } = synthFanOut(withImage());
    expect(fanOut.mode).toBe(FanOutMode.RUN_TIME);
    expect(definition.StartAt).toBe('ReadVcpuQuota');
    expect(definition.States.ReadVcpuQuota.Next).toBe('CountItems');
    expect(definition.States.CountItems).toEqual(expect.objectContaining({
      Type: 'Pass',
      Parameters: { 'itemCount.$': 'States.ArrayLength($.items)' },
      ResultPath: '$.fanOut',
      Next: 'ChooseMap',
    }));
    expect(definition.States.ChooseMap.Choices).toEqual([{ Variable: '$.fanOut.itemCount', NumericLessThanEquals: 50, Next: 'RunItemsInline' }]);
    expect(definition.States.ChooseMap.Default).toBe('RunItemsDistributed');
    expect(definition.States.RunItemsInline.Next).toBe('AnyItemFailed');
    expect(definition.States.RunItemsDistributed.Next).toBe('DescribeMapRun');
    expect(definition.States.SummarizeMapRun.Next).toBe('TooManyItemsFailed');
    expect(definition.States.RunItemsDistributed.ItemProcessor.ProcessorConfig.ExecutionType).toBe('STANDARD');
    expectValidAsl(definition);
  });

  test('RUN_TIME builds one security group for both Maps', () => {
    const { template } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME }));
    // The tasks' group, and the Logs endpoint's (a public-registry image grants no ECR pulls).
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1 + 1);
  });
});

describe('the Distributed Map writes its results to S3 and counts them with DescribeMapRun', () => {
  const { definition, template, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
  const map = definition.States.RunItemsDistributed;

  test('children fail on a failed item (with its record as the cause), and the Map Run tolerates and counts them', () => {
    expect(map.ToleratedFailurePercentage).toBe(100);
    const states = map.ItemProcessor.States;
    expect(states.RunItemTaskInChild.Catch.map((c: any) => c.Next)).toEqual(['IsRateLimitedInChild', 'DescribeItemFailureInChild', 'IsStopDescribedInChild', 'DescribeItemFailureInChild']);
    // The task state shapes the record of an item that succeeded and ends the child (issue 23):
    // its last task's fields under retry.last, and the retry state (attempts, earlier tasks) output.
    expect(states.RunItemTaskInChild).toMatchObject({
      End: true,
      ResultSelector: {
        'outcome': 'SUCCEEDED',
        'capacity': 'FARGATE',
        'cpu': '256',
        'memory': '512',
        'stopCode.$': '$.StopCode',
        'stoppedReason.$': '$.StoppedReason',
        'exitCode.$': '$..ExitCode',
        'startedAt.$': '$.StartedAt',
        'stoppedAt.$': '$.StoppedAt',
      },
      ResultPath: '$.retry.last',
      OutputPath: '$.retry',
    });
    expect(states.ItemSucceededInChild).toBeUndefined();
    expect(states.ItemFailedInChild).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
    expect(map.ResultSelector).toBeUndefined();
  });

  test('results, failures included, go to a private, encrypted, SSL-only bucket that expires them', () => {
    expect(map.ResultWriter).toEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: expect.stringMatching(/^FanOutResults/), Prefix: 'fan-out-results' },
    });
    expect(fanOut.resultBucket).toBeDefined();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('DescribeMapRun counts total and failed (failed + timed out + aborted) items', () => {
    expect(definition.States.DescribeMapRun).toEqual(expect.objectContaining({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:sfn:describeMapRun',
      Parameters: { 'MapRunArn.$': '$.MapRunArn' },
      ResultSelector: {
        'total.$': '$.ItemCounts.Total',
        'failed.$': 'States.MathAdd(States.MathAdd($.ItemCounts.Failed, $.ItemCounts.TimedOut), $.ItemCounts.Aborted)',
      },
      ResultPath: '$.counts',
      Next: 'SummarizeMapRun',
    }));
    expect(definition.States.SummarizeMapRun.Parameters).toEqual(expect.objectContaining({
      'itemCount.$': '$.counts.total', 'failedCount.$': '$.counts.failed', 'results.$': '$.ResultWriterDetails',
    }));
    expect(definition.States.Summarize).toBeUndefined();
  });

  test('the state machine may describe only its own Map Runs, and write only to its result bucket', () => {
    const statements = stateMachineStatements(template);
    const describe = statements.find((s) => s.Action === 'states:DescribeMapRun');
    const name = (Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as any).Properties.StateMachineName;
    expect(name).toMatch(/^TestStack-FanOut/);
    expect(JSON.stringify(describe.Resource)).toContain(`:mapRun:${name}/FanOut:*`);
    const writes = statements.find((s) => Array.isArray(s.Action) && s.Action.includes('s3:PutObject'));
    expect(JSON.stringify(writes.Resource)).toContain('FanOutResults');
  });

  test('a given result bucket and prefix are used, and no bucket is created', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Mine');
    const synthesized = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, resultBucket: bucket, resultPrefix: 'runs/' }), stack);
    expect(synthesized.definition.States.RunItemsDistributed.ResultWriter.Parameters).toEqual({ Bucket: expect.stringMatching(/^Mine/), Prefix: 'runs/' });
    synthesized.template.resourceCountIs('AWS::S3::Bucket', 1);
  });

  test('an inline-only fan-out has the result bucket too, for its failure records and items too large for the overrides; the role may write only under their prefixes', () => {
    const inline = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    expect(inline.fanOut.resultBucket).toBeDefined();
    inline.template.resourceCountIs('AWS::S3::Bucket', 1);
    const puts = stateMachineStatements(inline.template).filter((s) => s.Action === 's3:PutObject');
    expect(puts.map((put) => put.Resource)).toEqual(['items', 'inline'].map((folder) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FanOutResults/), 'Arn'] }, `/fan-out-results/${folder}/*`]],
    })));
  });
});

describe('concurrency caps', () => {
  test('maxConcurrency becomes the Distributed Map MaxConcurrency', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 750 }));
    expect(synthCaps(definition).maxConcurrency).toBe(750);
    expect(fanOut.maxConcurrency).toBe(750);
  });

  test('maxVcpus becomes floor(maxVcpus / task vCPU)', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, cpu: 2048, memoryLimitMiB: 4096, maxVcpus: 50 }));
    expect(definition.States.RunItemsDistributed.MaxConcurrency).toBe(25);
    expect(fanOut.maxConcurrencyReason).toMatch(/maxVcpus 50 holds 25 tasks of 2 vCPU/);
  });

  test('the default Distributed cap is 100 and the inline cap 40', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME }));
    expect(synthCaps(definition)).toEqual({ maxConcurrency: 100, inlineMaxConcurrency: 40 });
  });

  test('an inline cap below 40 is used as is', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.INLINE, maxConcurrency: 7 }));
    expect(synthCaps(definition).inlineMaxConcurrency).toBe(7);
  });
});

describe('retry options', () => {
  test('throttleRetry overrides are rendered', () => {
    const { definition } = synthFanOut(withImage({
      mode: FanOutMode.INLINE,
      throttleRetry: { maxAttempts: 50, interval: Duration.seconds(5), backoffRate: 1.5, maxDelay: Duration.minutes(2), jitter: false },
      startFailureRetry: { maxAttempts: 0 },
    }));
    expect(allStates(definition).RunItemTask.Retry[0]).toEqual({
      ErrorEquals: THROTTLE_ERRORS, IntervalSeconds: 5, MaxAttempts: 50, BackoffRate: 1.5, MaxDelaySeconds: 120, JitterStrategy: 'NONE',
    });
  });

  test('Distributed Map children wait 1,440 retries for rate and capacity errors, 3 quick ones for InvalidParameterException', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    expect(allStates(definition).RunItemTaskInChild.Retry).toEqual([
      { ErrorEquals: ['ECS.AmazonECSException', 'AmazonECS.Unknown'], IntervalSeconds: 2, MaxAttempts: 1440, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
      INVALID_PARAMETER_RETRY,
    ]);
    expect(fanOut.distributedThrottleRetryPolicy?.maxAttempts).toBe(1440);
    expect(fanOut.describe()).toMatch(/throttle retry in Distributed Map children: ECS.AmazonECSException, AmazonECS.Unknown: up to 1440 retries/);
  });

  test('RUN_TIME: the inline task retries rate and capacity errors 30 times, the child task 1,440 times', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME }));
    expect(allStates(definition).RunItemTask.Retry.map((r: any) => r.ErrorEquals)).toEqual([THROTTLE_ERRORS, ['ECS.InvalidParameterException']]);
    expect(allStates(definition).RunItemTaskInChild.Retry.map((r: any) => r.MaxAttempts)).toEqual([1440, 3]);
  });

  test('distributedThrottleRetry overrides are rendered in the children only', () => {
    const distributedThrottleRetry = { maxAttempts: 100, maxDelay: Duration.minutes(5) };
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME, distributedThrottleRetry }));
    expect(allStates(definition).RunItemTaskInChild.Retry[0]).toMatchObject({ MaxAttempts: 100, MaxDelaySeconds: 300 });
    expect(allStates(definition).RunItemTask.Retry[0]).toMatchObject({ MaxAttempts: 30, MaxDelaySeconds: 60 });
  });

  test('a longer throttleRetry lowers the run-time inline threshold to what surely fits the history', () => {
    const { definition } = synthFanOut(withImage({ throttleRetry: { maxAttempts: 60 } }));
    // 8 + 18 + 6 + 4 runs x (60 + 3) x 3 + 2 reruns x 18 + 26 for writing the item to S3 = 850 events per item at worst; (25,000 - 50) / 850 = 29.
    expect(definition.States.ChooseMap.Choices[0].NumericLessThanEquals).toBe(29);
  });

  test('taskRetry is the last stop rule (run job): a retry loop after the others, not a native retrier, which would retry every error', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, taskRetry: { maxAttempts: 1 } }));
    const states = allStates(definition);
    expect(states.RunItemTaskInChild.Retry.flatMap((r: any) => r.ErrorEquals)).not.toContain('States.TaskFailed');
    const rules = states.ApplyStopRulesInChild.Choices;
    expect(rules[rules.length - 1]).toEqual({ Variable: '$.retry.Any', NumericLessThan: 1, Next: 'RetryAnyInChild' });
    expect(fanOut.taskRetryPolicy?.maxAttempts).toBe(1);
  });
});

describe('IAM of the state machine', () => {
  test('inline: RunTask on the task definition, PassRole on its two roles, the .sync EventBridge rule, Stop/Describe', () => {
    const { template } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    const statements = stateMachineStatements(template);
    expect(actionsOf(statements)).toEqual([
      'ecs:DescribeTasks', 'ecs:RunTask', 'ecs:StopTask',
      'events:DescribeRule', 'events:PutRule', 'events:PutTargets',
      'iam:PassRole',
      // Step Functions log delivery and X-Ray tracing (see operations.test.ts).
      'logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
      // Failure records (see above).
      's3:PutObject', 's3:PutObject',
      // The account's vCPU quota, read at the start of each run (see features/vcpu-quota.test.ts).
      'servicequotas:GetServiceQuota',
      'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    const passRole = statements.find((s) => s.Action === 'iam:PassRole');
    expect(passRole.Resource).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^FanOutTaskDefinitionTaskRole/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^FanOutTaskDefinitionExecutionRole/), 'Arn'] },
    ]);
    const events = statements.find((s) => Array.isArray(s.Action) && s.Action.includes('events:PutRule'));
    expect(JSON.stringify(events.Resource)).toContain('rule/StepFunctionsGetEventsForECSTaskRule');
    const runTask = statements.find((s) => s.Action === 'ecs:RunTask');
    expect(runTask.Resource).not.toBe('*');
  });

  test('distributed: the parent may start, describe, stop and redrive its own child executions', () => {
    const { template } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    const actions = actionsOf(stateMachineStatements(template));
    expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution']));
    const start = stateMachineStatements(template).find((s) => s.Action === 'states:StartExecution');
    expect(start.Resource).toEqual({ Ref: expect.stringMatching(/^FanOutStateMachine/) });
  });

  test('grantStartExecution lets a principal start runs of this state machine only', () => {
    const stack = newStack();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage());
    fanOut.grantStartExecution(caller);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^FanOutStateMachine') } }] },
    });
  });
});

describe('networking and cluster', () => {
  test('without a VPC, builds one with isolated subnets, no NAT, and endpoints for ECR, ECR Docker, Logs and S3', () => {
    const stack = newStack();
    const { template, fanOut } = synthFanOut({ image: ecs.ContainerImage.fromEcrRepository(new ecr.Repository(stack, 'Repo')) }, stack);
    expect(fanOut.vpc).toBeDefined();
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e: any) => JSON.stringify(e.Properties.ServiceName));
    expect(services.some((s) => s.includes('.ecr.api'))).toBe(true);
    expect(services.some((s) => s.includes('.ecr.dkr'))).toBe(true);
    expect(services.some((s) => s.includes('.logs'))).toBe(true);
    expect(services.some((s) => s.includes('.s3'))).toBe(true);
    // Endpoints admit HTTPS from the task security group only, not the whole VPC.
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'));
    expect(ingress).toHaveLength(3);
    for (const rule of ingress as any[]) {
      expect(rule.Properties.FromPort).toBe(443);
      expect(rule.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).toMatch(/^FanOutTaskSecurityGroup/);
    }
  });

  test('warns when a public-registry image meets the VPC without internet', () => {
    const { stack } = synthFanOut(withImage());
    Annotations.fromStack(stack).hasWarning('/TestStack/FanOut', Match.stringLikeRegexp('no internet route'));
  });

  test('uses a given VPC and its private subnets with egress', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const { definition, fanOut, template } = synthFanOut(withImage({ vpc, mode: FanOutMode.INLINE }), stack);
    expect(fanOut.vpc).toBeUndefined();
    template.resourceCountIs('AWS::EC2::VPC', 1);
    const subnets = allStates(definition).RunItemTask.Parameters.NetworkConfiguration.AwsvpcConfiguration.Subnets;
    expect(subnets.every((s: string) => s.includes('PrivateSubnet'))).toBe(true);
  });

  test('assignPublicIp puts tasks in public subnets with a public IP', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
    const { definition } = synthFanOut(withImage({ vpc, assignPublicIp: true, mode: FanOutMode.INLINE }), stack);
    const vpcConfig = allStates(definition).RunItemTask.Parameters.NetworkConfiguration.AwsvpcConfiguration;
    expect(vpcConfig.AssignPublicIp).toBe('ENABLED');
    expect(vpcConfig.Subnets.every((s: string) => s.includes('PublicSubnet'))).toBe(true);
  });

  test('uses a given cluster and its VPC, creating neither', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const cluster = new ecs.Cluster(stack, 'Shared', { vpc });
    const { fanOut, template } = synthFanOut(withImage({ cluster, mode: FanOutMode.INLINE }), stack);
    expect(fanOut.cluster).toBe(cluster);
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::EC2::VPC', 1);
  });

  test('uses given security groups', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const sg = new ec2.SecurityGroup(stack, 'Mine', { vpc });
    const { definition, fanOut } = synthFanOut(withImage({ vpc, securityGroups: [sg], mode: FanOutMode.INLINE }), stack);
    expect(fanOut.securityGroups).toEqual([sg]);
    expect(allStates(definition).RunItemTask.Parameters.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups).toEqual([expect.stringMatching(/^Mine.*-GroupId$/)]);
  });
});

describe('a given task definition', () => {
  test('is run as is; its default container receives the item', () => {
    const stack = newStack();
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Own', { cpu: 1024, memoryLimitMiB: 2048 });
    taskDefinition.addContainer('Worker', { image: ecs.ContainerImage.fromRegistry('worker') });
    const { definition, fanOut, template } = synthFanOut({ taskDefinition, mode: FanOutMode.INLINE }, stack);
    expect(fanOut.taskDefinition).toBe(taskDefinition);
    expect(fanOut.container.containerName).toBe('Worker');
    expect(allStates(definition).RunItemTask.Parameters.Overrides.ContainerOverrides[0].Name).toBe('Worker');
    template.resourceCountIs('AWS::ECS::TaskDefinition', 1);
    expect(fanOut.logGroup).toBeUndefined();
    template.resourceCountIs('AWS::Logs::LogGroup', 2); // flow logs and state machine logs only
  });
});

describe('timeouts', () => {
  test('taskTimeout and timeout are rendered', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.INLINE, taskTimeout: Duration.minutes(30), timeout: Duration.hours(6) }));
    expect(allStates(definition).RunItemTask.TimeoutSeconds).toBe(1800);
    expect(definition.TimeoutSeconds).toBe(21600);
  });
});

test('describe() lists mode, items, cap, retries and task', () => {
  const { fanOut } = synthFanOut(withImage({ maxVcpus: 4 }));
  const text = fanOut.describe();
  expect(text).toMatch(/^mode: RUN_TIME/);
  expect(text).toMatch(/max concurrency: 16 \(maxVcpus 4 holds 16 tasks of 0.25 vCPU/);
  expect(text).toMatch(/throttle retry \(inline Map\): ECS.AmazonECSException, AmazonECS.Unknown: up to 30 retries/);
  expect(text).toMatch(/ECS.InvalidParameterException: 3 quick retries/);
  expect(text).toMatch(/a task that stopped: the first rule that matches decides, in this order:\n {2}1. a task that failed to start .*\n {2}2. anything else: the item fails \(set taskRetry to retry it\)/);
});

test('the asl-validator check used on every definition rejects a broken one', () => {
  const { definition } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
  const broken = JSON.parse(JSON.stringify(definition));
  broken.States.RunItemsDistributed.ItemProcessor.ProcessorConfig.Mode = 'SIDEWAYS';
  expect(() => expectValidAsl(broken)).toThrow(/asl-validator rejected the definition/);
  delete broken.States.RunItemsDistributed.ItemProcessor.ProcessorConfig;
  broken.States.SummarizeMapRun.Next = 'NoSuchState';
  expect(() => expectValidAsl(broken)).toThrow(/asl-validator rejected/);
});

describe('warnings about Fargate limits', () => {
  test('an inline cap above the default quota does not warn: each run reads the quota and caps the inline Map to it', () => {
    const { stack } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    Annotations.fromStack(stack).hasNoWarning('/TestStack/FanOut', Match.stringLikeRegexp('vCPU'));
  });

  test('a Distributed Map does not warn: its children wait for the quota in their own histories', () => {
    const { stack } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 5000 }));
    Annotations.fromStack(stack).hasNoWarning('/TestStack/FanOut', Match.stringLikeRegexp('vCPU'));
  });
});
