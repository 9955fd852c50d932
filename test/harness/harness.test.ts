import * as FakeTimers from '@sinonjs/fake-timers';
import { executeWorkflow, ExecuteWorkflowOptions, PAYLOAD_LIMIT_BYTES } from './execute-workflow';
import { HISTORY_EVENT_LIMIT } from './history-budget';
import { isIndefinitePath } from './indefinite-paths';
import {
  CONTAINER_OVERRIDES_MAX_CHARS, EcsErrors, FANOUT_ITEMS_ENV, RETRYABLE_ECS_ERRORS, SimulatedEcs, capacityOf, fanOutItemsOf, itemKey,
} from './simulated-ecs';
import { TokenBucket } from './token-bucket';

// Runs of hundreds of items take a few seconds of wall time, more on a loaded machine; a test cut
// off by jest's default 5 s would leave its fake clock installed for the next one.
jest.setTimeout(60_000);

// ---------------------------------------------------------------------------
// Hand-written ASL
// ---------------------------------------------------------------------------

interface RetryShape {
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds: number;
}

const GENEROUS_RETRY: RetryShape = { IntervalSeconds: 1, MaxAttempts: 30, BackoffRate: 2, MaxDelaySeconds: 30 };
const SHORT_RETRY: RetryShape = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1, MaxDelaySeconds: 1 };

function runTaskState(retry: RetryShape, extra: Record<string, unknown> = {}) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::ecs:runTask.sync',
    Parameters: {
      Cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/fanout',
      TaskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/fanout-worker:3',
      LaunchType: 'FARGATE',
      NetworkConfiguration: {
        AwsvpcConfiguration: { Subnets: ['subnet-0123456789abcdef0'], SecurityGroups: ['sg-0123456789abcdef0'], AssignPublicIp: 'DISABLED' },
      },
      Overrides: {
        ContainerOverrides: [{ Name: 'Task', Environment: [{ 'Name': 'FANOUT_ITEM', 'Value.$': 'States.JsonToString($.item)' }] }],
      },
    },
    TimeoutSeconds: 3600,
    Retry: [{ ErrorEquals: RETRYABLE_ECS_ERRORS, ...retry, JitterStrategy: 'FULL' }],
    ...extra,
  };
}

/** Inline Map over `$.items`; failures are caught per item and recorded as `{ failed: true }`. */
function inlineFanOut(opts: { maxConcurrency: number; retry?: RetryShape; resultSelector?: boolean }) {
  return {
    StartAt: 'FanOut',
    States: {
      FanOut: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: opts.maxConcurrency,
        ItemSelector: { 'index.$': '$$.Map.Item.Index', 'item.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'RunTask',
          States: {
            RunTask: runTaskState(opts.retry ?? GENEROUS_RETRY, {
              ...(opts.resultSelector === false ? {} : {
                ResultSelector: { 'taskArn.$': '$.TaskArn', 'exitCode.$': '$.Containers[0].ExitCode' },
              }),
              ResultPath: '$.result',
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }],
              End: true,
            }),
            RecordFailure: {
              Type: 'Pass',
              Parameters: { 'index.$': '$.index', 'failed': true, 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' },
              End: true,
            },
          },
        },
        End: true,
      },
    },
  };
}

/** Distributed Map whose items come from an S3 JSON ItemReader; no Catch inside, so tolerance applies. */
function distributedFanOut(opts: {
  maxConcurrency: number; toleratedFailurePercentage?: number; batch?: number; itemsEnv?: 'FANOUT_ITEM' | 'FANOUT_ITEMS'; spot?: boolean;
}) {
  const { LaunchType: _launchType, ...onSpot } = runTaskState(GENEROUS_RETRY).Parameters;
  const parameters = opts.spot
    ? { ...onSpot, CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }] }
    : runTaskState(GENEROUS_RETRY).Parameters;
  return {
    StartAt: 'FanOut',
    States: {
      FanOut: {
        Type: 'Map',
        Label: 'FanOut',
        MaxConcurrency: opts.maxConcurrency,
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { 'Bucket.$': '$.bucket', 'Key': 'items.json' },
        },
        ...(opts.batch !== undefined
          ? { ItemBatcher: { MaxItemsPerBatch: opts.batch, BatchInput: { 'runId.$': '$.runId' } } }
          : { ItemSelector: { 'index.$': '$$.Map.Item.Index', 'item.$': '$$.Map.Item.Value' } }),
        ...(opts.toleratedFailurePercentage !== undefined ? { ToleratedFailurePercentage: opts.toleratedFailurePercentage } : {}),
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { 'Bucket.$': '$.bucket', 'Prefix': 'results' } },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'RunTask',
          States: {
            RunTask: opts.batch !== undefined
              ? {
                ...runTaskState(GENEROUS_RETRY),
                Parameters: {
                  ...parameters,
                  Overrides: {
                    ContainerOverrides: [{ Name: 'Task', Environment: [{ 'Name': opts.itemsEnv ?? 'FANOUT_ITEM', 'Value.$': 'States.JsonToString($.Items)' }] }],
                  },
                },
                ResultSelector: { 'exitCode.$': '$.Containers[0].ExitCode' },
                End: true,
              }
              : { ...runTaskState(GENEROUS_RETRY, { ResultSelector: { 'exitCode.$': '$.Containers[0].ExitCode' }, End: true }), Parameters: parameters },
          },
        },
        ResultPath: '$.mapRun',
        Catch: [{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], ResultPath: '$.error', Next: 'TooManyFailures' }],
        End: true,
      },
      TooManyFailures: { Type: 'Fail', Error: 'FanOut.TooManyFailures', CausePath: '$.error.Cause' },
    },
  };
}

/** Outcomes of 30 seeded LaunchType calls, as SimulatedEcs gave them before capacity providers and batches. */
const PRE_CAPACITY_FINGERPRINT = 'FFTFa93a5dFCe80CTFd9bCFc585faTFTCFFCFd4dT25a62dF';

const items = (n: number) => Array.from({ length: n }, (_, id) => ({ id }));

