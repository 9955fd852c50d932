import { Annotations } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FanOutCapacity, FanOutIntegrationPattern, FanOutMode, FanOutRetryRule, FargateFanOut } from '../../src';
import { ECS_OPTIMIZED_RUN_TASK_FIELDS } from '../../src/facts';
import { allStates, newStack, synthFanOut, withImage } from '../util/synth';


describe('how the stop rules render', () => {
  const retryRules = [
    FanOutRetryRule.onExitCodes([3, 4], { maxAttempts: 2 }),
    FanOutRetryRule.failOnExitCodes([2]),
    FanOutRetryRule.onStoppedReason('ResourceInitializationError*', { maxAttempts: 1 }),
    FanOutRetryRule.onOutOfMemory([{ cpu: 512, memoryLimitMiB: 2048 }, { cpu: 1024, memoryLimitMiB: 4096 }]),
  ];
  const { definition, fanOut } = synthFanOut(withImage({
    mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT, retryRules, taskRetry: { maxAttempts: 1 },
  }));
  const states = allStates(definition);

  test('each item starts with its counters (one per rule that retries), no earlier task, and the task size', () => {
    expect(definition.States.RunItemsDistributed.ItemSelector).toEqual({
      'index.$': '$$.Map.Item.Index',
      'item.$': '$$.Map.Item.Value',
      'retry': { attempts: 0, delay: 0, earlier: {}, Spot: 0, Rule0: 0, Rule2: 0, Rule3: 0, Start: 0, Any: 0, cpu: '256', memory: '512' },
      // Every field an item's record reads, left out (`[]`) until a task stops (issue 27).
      'stop': { task: { StopCode: [], StoppedReason: [], StartedAt: [], StoppedAt: [] }, ExitCode: [], capacity: [], cpu: [], memory: [] },
    });
  });

  test('the task keeps its description beside the item, runs at the size in the retry state, and retries RunTask refusals natively', () => {
    const task = states.RunItemTaskInChild;
    expect(task.ResultPath).toBe('$.stop');
    expect(task.ResultSelector).toEqual({ 'task.$': '$', 'capacity': 'FARGATE_SPOT', 'summary': { capacity: 'FARGATE_SPOT' } });
    expect(task.Parameters.Overrides).toMatchObject({ 'Cpu.$': '$.retry.cpu', 'Memory.$': '$.retry.memory' });
    expect(task.Retry.map((r: any) => [r.ErrorEquals, r.MaxAttempts])).toEqual([
      [['ECS.AmazonECSException', 'AmazonECS.Unknown'], expect.any(Number)],
      [['ECS.InvalidParameterException'], 3],
    ]);
    // Refusals are caught before States.TaskFailed, which matches every error but States.Timeout.
    expect(task.Catch.map((c: any) => [c.ErrorEquals, c.Next])).toEqual([
      [['ECS.InvalidParameterException'], 'IsRateLimitedInChild'],
      [['ECS.AmazonECSException', 'AmazonECS.Unknown'], 'DescribeItemFailureInChild'],
      [['States.TaskFailed'], 'IsStopDescribedInChild'],
      [['States.ALL'], 'DescribeItemFailureInChild'],
    ]);
    for (const field of Object.keys(task.Parameters)) {
      expect(ECS_OPTIMIZED_RUN_TASK_FIELDS).toContain(field.replace(/\.\$$/, ''));
    }
  });

  test('a Cause that is the task\'s description is parsed once, then the rules are tried in order on its fields', () => {
    expect(states.IsStopDescribedInChild.Choices).toEqual([
      { Variable: '$.failure.Cause', StringMatches: '{*"ExitCode"*}', Next: 'ReadStopInChild' },
      { Variable: '$.failure.Cause', StringMatches: '{*}', Next: 'ReadStopWithoutExitCodeInChild' },
    ]);
    const task = 'States.JsonMerge($.stop.task, States.StringToJson($.failure.Cause), false)';
    expect(states.ReadStopInChild.Parameters).toEqual({ 'task.$': task, 'capacity': 'FARGATE_SPOT', 'cpu.$': '$.retry.cpu', 'memory.$': '$.retry.memory' });
    expect(states.ReadStopWithoutExitCodeInChild.Parameters).toEqual({ 'task.$': task, 'ExitCode': [], 'capacity': 'FARGATE_SPOT', 'cpu.$': '$.retry.cpu', 'memory.$': '$.retry.memory' });
    expect(states.ReadStopWithoutExitCodeInChild.Next).toBe('ApplyStopRulesInChild');
    const choices = states.ApplyStopRulesInChild.Choices.map((c: any) => c.Next);
    expect(choices).toEqual([
      'RetrySpotInChild', 'SpotTaskInterruptedInChild',
      'RetryRule0InChild', 'DescribeItemFailureInChild',
      'DescribeItemFailureInChild',
      'RetryRule2InChild', 'DescribeItemFailureInChild',
      'RetryRule3InChild', 'DescribeItemFailureInChild',
      'RetryStartInChild', 'DescribeItemFailureInChild',
      'RetryAnyInChild',
    ]);
    expect(states.ApplyStopRulesInChild.Default).toBe('DescribeItemFailureInChild');
  });

  test('exit codes are compared only where present and numeric; the failing code has no retry branch', () => {
    const rules = states.ApplyStopRulesInChild.Choices;
    const exitCodeRetry = rules[2].And[0];
    expect(exitCodeRetry.And).toEqual([
      { Variable: '$.stop.task.Containers[0].ExitCode', IsPresent: true },
      { Variable: '$.stop.task.Containers[0].ExitCode', IsNumeric: true },
      { Or: [{ Variable: '$.stop.task.Containers[0].ExitCode', NumericEquals: 3 }, { Variable: '$.stop.task.Containers[0].ExitCode', NumericEquals: 4 }] },
    ]);
    expect(rules[2].And[1]).toEqual({ Variable: '$.retry.Rule0', NumericLessThan: 2 });
    expect(rules[4].And[2]).toEqual({ Variable: '$.stop.task.Containers[0].ExitCode', NumericEquals: 2 });
    // A field left out is `[]` (issue 27): compared only where it is a string.
    expect(rules[5].And[0].And[1]).toEqual({ Variable: '$.stop.task.StoppedReason', IsString: true });
    expect(rules[5].And[0].And[2]).toEqual({ Variable: '$.stop.task.StoppedReason', StringMatches: 'ResourceInitializationError*' });
  });

  test('an out-of-memory kill is exit code 137 with an OutOfMemoryError container reason; its retry takes the next size', () => {
    const oom = states.ApplyStopRulesInChild.Choices[7].And[0];
    expect(oom.And).toEqual(expect.arrayContaining([
      { Variable: '$.stop.task.Containers[0].Reason', StringMatches: 'OutOfMemoryError*' },
    ]));
    const retry = states.RetryRule3InChild.Parameters.retry;
    expect(retry['cpu.$']).toBe("States.ArrayGetItem(States.Array('512', '1024'), $.retry.Rule3)");
    expect(retry['memory.$']).toBe("States.ArrayGetItem(States.Array('2048', '4096'), $.retry.Rule3)");
  });

  test('a retry counts the attempt and the rule, keeps the stopped task among the earlier ones, draws a jittered delay and waits', () => {
    const count = states.RetryRule0InChild;
    expect(count.Parameters['index.$']).toBe('$.index');
    expect(count.Parameters.stop).toEqual(definition.States.RunItemsDistributed.ItemSelector.stop);
    expect(count.Parameters.retry).toMatchObject({
      'attempts.$': 'States.MathAdd($.retry.attempts, 1)',
      'Rule0.$': 'States.MathAdd($.retry.Rule0, 1)',
      'Rule2.$': '$.retry.Rule2',
      'delay.$': 'States.MathRandom(States.ArrayGetItem(States.Array(5, 10), $.retry.Rule0), States.ArrayGetItem(States.Array(10, 20), $.retry.Rule0))',
      'earlier': { 'stopCode.$': '$.stop.task.StopCode', 'exitCode.$': '$.stop..ExitCode', 'earlier.$': '$.retry.earlier' },
    });
    expect(count.Next).toBe('WaitRetryRule0InChild');
    expect(states.WaitRetryRule0InChild).toMatchObject({ Type: 'Wait', SecondsPath: '$.retry.delay', Next: 'RunItemTaskInChild' });
  });

  test('a failed child\'s cause is its record as JSON', () => {
    expect(states.DescribeItemFailureInChild.ResultPath).toBe('$.record');
    expect(states.DescribeItemFailureInChild.Parameters).toMatchObject({ 'outcome': 'FAILED', 'error.$': '$.failure.Error', 'attempts.$': 'States.MathAdd($.retry.attempts, 1)' });
    expect(states.ItemFailureCauseInChild.Parameters).toEqual({ 'Error.$': '$.failure.Error', 'Cause.$': 'States.JsonToString($.record)' });
    expect(states.ItemFailedInChild).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
  });

  test('describe() lists the rules in the order they are tried, defaults included', () => {
    const text = fanOut.describe();
    const lines = text.split('\n');
    const start = lines.indexOf('a task that stopped: the first rule that matches decides, in this order:');
    expect(lines.slice(start + 1, start + 8)).toEqual([
      '  1. a Spot interruption (any exit code): up to 3 retries, after 10, 20, 40 s (each drawn from half to all of it) (default)',
      '  2. exit code 3, 4: up to 2 retries, after 10, 20 s (each drawn from half to all of it) (retryRules[0])',
      '  3. exit code 2: fails the item at once (retryRules[1], failOnExitCodes)',
      '  4. StoppedReason matching \'ResourceInitializationError*\': up to 1 retry, after 10 s (each drawn from half to all of it) (retryRules[2])',
      '  5. out of memory (exit code 137, OutOfMemoryError): runs again at 512 CPU units/2048 MiB, then 1024 CPU units/4096 MiB (retryRules[3])',
      '  6. a task that failed to start (StopCode TaskFailedToStart), or a RunTask throttled in ECS\'s VPC lookups: up to 2 retries, after 10, 30 s (each drawn from half to all of it) (default)',
      '  7. any other failed task: up to 1 retry, after 10 s (each drawn from half to all of it) (taskRetry)',
    ]);
  });
});

