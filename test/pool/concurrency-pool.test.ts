import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthPool } from './pool-workload';
import { FanOutConcurrencyPool, FargateFanOut } from '../../src';
import { CleanupStateNames } from '../../src/concurrency-pool/private/cleanup';
import { decidePacing, decidePool, decidePoolWaits, decidePoolWeight, POOL_BACKOFF_MAX_LEVEL, PoolWaitCaps, PoolWaits } from '../../src/concurrency-pool/private/decide-pool';
import { poolStateNames } from '../../src/concurrency-pool/private/pool-table';
import { expectValidAsl, newStack, withImage } from '../util/synth';

describe('decidePool', () => {
  test('defaults: 20 calls a second, a waiting window of 40, a sweep every 15 minutes', () => {
    const decision = decidePool({ maxTasks: 100 });
    expect(decision).toMatchObject({ maxTasks: 100, maxCpuUnits: undefined, waitingWindow: 40, sweepIntervalSeconds: 900 });
    expect(decision.pacing).toMatchObject({ callsPerWindow: 20, mayExceedBurstAcrossWindows: true });
    expect(decision.reason).toMatch(/At most 100 tasks at once/);
  });

  test('counts vCPUs in CPU units, and both limits when both are set', () => {
    expect(decidePool({ maxVcpus: 2.5 })).toMatchObject({ maxTasks: undefined, maxCpuUnits: 2560 });
    expect(decidePool({ maxTasks: 3, maxVcpus: 0.25 }).reason).toMatch(/3 tasks and 0.25 vCPUs/);
  });

  test('pacing at 10 a second or less never exceeds the RunTask burst across a window boundary', () => {
    expect(decidePacing(10)).toMatchObject({ callsPerWindow: 10, mayExceedBurstAcrossWindows: false });
    expect(decidePacing(11).mayExceedBurstAcrossWindows).toBe(true);
    expect(decidePacing(20).reason).toMatch(/set 10 or less/);
  });

  test.each([
    [{}, /set maxTasks, maxVcpus or both/],
    [{ maxTasks: 0 }, /maxTasks must be a whole number from 1 to 1000000, got 0/],
    [{ maxTasks: 2.5 }, /maxTasks must be a whole number/],
    [{ maxTasks: 1_000_001 }, /maxTasks must be a whole number from 1 to 1000000/],
    [{ maxVcpus: 0 }, /maxVcpus must be a multiple of 0.25 from 0.25 to 1000000 .*got 0/],
    [{ maxVcpus: 1.3 }, /maxVcpus must be a multiple of 0.25/],
    [{ maxVcpus: -4 }, /maxVcpus must be a multiple of 0.25/],
    [{ maxTasks: 1, maxRunTaskCallsPerSecond: 0 }, /maxRunTaskCallsPerSecond must be a whole number from 1 to 20 .*got 0/],
    [{ maxTasks: 1, maxRunTaskCallsPerSecond: 21 }, /maxRunTaskCallsPerSecond must be a whole number from 1 to 20/],
    [{ maxTasks: 1, maxRunTaskCallsPerSecond: 1.5 }, /maxRunTaskCallsPerSecond must be a whole number/],
    [{ maxTasks: 1, sweepInterval: Duration.seconds(30) }, /sweepInterval must be a whole number of minutes from 1 minute to 24 hours/],
    [{ maxTasks: 1, sweepInterval: Duration.seconds(90) }, /sweepInterval must be a whole number of minutes/],
    [{ maxTasks: 1, sweepInterval: Duration.days(2) }, /sweepInterval must be a whole number of minutes from 1 minute to 24 hours/],
  ])('fails on bad input %#, naming the prop and the range', (props, message) => {
    expect(() => decidePool(props)).toThrow(message);
  });

  test('a task takes its vCPUs when the pool counts vCPUs, nothing from them otherwise', () => {
    expect(decidePoolWeight(decidePool({ maxVcpus: 4 }), 1024)).toMatchObject({ cpuUnits: 1024 });
    expect(decidePoolWeight(decidePool({ maxTasks: 4 }), 1024)).toMatchObject({ cpuUnits: 0 });
    expect(decidePoolWeight(decidePool({ maxTasks: 4, maxVcpus: 4 }), 512).reason).toMatch(/0.5 vCPU of 4 and one of 4 task slots/);
  });

  test('fails when one task does not fit the pool\'s vCPUs, naming maxVcpus', () => {
    expect(() => decidePoolWeight(decidePool({ maxVcpus: 1 }), 2048)).toThrow(/maxVcpus of the concurrency pool \(1\) must be at least the vCPUs of one task \(2\)/);
  });
});