async function run(definition: object, input: unknown, ecs: SimulatedEcs, extra: ExecuteWorkflowOptions = {}) {
  return executeWorkflow(definition, input, { taskHandlers: { RunTask: ecs.runTaskSync }, ...extra });
}

function failedEntries(output: any[]): any[] {
  return output.filter((entry) => entry?.failed === true);
}

/** Runs `body` with a fake clock, then drains its timers. */
async function withClock(body: (clock: ReturnType<typeof FakeTimers.install>) => Promise<void>) {
  const clock = FakeTimers.install({ now: Date.UTC(2025, 0, 1), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    await body(clock);
  } finally {
    clock.uninstall();
  }
}

function runTaskParams(item: unknown) {
  return { Overrides: { ContainerOverrides: [{ Name: 'Task', Environment: [{ Name: 'FANOUT_ITEM', Value: JSON.stringify(item) }] }] } };
}

/** RunTask parameters carrying a batch as FANOUT_ITEMS (a JSON array string). */
function runTaskBatchParams(batch: readonly unknown[], extra: Record<string, unknown> = {}) {
  return { Overrides: { ContainerOverrides: [{ Name: 'Task', Environment: [{ Name: FANOUT_ITEMS_ENV, Value: JSON.stringify(batch) }] }] }, ...extra };
}

/** A capacity provider strategy with one provider. */
const onCapacity = (provider: 'FARGATE' | 'FARGATE_SPOT') => ({ CapacityProviderStrategy: [{ CapacityProvider: provider, Weight: 1 }] });

// ---------------------------------------------------------------------------
// TokenBucket
// ---------------------------------------------------------------------------

describe('TokenBucket', () => {
  test('gives out the burst at once, then refills at the sustained rate in virtual time', () => withClock(async (clock) => {
    const bucket = new TokenBucket(20, 20);
    const first = Array.from({ length: 200 }, () => bucket.tryTake()).filter(Boolean).length;
    expect(first).toBe(20);
    clock.tick(500);
    expect(Array.from({ length: 200 }, () => bucket.tryTake()).filter(Boolean).length).toBe(10);
    clock.tick(60_000);
    expect(bucket.available()).toBe(20);
    expect(bucket.tryTake(21)).toBe(false);
    expect(bucket.tryTake(20)).toBe(true);
  }));

  test('an infinite bucket never refuses', () => {
    const bucket = new TokenBucket(Infinity, 0);
    expect(Array.from({ length: 1000 }, () => bucket.tryTake()).every(Boolean)).toBe(true);
  });

  test('fails for a negative capacity', () => {
    expect(() => new TokenBucket(-1, 1)).toThrow(/capacity >= 0/);
  });
});

// ---------------------------------------------------------------------------
// SimulatedEcs on its own
// ---------------------------------------------------------------------------

describe('SimulatedEcs', () => {
  test('200 instant RunTask calls: exactly the RunTask burst (20) get through, the rest are throttled', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs();
    const calls = items(200).map((item) => ecs.runTaskSync(runTaskParams(item)));
    const settledPromise = Promise.allSettled(calls);
    await clock.runAllAsync();
    const results = await settledPromise;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(180);
    expect(rejected[0].reason.name).toBe('ECS.AmazonECSException');
    expect(rejected[0].reason.message).toMatch(/^Rate exceeded\. \(Service: AmazonECS; Status Code: 400; Error Code: ThrottlingException;/);
    expect(ecs.summary()).toMatchObject({ runTaskCalls: 200, throttled: 180, tasksStarted: 20, tasksSucceeded: 20, maxInFlight: 20 });
  }));

  test('with the API bucket lifted, exactly the launch burst (100) start and the rest report failures', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ runTaskCallsPerSecond: Infinity });
    const settledPromise = Promise.allSettled(items(200).map((item) => ecs.runTaskSync(runTaskParams(item))));
    await clock.runAllAsync();
    const results = await settledPromise;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(100);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(new Set(rejected.map((r) => r.reason.name))).toEqual(new Set([EcsErrors.FAILURES]));
    expect(JSON.parse(rejected[0].reason.message).Failures[0].Reason).toMatch(/launch rate/);
    expect(ecs.launchRateFailures).toBe(100);
  }));

  test('the launch bucket refills at 20 per second', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ runTaskCallsPerSecond: Infinity, taskDurationMs: 1 });
    const started = () => ecs.tasksStarted;
    const burst = (n: number) => Promise.allSettled(items(n).map((item) => ecs.runTaskSync(runTaskParams(item))));
    const first = burst(150);
    await clock.tickAsync(1000);
    await first;
    expect(started()).toBe(100);
    const second = burst(150);
    await clock.tickAsync(10);
    await second;
    expect(started()).toBe(120);
  }));

  test('the vCPU quota caps tasks in flight', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ runTaskCallsPerSecond: Infinity, vcpuQuota: 6, taskVcpu: 0.25 });
    const settledPromise = Promise.allSettled(items(50).map((item) => ecs.runTaskSync(runTaskParams(item))));
    await clock.runAllAsync();
    const results = await settledPromise;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(24);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(rejected.reason.name).toBe('AmazonECS.Unknown');
    expect(rejected.reason.message).toMatch(/limit on the number of vCPUs/);
    expect(ecs.maxInFlight).toBe(24);
    expect(ecs.maxVcpuInUse).toBe(6);
  }));

  test('a success returns a PascalCase task description of a couple of KB', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs();
    const call = ecs.runTaskSync({ ...runTaskParams({ id: 1 }), Cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/fanout' });
    await clock.runAllAsync();
    const task = await call;
    expect(task).toMatchObject({
      LastStatus: 'STOPPED',
      StopCode: 'EssentialContainerExited',
      Containers: [{ ExitCode: 0, Name: 'Task', LastStatus: 'STOPPED' }],
      StartedAt: Date.UTC(2025, 0, 1),
      StoppedAt: Date.UTC(2025, 0, 1) + 60_000,
    });
    expect(task.TaskArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/fanout\/[0-9a-f]{32}$/);
    expect(JSON.stringify(task).length).toBeGreaterThan(1500);
    expect(ecs.attemptsByItem.get('{"id":1}')).toEqual([expect.objectContaining({ result: 'succeeded', exitCode: 0 })]);
  }));

  test('fails with States.TaskFailed and the task description as Cause for a non-zero exit code', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ exitCodeFor: (item: any) => (item.id === 2 ? 3 : 0) });
    const call = ecs.runTaskSync(runTaskParams({ id: 2 }));
    const assertion = expect(call).rejects.toMatchObject({ name: 'States.TaskFailed' });
    await clock.runAllAsync();
    await assertion;
    const cause = JSON.parse((await call.catch((e) => e)).message);
    expect(cause).toMatchObject({ StopCode: 'EssentialContainerExited', Containers: [{ ExitCode: 3 }] });
    expect(ecs.itemsNeverSucceeded([{ id: 2 }])).toEqual([{ id: 2 }]);
  }));

  test('fails with States.TaskFailed and StopCode SpotInterruption for an interrupted Spot task', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ spotInterruptionRate: 1 });
    const call = ecs.runTaskSync(runTaskParams({ id: 3 })).catch((e) => e);
    await clock.runAllAsync();
    const err = await call;
    expect(err.name).toBe('States.TaskFailed');
    expect(JSON.parse(err.message)).toMatchObject({ StopCode: 'SpotInterruption', LastStatus: 'STOPPED' });
    expect(ecs.spotInterruptions).toBe(1);
  }));

  test('fails with ECS.InvalidParameterException for VPC throttling and for overrides over 8,192 characters', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ vpcThrottleRate: 1 });
    const vpc = ecs.runTaskSync(runTaskParams({ id: 4 })).catch((e) => e);
    const big = ecs.runTaskSync(runTaskParams({ blob: 'x'.repeat(CONTAINER_OVERRIDES_MAX_CHARS) })).catch((e) => e);
    await clock.runAllAsync();
    expect(await vpc).toMatchObject({ name: 'ECS.InvalidParameterException', message: expect.stringMatching(/Request limit exceeded/) });
    expect(await big).toMatchObject({ name: 'ECS.InvalidParameterException', message: expect.stringMatching(/at most 8192/) });
    expect(ecs.vpcThrottled).toBe(1);
    expect(ecs.invalidRequests).toBe(1);
  }));

  test('the same seed gives the same faults', () => {
    const draw = (seed: number) => withClock(async (clock) => {
      const ecs = new SimulatedEcs({ seed, throttleRate: 0.5, runTaskCallsPerSecond: Infinity, launchBurst: Infinity });
      const all = Promise.allSettled(items(50).map((item) => ecs.runTaskSync(runTaskParams(item))));
      await clock.runAllAsync();
      outcomes.push((await all).map((r) => r.status).join(','));
    });
    const outcomes: string[] = [];
    return draw(7).then(() => draw(7)).then(() => draw(8)).then(() => {
      expect(outcomes[0]).toBe(outcomes[1]);
      expect(outcomes[0]).not.toBe(outcomes[2]);
    });
  });
});