describe('the inline Map', () => {
  test('keeps only which capacity ran a successful item, and a failed item\'s record in its S3 file', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.INLINE, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }));
    const states = allStates(definition);
    expect(states.ItemSucceeded).toMatchObject({ Type: 'Succeed', OutputPath: '$.stop.summary' });
    expect(states.RunItemTask.ResultSelector.summary).toEqual({ capacity: 'FARGATE_SPOT' });
    expect(states.RunItemOnDemand.ResultSelector.summary).toEqual({ capacity: 'FARGATE' });
    expect(states.DescribeItemFailure.Parameters.record).toMatchObject({ 'outcome': 'FAILED', 'stopCode.$': '$.stop.task.StopCode', 'earlier.$': '$.retry.earlier' });
    // The Spot task's interruption runs the item on on-demand, through a state that counts the Spot task.
    expect(states.ApplyStopRules.Choices[0].Next).toBe('FallBackSpot');
    expect(states.FallBackSpot.Next).toBe('RunItemOnDemand');
    expect(states.ApplyStopRulesOnDemand.Choices.map((c: any) => c.Next)).toEqual(['RetryStartOnDemand', 'DescribeItemFailure']);
  });
});

describe('with a given task definition', () => {
  test('fails for an out-of-memory rule when the container caps its own memory; warns nowhere else', () => {
    const stack = newStack();
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Given', { cpu: 256, memoryLimitMiB: 512 });
    taskDefinition.addContainer('App', { image: ecs.ContainerImage.fromRegistry('x'), memoryLimitMiB: 512 });
    expect(() => new FargateFanOut(stack, 'FanOut', {
      taskDefinition,
      retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 1024 }])],
    })).toThrow(/retryRules\[0\] \(onOutOfMemory\): the container that gets the item sets its own memory limit/);
    expect(stack.node.tryFindChild('FanOut')).toBeUndefined();
    Annotations.fromStack(stack).hasNoWarning('*', '*');
  });
});

describe('the callback pattern', () => {
  test('refuses stop rules: the container reports its own result', () => {
    expect(() => synthFanOut(withImage({
      integrationPattern: FanOutIntegrationPattern.CALLBACK,
      retryRules: [FanOutRetryRule.onExitCodes([1])],
    }))).toThrow(/retryRules and startFailureRetry apply to the run-job pattern/);
  });
});