describe('decidePoolWaits', () => {
  const waits = decidePoolWaits();

  test('level 0 is the fixed band of each kind; past its delay each level doubles it, up to the cap', () => {
    expect(waits.bands.HEAD.slice(0, 6)).toEqual(Array(6).fill(PoolWaits.HEAD));
    expect(waits.bands.HEAD.slice(6)).toEqual([[2, 8], [4, 16], [8, 32], [16, 60], [30, 60]]);
    expect(waits.bands.FULL.slice(0, 5)).toEqual([[5, 20], [5, 20], [10, 40], [20, 80], [40, 120]]);
    for (const kind of ['HEAD', 'FULL', 'NEAR', 'FAR', 'FAR_FULL'] as const) {
      expect(waits.bands[kind]).toHaveLength(POOL_BACKOFF_MAX_LEVEL + 1);
      expect(waits.bands[kind][POOL_BACKOFF_MAX_LEVEL]).toEqual(PoolWaitCaps[kind]);
      for (const [from, to] of waits.bands[kind]) expect(from).toBeLessThan(to);
    }
  });

  test('the head backs off least: at every level its band ends no later than the other eligible items\' and begins no later', () => {
    for (let level = 0; level <= POOL_BACKOFF_MAX_LEVEL; level++) {
      expect(waits.bands.HEAD[level][0]).toBeLessThanOrEqual(waits.bands.FULL[level][0]);
      expect(waits.bands.HEAD[level][1]).toBeLessThanOrEqual(waits.bands.FULL[level][1]);
    }
  });

  test('one level up per stalled look, saturating at the top; the longest wait is four minutes, and the reason says so', () => {
    expect(waits.up).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]);
    expect(waits.maxWaitSeconds).toBe(240);
    expect(waits.reason).toMatch(/from 1-4 s to 30-60 s, items further back to at most 240 s/);
    expect(decidePool({ maxTasks: 1 }).reason).toContain(waits.reason);
  });
});