describe('SimulatedEcs: stops that are not an exit code', () => {
  test('a task that fails to start: StopCode TaskFailedToStart, no exit code and no start time', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ startFailureFor: (_item, attempt) => (attempt === 1 ? 'CannotPullContainerError: simulated' : undefined) });
    const first = ecs.runTaskSync(runTaskParams(items(1)[0])).catch((e) => e);
    await clock.runAllAsync();
    const error = await first;
    expect(error.name).toBe(EcsErrors.TASK_FAILED);
    const task = JSON.parse(error.message);
    expect(task).toMatchObject({ StopCode: 'TaskFailedToStart', StoppedReason: 'CannotPullContainerError: simulated' });
    expect(task.StartedAt).toBeUndefined();
    expect(task.Containers[0].ExitCode).toBeUndefined();
    const second = ecs.runTaskSync(runTaskParams(items(1)[0]));
    await clock.runAllAsync();
    await expect(second).resolves.toMatchObject({ StopCode: 'EssentialContainerExited' });
    expect(ecs.startFailures).toBe(1);
  }));

  test('out of memory: exit code 137 and an OutOfMemoryError container reason below the memory an item needs; task-level overrides set the size', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ memoryNeededMiB: () => 1500 });
    const small = ecs.runTaskSync(runTaskParams(items(1)[0])).catch((e) => e);
    const large = ecs.runTaskSync({ ...runTaskParams(items(2)[1]), Overrides: { ...runTaskParams(items(2)[1]).Overrides, Cpu: '512', Memory: '2048' } });
    await clock.runAllAsync();
    const error = await small;
    expect(JSON.parse(error.message).Containers[0]).toMatchObject({ ExitCode: 137, Reason: 'OutOfMemoryError: Container killed due to memory usage' });
    await expect(large).resolves.toMatchObject({ Cpu: '512', Memory: '2048', Overrides: { Cpu: '512', Memory: '2048' } });
    expect(ecs.outOfMemoryKills).toBe(1);
  }));

  test('throttleFirstCalls throttles the first n calls of each launch of an item', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ throttleFirstCalls: 2 });
    const item = items(1)[0];
    const results: string[] = [];
    for (let call = 0; call < 3; call++) {
      const result = ecs.runTaskSync(runTaskParams(item)).then(() => 'ok', (e) => e.name);
      await clock.runAllAsync();
      results.push(await result);
    }
    expect(results).toEqual([EcsErrors.THROTTLED, EcsErrors.THROTTLED, 'ok']);
  }));
});

describe('SimulatedEcs: batches (FANOUT_ITEMS)', () => {
  test('a batch of 3 items is one RunTask call, recorded for all 3 items, and marks all 3 succeeded', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs();
    const batch = items(3);
    const params = runTaskBatchParams(batch);
    expect(fanOutItemsOf(params)).toBe('[{"id":0},{"id":1},{"id":2}]');
    const call = ecs.runTaskSync(params);
    await clock.runAllAsync();
    const task = await call;
    expect(task.Containers[0].ExitCode).toBe(0);
    expect(ecs.summary()).toMatchObject({
      runTaskCalls: 1, tasksStarted: 1, tasksSucceeded: 1, batchesStarted: 1, itemsStarted: 3, distinctItems: 3,
    });
    const [first] = ecs.attemptsByItem.get(itemKey(batch[0]))!;
    expect(first).toMatchObject({ result: 'succeeded', exitCode: 0, batchSize: 3, capacity: 'FARGATE', taskArn: task.TaskArn });
    for (const item of batch) expect(ecs.attemptsByItem.get(itemKey(item))).toEqual([first]);
    expect([...ecs.successesByItem]).toEqual(batch.map((item) => [itemKey(item), 1]));
    expect(ecs.itemsNeverSucceeded(batch)).toEqual([]);
  }));

  test('one non-zero exit code fails the whole batch: States.TaskFailed, and none of its items succeeded', () => withClock(async (clock) => {
    const seen: string[] = [];
    const ecs = new SimulatedEcs({
      exitCodeFor: (item: any, attempt) => {
        seen.push(`${item.id}#${attempt}`);
        return item.id === 1 && attempt === 1 ? 5 : 0;
      },
    });
    const batch = items(3);
    const failed = ecs.runTaskSync(runTaskBatchParams(batch)).catch((e) => e);
    await clock.runAllAsync();
    const err = await failed;
    expect(err.name).toBe(EcsErrors.TASK_FAILED);
    expect(JSON.parse(err.message)).toMatchObject({ StopCode: 'EssentialContainerExited', Containers: [{ ExitCode: 5 }] });
    expect(ecs.successesByItem.size).toBe(0);
    expect(ecs.itemsNeverSucceeded(batch)).toEqual(batch);
    expect(ecs.summary()).toMatchObject({ tasksStarted: 1, tasksFailed: 1, tasksSucceeded: 0, batchesStarted: 1, itemsStarted: 3 });
    for (const item of batch) {
      expect(ecs.attemptsByItem.get(itemKey(item))).toEqual([expect.objectContaining({ result: 'failed', detail: 'exit-code', exitCode: 5, batchSize: 3 })]);
    }

    // Launches are counted per item, across batches and single-item calls alike.
    const again = ecs.runTaskSync(runTaskBatchParams(batch.slice(1)));
    const single = ecs.runTaskSync(runTaskParams(batch[0]));
    await clock.runAllAsync();
    await again;
    await single;
    // Exit codes are read when a task stops: the single item's 60 s task stops before the 120 s batch.
    expect(seen).toEqual(['0#1', '1#1', '2#1', '0#2', '1#2', '2#2']);
    expect([...ecs.successesByItem.values()]).toEqual([1, 1, 1]);
    expect(ecs.attemptsByItem.get(itemKey(batch[0]))!.map((a) => a.batchSize)).toEqual([3, undefined]);
    expect(ecs.summary()).toMatchObject({ tasksStarted: 3, batchesStarted: 2, itemsStarted: 6 });
  }));

  test("a batch runs for the sum of its items' durations", () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ taskDurationMs: (item: any) => (item.id + 1) * 1000 });
    const call = ecs.runTaskSync(runTaskBatchParams(items(3)));
    await clock.runAllAsync();
    const task = await call;
    expect(task.StoppedAt - task.StartedAt).toBe(1000 + 2000 + 3000);
    const fixed = new SimulatedEcs({ taskDurationMs: 10_000 });
    const four = fixed.runTaskSync(runTaskBatchParams(items(4)));
    await clock.runAllAsync();
    const fourTask = await four;
    expect(fourTask.StoppedAt - fourTask.StartedAt).toBe(40_000);
  }));

  test('a FANOUT_ITEMS value that is not a JSON array is one item keyed by the raw string', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs();
    const mangled = '[{"q":"say "hi""}]';
    const call = ecs.runTaskSync({ Overrides: { ContainerOverrides: [{ Environment: [{ Name: FANOUT_ITEMS_ENV, Value: mangled }] }] } });
    await clock.runAllAsync();
    await call;
    expect([...ecs.successesByItem.keys()]).toEqual([mangled]);
    expect(ecs.summary()).toMatchObject({ batchesStarted: 1, itemsStarted: 1 });
  }));
});