describe('FanOutConcurrencyPool', () => {
  test('fails on bad props and leaves nothing behind', () => {
    const stack = newStack();
    expect(() => new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 0 })).toThrow(/maxTasks must be a whole number/);
    expect(stack.node.tryFindChild('Pool')).toBeUndefined();
    // The id is still free.
    expect(() => new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 1 })).not.toThrow();
  });

  const synth = synthPool({ maxTasks: 10, maxVcpus: 4 }, [{ name: 'First', cpuUnits: 256 }, { name: 'Second', cpuUnits: 1024 }]);
  const { template } = synth;
  const tableRef = { Ref: synth.stack.getLogicalId(synth.pool.table.node.defaultChild as any) };
  const tableArn = { 'Fn::GetAtt': [tableRef.Ref, 'Arn'] };

  test('the table: on-demand, encrypted, point-in-time recovery, keys and the sweep\'s index', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [Match.objectLike({
        IndexName: 'byKind',
        KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }, { AttributeName: 'stamp', KeyType: 'RANGE' }],
      })],
    });
  });

  test('a state machine that uses the pool gets only DynamoDB item actions, only on the pool\'s table', () => {
    for (const name of ['First', 'Second']) {
      const roleId = synth.stack.getLogicalId(synth.stateMachines[name].role.node.defaultChild as any);
      const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
      const statements = Object.values<any>(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        const actions = [].concat(statement.Action);
        expect(actions.every((a: string) => ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'].includes(a))).toBe(true);
        const resources = [].concat(statement.Resource);
        for (const resource of resources) {
          const text = JSON.stringify(resource);
          expect(text === JSON.stringify(tableArn) || (text.includes(':dynamodb:') && text.includes(`table/","${'{'}"Ref":"${tableRef.Ref}"}`.replace('"{', '{')))).toBe(true);
        }
      }
    }
  });

  test('the cleanup may describe only the executions of the state machines that use the pool', () => {
    const roleId = synth.stack.getLogicalId(synth.pool.cleanupStateMachine.role.node.defaultChild as any);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const statements = Object.values<any>(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const describe = statements.filter((s) => [].concat(s.Action).includes('states:describeExecution' as never));
    expect(describe).toHaveLength(1);
    const text = JSON.stringify(describe[0].Resource);
    for (const name of ['First', 'Second']) {
      const smId = synth.stack.getLogicalId(synth.stateMachines[name].node.defaultChild as any);
      expect(text).toContain(`{"Ref":"${smId}"}]}]},":*"`);
      expect(text).toContain(`{"Ref":"${smId}"}]}]},"/*"`);
    }
    expect(describe[0].Resource).toHaveLength(4);
  });

  test('the rule on failed, timed-out and aborted executions of the pool\'s users starts the cleanup with the execution\'s ARN', () => {
    const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: Match.anyValue() } });
    expect(Object.keys(rules)).toHaveLength(1);
    const rule: any = Object.values(rules)[0];
    const smRefs = ['First', 'Second'].map((name) => ({ Ref: synth.stack.getLogicalId(synth.stateMachines[name].node.defaultChild as any) }));
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      'detail': { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: smRefs },
    });
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({
      Arn: { Ref: synth.stack.getLogicalId(synth.pool.cleanupStateMachine.node.defaultChild as any) },
      InputTransformer: { InputPathsMap: { 'detail-executionArn': '$.detail.executionArn' }, InputTemplate: '{"owner":<detail-executionArn>}' },
    })]);
  });

  test('the sweep runs every 15 minutes by default', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Input: '{"sweep":true}' })],
    });
  });

  test('the definitions are valid ASL, and the states the item runner will use are there', () => {
    expectValidAsl(synth.cleanupDefinition);
    const cleanupStates = [CleanupStateNames.MODE, CleanupStateNames.EACH, CleanupStateNames.MORE];
    expect(Object.keys(synth.cleanupDefinition.States)).toEqual(expect.arrayContaining(cleanupStates));
    for (const definition of Object.values(synth.definitions)) {
      expectValidAsl(definition);
      const states = definition.States.Items.ItemProcessor.States;
      const names = poolStateNames('Pool');
      expect(definition.States.Items.ItemProcessor.StartAt).toBe(names.TRY);
      expect(states[names.TRY].Resource).toBe('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems');
      expect(states[names.RELEASE].Resource).toBe('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems');
      expect(states[names.TRY].Next).toBe('RunTask');
    }
  });

  test('the first try puts the lease only if absent and adds the weight only within both limits', () => {
    const first = synth.definitions.Second.States.Items.ItemProcessor.States.PoolAcquire;
    const [put, counter, rate] = first.Parameters.TransactItems;
    expect(put.Put.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(counter.Update.ConditionExpression).toBe('(attribute_not_exists(#issued) OR #base >= #issued) AND (attribute_not_exists(#cpu) OR #cpu <= :cpuMax) AND (attribute_not_exists(#tasks) OR #tasks <= :tasksMax)');
    // 4 vCPUs less one 1-vCPU task; 10 tasks less one.
    expect(counter.Update.ExpressionAttributeValues).toMatchObject({ ':cpuMax': { N: '3072' }, ':tasksMax': { N: '9' }, ':w': { N: '1024' } });
    expect(rate.Update.ConditionExpression).toBe('attribute_not_exists(#calls) OR #calls < :perWindow');
    expect(rate.Update.ExpressionAttributeValues[':perWindow']).toEqual({ N: '20' });
  });

  test('the cleanup may read the last events of the users\' executions and describe the tasks of their clusters, nothing more', () => {
    const stack = newStack();
    const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 4 });
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ concurrencyPool: pool }));
    const poolTemplate = Template.fromStack(stack);
    const roleId = stack.getLogicalId(pool.cleanupStateMachine.role.node.defaultChild as any);
    const statements = Object.values<any>(poolTemplate.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const describeTasks = statements.filter((st) => [].concat(st.Action).includes('ecs:describeTasks' as never));
    expect(describeTasks).toHaveLength(1);
    const clusterRef = stack.getLogicalId(fanOut.cluster.node.defaultChild as any);
    expect(JSON.stringify(describeTasks[0].Resource)).toMatch(new RegExp(`:task/",\\{"Ref":"${clusterRef}"\\},"/\\*"`));
    const history = statements.filter((st) => [].concat(st.Action).includes('states:getExecutionHistory' as never));
    expect(history).toHaveLength(1);
    const smRef = stack.getLogicalId(fanOut.stateMachine.node.defaultChild as any);
    expect(history[0].Resource).toHaveLength(2);
    expect(JSON.stringify(history[0].Resource)).toContain(`{"Ref":"${smRef}"}]}]},":*"`);
  });

  test('the cleanup keeps the lease of an ended holder whose task still runs: it reads the last events and describes the task', () => {
    const each = synth.cleanupDefinition.States[CleanupStateNames.EACH].ItemProcessor.States;
    expect(each[CleanupStateNames.RUNNING].Default).toBe(CleanupStateNames.HISTORY);
    expect(each[CleanupStateNames.HISTORY].Resource).toBe('arn:aws:states:::aws-sdk:sfn:getExecutionHistory');
    expect(each[CleanupStateNames.HISTORY].Parameters).toMatchObject({ ReverseOrder: true, MaxResults: 4, IncludeExecutionData: true });
    expect(each[CleanupStateNames.DESCRIBE_TASK].Resource).toBe('arn:aws:states:::aws-sdk:ecs:describeTasks');
    expect(each[CleanupStateNames.TASK_STOPPED].Choices[0].Next).toBe(CleanupStateNames.KEEP_TASK_RUNNING);
    expect(each[CleanupStateNames.TASK_STOPPED].Default).toBe(CleanupStateNames.GIVE_BACK);
  });

  test('a pool with no user yet synthesizes (the cleanup may describe nothing)', () => {
    const stack: Stack = newStack();
    new FanOutConcurrencyPool(stack, 'Pool', { maxVcpus: 8 });
    const text = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(text).toContain('-no-user:*');
  });
});