describe('SimulatedEcs: capacity providers (Fargate Spot and on-demand)', () => {
  test('the capacity is the provider with the largest Weight (ties: the first), FARGATE without a strategy', () => {
    expect(capacityOf({ LaunchType: 'FARGATE' })).toBe('FARGATE');
    expect(capacityOf({ CapacityProviderStrategy: [] })).toBe('FARGATE');
    expect(capacityOf(onCapacity('FARGATE_SPOT'))).toBe('FARGATE_SPOT');
    expect(capacityOf({ CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 3 }] }))
      .toBe('FARGATE_SPOT');
    expect(capacityOf({ CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 2 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 2 }] }))
      .toBe('FARGATE');
  });

  test('at spotInterruptionRate 1 a FARGATE_SPOT call is interrupted, a FARGATE strategy call never is', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ spotInterruptionRate: 1 });
    const spot = ecs.runTaskSync({ ...runTaskParams({ id: 1 }), ...onCapacity('FARGATE_SPOT') }).catch((e) => e);
    const onDemand = items(10).map((item) => ecs.runTaskSync({ ...runTaskParams({ onDemand: item.id }), ...onCapacity('FARGATE') }));
    await clock.runAllAsync();
    const err = await spot;
    expect(err.name).toBe(EcsErrors.TASK_FAILED);
    expect(JSON.parse(err.message)).toMatchObject({ StopCode: 'SpotInterruption', CapacityProviderName: 'FARGATE_SPOT' });
    expect((await Promise.all(onDemand)).map((task) => task.StopCode)).toEqual(Array(10).fill('EssentialContainerExited'));
    expect(ecs.summary()).toMatchObject({ spotInterruptions: 1, spotTasksStarted: 1, onDemandTasksStarted: 10, tasksSucceeded: 10 });
    expect(ecs.attemptsByItem.get('{"id":1}')).toEqual([expect.objectContaining({ detail: 'spot-interruption', capacity: 'FARGATE_SPOT' })]);
    expect(ecs.attemptsByItem.get('{"onDemand":0}')).toEqual([expect.objectContaining({ detail: 'exit-0', capacity: 'FARGATE' })]);
  }));

  test('spotCapacityFailureRate 1 refuses every Spot call with AmazonECS.Unknown, and never an on-demand call', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs({ spotCapacityFailureRate: 1 });
    const spot = ecs.runTaskSync({ ...runTaskParams({ id: 1 }), ...onCapacity('FARGATE_SPOT') }).catch((e) => e);
    const onDemand = ecs.runTaskSync({ ...runTaskParams({ id: 2 }), ...onCapacity('FARGATE') });
    const launchType = ecs.runTaskSync({ ...runTaskParams({ id: 3 }), LaunchType: 'FARGATE' });
    await clock.runAllAsync();
    const err = await spot;
    expect(err.name).toBe(EcsErrors.FAILURES);
    expect(JSON.parse(err.message)).toMatchObject({
      Failures: [{ Reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' }],
      Tasks: [],
    });
    await expect(onDemand).resolves.toMatchObject({ StopCode: 'EssentialContainerExited' });
    await expect(launchType).resolves.toMatchObject({ StopCode: 'EssentialContainerExited' });
    expect(ecs.attemptsByItem.get('{"id":1}')).toEqual([expect.objectContaining({ result: 'capacity', detail: 'spot-capacity', capacity: 'FARGATE_SPOT' })]);
    expect(ecs.summary()).toMatchObject({ capacityFailures: 1, spotCapacityFailures: 1, tasksStarted: 2 });
    expect(ecs.summary()).toMatchObject({ spotTasksStarted: 0, onDemandTasksStarted: 2 });
  }));

  test('the task description has CapacityProviderName (and no LaunchType) when a strategy was used', () => withClock(async (clock) => {
    const ecs = new SimulatedEcs();
    const spot = ecs.runTaskSync({ ...runTaskParams({ id: 1 }), ...onCapacity('FARGATE_SPOT') });
    const onDemand = ecs.runTaskSync({ ...runTaskParams({ id: 2 }), ...onCapacity('FARGATE') });
    const launchType = ecs.runTaskSync({ ...runTaskParams({ id: 3 }), LaunchType: 'FARGATE' });
    await clock.runAllAsync();
    const [spotTask, onDemandTask, launchTypeTask] = await Promise.all([spot, onDemand, launchType]);
    expect(spotTask.CapacityProviderName).toBe('FARGATE_SPOT');
    expect(spotTask).not.toHaveProperty('LaunchType');
    expect(onDemandTask.CapacityProviderName).toBe('FARGATE');
    expect(onDemandTask).not.toHaveProperty('LaunchType');
    expect(launchTypeTask.LaunchType).toBe('FARGATE');
    expect(launchTypeTask).not.toHaveProperty('CapacityProviderName');
    expect(ecs.summary()).toMatchObject({ spotTasksStarted: 1, onDemandTasksStarted: 2 });
  }));

  test('calls without a strategy behave as before: any task may be interrupted, and the seeded draws are unchanged', () => {
    const fingerprint = (options: ConstructorParameters<typeof SimulatedEcs>[0]) => withClock(async (clock) => {
      const ecs = new SimulatedEcs({
        seed: 5, runTaskCallsPerSecond: Infinity, throttleRate: 0.2, capacityFailureRate: 0.2, spotInterruptionRate: 0.3, ...options,
      });
      const all = Promise.allSettled(items(30).map((item) => ecs.runTaskSync({ ...runTaskParams(item), LaunchType: 'FARGATE' })));
      await clock.runAllAsync();
      // Succeeded: the last 3 hex digits of the task id; failed: F (task failed), T (throttled), C (capacity).
      const letter: Record<string, string> = { [EcsErrors.TASK_FAILED]: 'F', [EcsErrors.THROTTLED]: 'T', [EcsErrors.FAILURES]: 'C' };
      const outcomes = (await all).map((r) => (r.status === 'fulfilled' ? r.value.TaskArn.slice(-3) : letter[r.reason.name])).join('');
      fingerprints.push(`${outcomes} ${JSON.stringify(ecs.summary())}`);
    });
    const fingerprints: string[] = [];
    return fingerprint({}).then(() => fingerprint({ spotCapacityFailureRate: 1 })).then(() => {
      expect(fingerprints[1]).toBe(fingerprints[0]);
      // Pinned from SimulatedEcs before capacity providers and batches were added.
      expect(fingerprints[0].split(' ')[0]).toBe(PRE_CAPACITY_FINGERPRINT);
      const summary = JSON.parse(fingerprints[0].split(' ')[1]);
      expect(summary).toMatchObject({ runTaskCalls: 30, throttled: 5, capacityFailures: 5, tasksStarted: 20, tasksSucceeded: 9, tasksFailed: 11 });
      expect(summary).toMatchObject({ spotInterruptions: 11, spotCapacityFailures: 0, spotTasksStarted: 0, onDemandTasksStarted: 20 });
      expect(summary).toMatchObject({ batchesStarted: 0, itemsStarted: 20 });
    });
  });
});

// ---------------------------------------------------------------------------
// Whole workflows
// ---------------------------------------------------------------------------

describe('executeWorkflow with an inline Map', () => {
  test('1,000 items with 30% throttling and a generous retry: every item succeeds exactly once', async () => {
    const ecs = new SimulatedEcs({ throttleRate: 0.3, seed: 11 });
    const all = items(1000);
    const result = await run(inlineFanOut({ maxConcurrency: 40 }), { items: all }, ecs);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toHaveLength(1000);
    expect(failedEntries(result.output)).toEqual([]);
    expect(result.output[999]).toMatchObject({ index: 999, item: { id: 999 }, result: { exitCode: 0 } });
    expect(ecs.throttled).toBeGreaterThan(300);
    expect(ecs.itemsSucceededMoreThanOnce()).toEqual([]);
    expect(ecs.itemsNeverSucceeded(all)).toEqual([]);
    expect(ecs.successesByItem.size).toBe(1000);
    expect(ecs.maxInFlight).toBeLessThanOrEqual(40);
    expect(result.payloads.overLimitCount).toBe(0);
    expect(result.payloads.byState.RunTask.maxTaskResultBytes).toBeGreaterThan(1500);
  });

  test('with a retry of 3 short attempts some items fail, and every failure is accounted for', async () => {
    const ecs = new SimulatedEcs({ throttleRate: 0.5, seed: 12 });
    const all = items(1000);
    const result = await run(inlineFanOut({ maxConcurrency: 40, retry: SHORT_RETRY }), { items: all }, ecs);

    expect(result.status).toBe('SUCCEEDED');
    const failed = failedEntries(result.output);
    // P(4 throttles in a row) is 1/16 at least; the token bucket adds more.
    expect(failed.length).toBeGreaterThan(20);
    expect(failed.length).toBeLessThan(1000);
    expect(new Set(failed.map((f) => f.error))).toEqual(new Set(['ECS.AmazonECSException']));
    const neverSucceeded = ecs.itemsNeverSucceeded(all);
    expect(neverSucceeded.map((item) => item.id).sort((a, b) => a - b)).toEqual(failed.map((f) => f.index).sort((a, b) => a - b));
    for (const item of neverSucceeded) expect(ecs.attemptsByItem.get(itemKey(item))).toHaveLength(4);
    expect(ecs.itemsSucceededMoreThanOnce()).toEqual([]);
    console.log(`short retry: ${failed.length} of 1000 items failed after 4 attempts`);
  });

  test('tasks in flight never exceed MaxConcurrency, and reach it', async () => {
    const ecs = new SimulatedEcs({ seed: 13, capacityFailureRate: 0.1 });
    const result = await run(inlineFanOut({ maxConcurrency: 7 }), { items: items(100) }, ecs);
    expect(result.status).toBe('SUCCEEDED');
    expect(ecs.maxInFlight).toBe(7);
    // 100 items, 7 at a time, 60 s each: at least 15 rounds of virtual time.
    expect(result.virtualMs).toBeGreaterThanOrEqual(15 * 60_000);
  });

  test('10,000 items run on the virtual clock: hours of simulated time, every item once', async () => {
    const ecs = new SimulatedEcs({ throttleRate: 0.3, seed: 14 });
    const started = Date.now();
    const result = await run(inlineFanOut({ maxConcurrency: 40 }), { items: items(10_000) }, ecs);
    const wallMs = Date.now() - started;
    console.log(`10,000 items: ${wallMs} ms wall, ${(result.virtualMs / 3600_000).toFixed(1)} h virtual, ` +
      `~${result.history.total} history events, ${ecs.runTaskCalls} RunTask calls`);

    expect(result.status).toBe('SUCCEEDED');
    expect(failedEntries(result.output)).toEqual([]);
    expect(ecs.successesByItem.size).toBe(10_000);
    expect(ecs.itemsSucceededMoreThanOnce()).toEqual([]);
    // Hours of virtual time pass without waiting for them (wall time is logged, not asserted: a
    // timed test fails on a loaded machine and measures nothing the benchmark does not).
    expect(result.virtualMs).toBeGreaterThan(3_600_000);
    // An inline Map keeps every iteration in one history: far over the 25,000-event quota.
    expect(result.history.total).toBeGreaterThan(HISTORY_EVENT_LIMIT);
  }, 60_000);

  test('flags a Map output over 256 KiB when per-item results are kept whole', async () => {
    const ecs = new SimulatedEcs({ seed: 15 });
    const result = await run(inlineFanOut({ maxConcurrency: 40, resultSelector: false }), { items: items(200) }, ecs);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.payloads.max).toMatchObject({ kind: 'mapResult', stateName: 'FanOut' });
    expect(result.payloads.byState.FanOut.maxOutputBytes).toBeGreaterThan(PAYLOAD_LIMIT_BYTES);
    expect(result.payloads.overLimit.map((r) => `${r.kind}:${r.stateName}`)).toEqual(
      expect.arrayContaining(['stateOutput:FanOut', 'mapResult:FanOut', 'executionOutput:undefined']));
  });

  test('estimates 8 history events for one successful runTask.sync Task', async () => {
    const ecs = new SimulatedEcs();
    const definition = { StartAt: 'RunTask', States: { RunTask: runTaskState(GENEROUS_RETRY, { End: true }) } };
    const result = await run(definition, { item: { id: 1 } }, ecs);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.history.total).toBe(8);
  });
});

describe('executeWorkflow with a Distributed Map', () => {
  test('reads items from distributedItems, honours MaxConcurrency and tolerated failures, and models ResultWriter', async () => {
    const ecs = new SimulatedEcs({ seed: 21, throttleRate: 0.2, exitCodeFor: (item: any) => (item.id % 50 === 7 ? 1 : 0) });
    const all = items(400);
    const result = await run(distributedFanOut({ maxConcurrency: 25, toleratedFailurePercentage: 5 }), { bucket: 'in-bucket' }, ecs, { distributedItems: all });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.executedDefinition.States.FanOut.Type).toBe('Task');
    expect(result.output.mapRun).toMatchObject({ ResultWriterDetails: { Bucket: 'in-bucket', Key: expect.stringMatching(/^results\/.*manifest\.json$/) } });
    const [mapRun] = result.mapRuns;
    expect(mapRun).toMatchObject({ itemsRead: 400, childExecutions: 400, succeeded: 392, failed: 8, maxConcurrency: 25, maxChildrenInFlight: 25 });
    expect(mapRun.failures[0]).toMatchObject({ Error: 'States.TaskFailed' });
    expect(ecs.maxInFlight).toBe(25);
    expect(ecs.itemsNeverSucceeded(all).map((item) => item.id)).toEqual(all.filter((i) => i.id % 50 === 7).map((i) => i.id));
    // The parent's history does not hold the children's events.
    expect(result.history.total).toBeLessThan(20);
    expect(mapRun.maxChildHistoryEvents).toBeGreaterThanOrEqual(6);
  });

  test('fails with States.ExceedToleratedFailureThreshold past the tolerated percentage', async () => {
    const ecs = new SimulatedEcs({ seed: 22, exitCodeFor: (item: any) => (item.id % 50 === 7 ? 1 : 0) });
    const result = await run(distributedFanOut({ maxConcurrency: 25, toleratedFailurePercentage: 1 }), { bucket: 'b' }, ecs, { distributedItems: items(400) });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('FanOut.TooManyFailures');
    expect(result.cause).toMatch(/child executions failed/);
    expect(result.mapRuns[0].thresholdExceeded).toBe(true);
    expect(result.mapRuns[0].failed).toBe(5);
  });

  test('batches items as ItemBatcher does, with BatchInput', async () => {
    const ecs = new SimulatedEcs({ seed: 23 });
    const result = await run(distributedFanOut({ maxConcurrency: 10, batch: 10 }), { bucket: 'b', runId: 'r-1' }, ecs, { distributedItems: items(45) });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.mapRuns[0]).toMatchObject({ itemsRead: 45, childExecutions: 5 });
    expect([...ecs.successesByItem.keys()][4]).toBe(JSON.stringify(items(45).slice(40)));
  });

  test('batches passed as FANOUT_ITEMS on Fargate Spot: each item is accounted for once, Spot refusals are retried', async () => {
    const ecs = new SimulatedEcs({ seed: 24, spotCapacityFailureRate: 0.3 });
    const all = items(45);
    const definition = distributedFanOut({ maxConcurrency: 10, batch: 10, itemsEnv: 'FANOUT_ITEMS', spot: true });
    const result = await run(definition, { bucket: 'b', runId: 'r-1' }, ecs, { distributedItems: all });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.mapRuns[0]).toMatchObject({ itemsRead: 45, childExecutions: 5, succeeded: 5 });
    expect(ecs.itemsNeverSucceeded(all)).toEqual([]);
    expect(ecs.itemsSucceededMoreThanOnce()).toEqual([]);
    expect(ecs.successesByItem.size).toBe(45);
    expect(ecs.spotCapacityFailures).toBeGreaterThan(0);
    expect(ecs.summary()).toMatchObject({ tasksStarted: 5, batchesStarted: 5, itemsStarted: 45, spotTasksStarted: 5, onDemandTasksStarted: 0 });
    expect(ecs.attemptsByItem.get(itemKey(all[44]))!.at(-1)).toMatchObject({ result: 'succeeded', batchSize: 5, capacity: 'FARGATE_SPOT' });
  });

  test('fails when an ItemReader has no distributedItems', async () => {
    await expect(run(distributedFanOut({ maxConcurrency: 10 }), { bucket: 'b' }, new SimulatedEcs()))
      .rejects.toThrow(/'FanOut' has an ItemReader: pass the items it would read as options.distributedItems/);
  });
});

// ---------------------------------------------------------------------------
// What aws-local-stepfunctions 3.0.0 does and does not do (README.md lists these)
// ---------------------------------------------------------------------------

describe('interpreter behaviour', () => {
  const pass = (parameters: object) => ({ StartAt: 'P', States: { P: { Type: 'Pass', Parameters: parameters, End: true } } });
  const failing = (name: string) => async () => {
    const err = new Error('cause text');
    err.name = name;
    throw err;
  };

  test('Retry honours IntervalSeconds, BackoffRate and MaxDelaySeconds in virtual time; FULL jitter shortens waits', async () => {
    const definition = (jitter: string) => ({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::ecs:runTask.sync',
          Retry: [{ ErrorEquals: ['X'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 3, MaxDelaySeconds: 15, JitterStrategy: jitter }],
          End: true,
        },
      },
    });
    const none = await executeWorkflow(definition('NONE'), {}, { taskHandlers: { T: failing('X') } });
    expect(none).toMatchObject({ status: 'FAILED', error: 'X', cause: 'cause text', virtualMs: 10_000 + 15_000 + 15_000 });
    const full = await executeWorkflow(definition('FULL'), {}, { taskHandlers: { T: failing('X') } });
    expect(full.virtualMs).toBeLessThan(40_000);
    const again = await executeWorkflow(definition('FULL'), {}, { taskHandlers: { T: failing('X') } });
    expect(again.virtualMs).toBe(full.virtualMs);
  });

  test('a Task without TimeoutSeconds times out after 60 s', async () => {
    const definition = { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', End: true } } };
    const slow = () => new Promise((resolve) => setTimeout(resolve, 61_000));
    await expect(executeWorkflow(definition, {}, { taskHandlers: { T: slow } })).resolves.toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  test('Catch gives { Error, Cause } at its ResultPath', async () => {
    const definition = {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Done' }], End: true },
        Done: { Type: 'Pass', End: true },
      },
    };
    const result = await executeWorkflow(definition, { a: 1 }, { taskHandlers: { T: failing('ECS.AmazonECSException') } });
    expect(result.output).toEqual({ a: 1, error: { Error: 'ECS.AmazonECSException', Cause: 'cause text' } });
  });

  test('ResultPath "$" writes a key named "$" instead of replacing the input (omit ResultPath instead)', async () => {
    const definition = { StartAt: 'P', States: { P: { Type: 'Pass', Result: { b: 2 }, ResultPath: '$', End: true } } };
    expect((await executeWorkflow(definition, { a: 1 })).output).toEqual({ a: 1, $: { b: 2 } });
  });

  test('ResultSelector: States.ArrayLength and filter expressions work while the filter matches something', async () => {
    const selector = { 'count.$': 'States.ArrayLength($.r)', 'failed.$': '$.r[?(@.error)]', 'nFailed.$': 'States.ArrayLength($.r[?(@.error)])' };
    const some = await executeWorkflow(pass(selector), { r: [{ ok: 1 }, { error: 'E' }] });
    expect(some.output).toEqual({ count: 2, failed: [{ error: 'E' }], nFailed: 1 });
  });

  test('raw interpreter: a filter expression that matches nothing fails with States.Runtime (AWS gives [])', async () => {
    const raw = { correctIndefinitePaths: false };
    const none = await executeWorkflow(pass({ 'failed.$': '$.r[?(@.error)]' }), { r: [{ ok: 1 }] }, raw);
    expect(none).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringMatching(/does not point to a value/) });
    const count = await executeWorkflow(pass({ 'n.$': 'States.ArrayLength($.r[?(@.error)])' }), { r: [{ ok: 1 }] }, raw);
    expect(count).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  test('corrected (the default): an indefinite path that matches nothing gives [], as Jayway JsonPath does on AWS', async () => {
    const selector = {
      'filter.$': '$.r[?(@.error)]',
      'nFailed.$': 'States.ArrayLength($.r[?(@.error)])',
      'wildcard.$': '$.empty[*]',
      'wildcardField.$': '$.r[*].nope',
      'deepScan.$': '$..nope',
      'slice.$': '$.r[5:9]',
      'union.$': '$.r[5,6]',
    };
    const result = await executeWorkflow(pass(selector), { r: [{ ok: 1 }], empty: [] });
    expect(result.output).toEqual({ filter: [], nFailed: 0, wildcard: [], wildcardField: [], deepScan: [], slice: [], union: [] });
    // Matches are unchanged.
    const some = await executeWorkflow(pass({ 'failed.$': '$.r[?(@.error)]' }), { r: [{ ok: 1 }, { error: 'E' }] });
    expect(some.output).toEqual({ failed: [{ error: 'E' }] });
  });

  test('corrected: an indefinite path with a single match gives a list of it, as on AWS (the raw interpreter gives the value)', async () => {
    const selector = { 'deepScan.$': '$..StopCode', 'wildcard.$': '$.c[*].ExitCode', 'filter.$': '$.r[?(@.error)]' };
    const input = { StopCode: 'SpotInterruption', c: [{ ExitCode: 0 }], r: [{ ok: 1 }, { error: 'E' }] };
    const result = await executeWorkflow(pass(selector), input);
    expect(result.output).toEqual({ deepScan: ['SpotInterruption'], wildcard: [0], filter: [{ error: 'E' }] });
    const raw = await executeWorkflow(pass(selector), input, { correctIndefinitePaths: false });
    expect(raw.output.deepScan).toBe('SpotInterruption');
  });

  test('corrected: a definite path that points nowhere still fails with States.Runtime, as on AWS', async () => {
    for (const path of ['$.missing', '$.r[7]', '$.r[0].nope', "$['missing']"]) {
      const result = await executeWorkflow(pass({ 'v.$': path }), { r: [{ ok: 1 }] });
      expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringMatching(/does not point to a value/) });
    }
  });

  test('isIndefinitePath: filters, wildcards, slices, unions and deep scans are indefinite; names and indexes are not', () => {
    for (const path of ['$[?(@.error)]', '$.r[?(@.a == 1)].b', '$.r[*]', '$.o.*', '$..a', '$.r[1:3]', '$.r[-1:]', '$.r[0,1]', "$['a','b']"]) {
      expect([path, isIndefinitePath(path)]).toEqual([path, true]);
    }
    for (const path of ['$', '$.a', '$.a.b', '$.r[0]', "$['a:b']", "$['a,b']", '$.r[-1]']) {
      expect([path, isIndefinitePath(path)]).toEqual([path, false]);
    }
  });

  test('nested intrinsic functions work: States.Format with States.ArrayLength inside', async () => {
    const parameters = {
      'failedCount.$': 'States.ArrayLength($.failedItems)',
      'message.$': "States.Format('{} of {} items failed', States.ArrayLength($.failedItems), $.itemCount)",
    };
    const none = await executeWorkflow(pass(parameters), { itemCount: 5, failedItems: [] });
    expect(none.output).toEqual({ failedCount: 0, message: '0 of 5 items failed' });
    const two = await executeWorkflow(pass(parameters), { itemCount: 5, failedItems: [{ index: 1 }, { index: 3 }] });
    expect(two.output).toEqual({ failedCount: 2, message: '2 of 5 items failed' });
  });

  test('$$.Map.Item.Index and $$.Map.Item.Value work in ItemSelector', async () => {
    const definition = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.xs',
          ItemSelector: { 'i.$': '$$.Map.Item.Index', 'v.$': '$$.Map.Item.Value', 'k.$': '$.k' },
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    };
    expect((await executeWorkflow(definition, { xs: ['a', 'b'], k: 1 })).output).toEqual([{ i: 0, v: 'a', k: 1 }, { i: 1, v: 'b', k: 1 }]);
  });

  test('States.JsonToString works, but strips every backslash, so strings with quotes come out as invalid JSON', async () => {
    const plain = await executeWorkflow(pass({ 's.$': 'States.JsonToString($.o)' }), { o: { id: 1, name: 'a' } });
    expect(plain.output.s).toBe('{"id":1,"name":"a"}');
    const quoted = await executeWorkflow(pass({ 's.$': 'States.JsonToString($.o)' }), { o: { q: 'say "hi"' } });
    expect(quoted.output.s).toBe('{"q":"say "hi""}');
  });

  test('Fail CausePath takes a path but not an intrinsic function (States.Runtime); format the cause in a Pass state first', async () => {
    const withFormat = { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'E', CausePath: "States.Format('{} failed', $.n)" } } };
    expect(await executeWorkflow(withFormat, { n: 3 })).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const viaPass = {
      StartAt: 'P',
      States: {
        P: { Type: 'Pass', Parameters: { 'cause.$': "States.Format('{} failed', $.n)" }, Next: 'F' },
        F: { Type: 'Fail', Error: 'E', CausePath: '$.cause' },
      },
    };
    expect(await executeWorkflow(viaPass, { n: 3 })).toMatchObject({ status: 'FAILED', error: 'E', cause: '3 failed' });
  });

  test('MaxConcurrency is honoured on an inline Map; a DISTRIBUTED Map run as inline would default to 40', async () => {
    let inFlight = 0;
    let max = 0;
    const task = async () => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      inFlight--;
      return {};
    };
    const definition = (maxConcurrency?: number) => ({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ...(maxConcurrency !== undefined ? { MaxConcurrency: maxConcurrency } : {}),
          ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', End: true } } },
          End: true,
        },
      },
    });
    await executeWorkflow(definition(3), items(50), { taskHandlers: { T: task } });
    expect(max).toBe(3);
    max = 0;
    await executeWorkflow(definition(), items(100), { taskHandlers: { T: task } });
    expect(max).toBe(40);
  });
});
