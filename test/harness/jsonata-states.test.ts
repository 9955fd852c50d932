import { ConcurrentRunner } from './concurrent-executions';
import { DEFAULT_START_TIME, executeWorkflow } from './execute-workflow';
import { evaluateTemplate, rewriteAllJsonataStates } from './jsonata-states';

jest.setTimeout(60_000);

const ISO_START = new Date(DEFAULT_START_TIME).toISOString(); // 2025-01-01T00:00:00.000Z

/** A Distributed Map whose children wait until runStart + floor(index / 20) s, then call `Work`. */
function pacedDistributedMap(timestamp: string) {
  return {
    StartAt: 'FanOut',
    States: {
      FanOut: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 1000,
        ItemSelector: {
          'item.$': '$$.Map.Item.Value',
          'itemIndex.$': '$$.Map.Item.Index',
          'runStartTime.$': '$$.Execution.StartTime',
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Pace',
          States: {
            Pace: { Type: 'Wait', QueryLanguage: 'JSONata', Timestamp: timestamp, Next: 'Work' },
            Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'item.$': '$.item' }, End: true },
          },
        },
        End: true,
      },
    },
  };
}

const PACE_BY_INDEX = '{% $fromMillis($toMillis($states.input.runStartTime) + $floor($states.input.itemIndex / 20) * 1000) %}';

describe('JSONata Wait', () => {
  test('waits until its Timestamp in virtual time, and passes its input on to the next JSONPath state', async () => {
    const calls: Array<{ item: number; atMs: number }> = [];
    const items = Array.from({ length: 60 }, (_, i) => i);
    const result = await executeWorkflow(pacedDistributedMap(PACE_BY_INDEX), { items }, {
      taskHandlers: {
        Work: (params: any) => {
          calls.push({ item: params.item, atMs: Date.now() - DEFAULT_START_TIME });
          return { done: params.item };
        },
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual(items.map((item) => ({ done: item })));
    // Items 0-19 at 0 s, 20-39 at 1 s, 40-59 at 2 s: floor(index / 20) seconds after the run's start.
    const atMsByItem = Object.fromEntries(calls.map((call) => [call.item, call.atMs]));
    expect([atMsByItem[0], atMsByItem[19], atMsByItem[20], atMsByItem[39], atMsByItem[40], atMsByItem[59]]).toEqual([0, 0, 1000, 1000, 2000, 2000]);
    expect(result.virtualMs).toBe(2000);
  });

  test('the ItemSelector\'s $$.Execution.StartTime is the parent execution\'s start, not the Map state\'s', async () => {
    const definition = {
      StartAt: 'Late',
      States: {
        Late: { Type: 'Wait', Seconds: 7, Next: 'FanOut' },
        FanOut: { ...pacedDistributedMap(PACE_BY_INDEX).States.FanOut },
      },
    };
    const starts: string[] = [];
    const result = await executeWorkflow(definition, { items: [0, 1] }, {
      taskHandlers: { Work: () => ({}) },
      onEvent: (event, execution) => { if (execution !== 'root' && event.type === 'ExecutionStarted') starts.push(event.input.runStartTime); },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(starts).toEqual([ISO_START, ISO_START]);
    // Both timestamps (start + 0 s) are 7 s in the past when the children run: no wait at all.
    expect(result.virtualMs).toBe(7000);
  });

  test('a Timestamp in the past ends the Wait at once; milliseconds are dropped as AWS does', async () => {
    const wait = (timestamp: string) => ({
      StartAt: 'Pace',
      States: { Pace: { Type: 'Wait', QueryLanguage: 'JSONata', Timestamp: timestamp, End: true } },
    });
    const past = await executeWorkflow(wait('2024-12-31T23:59:00Z'), { a: 1 });
    expect(past.status).toBe('SUCCEEDED');
    expect(past.virtualMs).toBe(0);
    expect(past.output).toEqual({ a: 1 });
    const fraction = await executeWorkflow(wait('2025-01-01T00:00:01.999Z'), {});
    expect(fraction.virtualMs).toBe(1000);
    const notRfc3339 = await executeWorkflow(wait('{% "2025-01-01 00:00:05" %}'), {});
    expect(notRfc3339.status).toBe('FAILED');
    expect(notRfc3339.error).toBe('States.QueryEvaluationError');
  });

  test('Seconds as an expression; Output shapes the state output', async () => {
    const definition = {
      QueryLanguage: 'JSONata', // inherited by every state
      StartAt: 'Pause',
      States: {
        Pause: { Type: 'Wait', Seconds: '{% $states.input.n * 3 %}', Output: '{% { "n": $states.input.n, "waited": true } %}', End: true },
      },
    };
    const result = await executeWorkflow(definition, { n: 4 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.virtualMs).toBe(12_000);
    expect(result.output).toEqual({ n: 4, waited: true });
  });

  test('counts as a Wait state in the history: WaitStateEntered and WaitStateExited, no task events', async () => {
    const definition = {
      StartAt: 'Pace',
      States: {
        Pace: { Type: 'Wait', QueryLanguage: 'JSONata', Seconds: 1, Next: 'Done' },
        Done: { Type: 'Pass', End: true },
      },
    };
    const types: string[] = [];
    const result = await executeWorkflow(definition, {}, { onEvent: (event) => { if (event.type === 'StateEntered') types.push(event.state.type); } });
    expect(types).toEqual(['Wait', 'Pass']);
    expect(result.history.byEventType).toEqual({
      ExecutionStarted: 1, WaitStateEntered: 1, WaitStateExited: 1, PassStateEntered: 1, PassStateExited: 1, ExecutionSucceeded: 1,
    });
  });
});

describe('JSONata Pass and Task', () => {
  test('a Pass without Output passes its input; with Output it gives the expression\'s value', async () => {
    const definition = {
      StartAt: 'Keep',
      States: {
        Keep: { Type: 'Pass', QueryLanguage: 'JSONata', Next: 'Shape' },
        Shape: { Type: 'Pass', QueryLanguage: 'JSONata', Output: { sum: '{% $sum($states.input.xs) %}', literal: 'plain' }, End: true },
      },
    };
    const result = await executeWorkflow(definition, { xs: [1, 2, 3] });
    expect(result.output).toEqual({ sum: 6, literal: 'plain' });
    expect(result.history.byEventType.PassStateEntered).toBe(2);
    expect(result.history.byEventType.TaskScheduled).toBeUndefined();
  });

  test('a Task gets its evaluated Arguments; its output is the result, or its Output with $states.result', async () => {
    const seen: any[] = [];
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          QueryLanguage: 'JSONata',
          Resource: 'arn:aws:states:::aws-sdk:servicequotas:getServiceQuota',
          Arguments: { ServiceCode: 'fargate', QuotaCode: '{% $states.input.code %}', Entered: '{% $states.context.State.EnteredTime %}' },
          Output: '{% { "vcpus": $states.result.Quota.Value, "code": $states.input.code } %}',
          Next: 'Raw',
        },
        Raw: { Type: 'Task', QueryLanguage: 'JSONata', Resource: 'arn:aws:states:::aws-sdk:sts:getCallerIdentity', End: true },
      },
    };
    const result = await executeWorkflow(definition, { code: 'L-3032A538' }, {
      taskHandlers: {
        Call: (params: any) => { seen.push(params); return { Quota: { Value: 4000 } }; },
        Raw: (params: any) => { seen.push(params); return { Account: '123456789012', echo: 'raw' }; },
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(seen).toEqual([{ ServiceCode: 'fargate', QuotaCode: 'L-3032A538', Entered: ISO_START }, undefined]);
    expect(result.output).toEqual({ Account: '123456789012', echo: 'raw' });
    expect(result.history.byEventType.TaskStateEntered).toBe(2);
    expect(result.history.byEventType.TaskSucceeded).toBe(2);
  });

  test('a Task\'s Retry runs in virtual time and its Catch gives the error output', async () => {
    let calls = 0;
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          QueryLanguage: 'JSONata',
          Resource: 'arn:aws:states:::aws-sdk:servicequotas:getServiceQuota',
          Arguments: { QuotaCode: 'L-3032A538' },
          Retry: [{ ErrorEquals: ['ServiceQuotas.TooManyRequestsException'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 1 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fallback' }],
          End: true,
        },
        Fallback: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% { "fellBack": $states.input.Error } %}', End: true },
      },
    };
    const result = await executeWorkflow(definition, {}, {
      taskHandlers: {
        Call: () => {
          calls++;
          const err = new Error('Rate exceeded');
          err.name = 'ServiceQuotas.TooManyRequestsException';
          throw err;
        },
      },
    });
    expect(calls).toBe(3);
    expect(result.virtualMs).toBe(4000);
    expect(result.output).toEqual({ fellBack: 'ServiceQuotas.TooManyRequestsException' });
    expect(result.history.byEventType.TaskFailed).toBe(3);
  });

  test('ConcurrentRunner runs JSONata states too, with each execution\'s own start time', async () => {
    const definition = {
      StartAt: 'Stamp',
      States: { Stamp: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.context.Execution.StartTime %}', End: true } },
    };
    const runner = new ConcurrentRunner({ taskHandlers: {} });
    const records = await runner.run([
      { name: 'first', stateMachineName: 'm', definition },
      { name: 'later', stateMachineName: 'm', definition, startAtMs: 5000 },
    ]);
    expect([...records.values()].map((r) => r.output)).toEqual([ISO_START, '2025-01-01T00:00:05.000Z']);
  });
});

describe('fails', () => {
  test('fails for what the harness does not run: a Catch\'s Assign, a JSONata Choice', () => {
    expect(() => rewriteAllJsonataStates({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          QueryLanguage: 'JSONata',
          Resource: 'arn:aws:states:::harness:x',
          Catch: [{ ErrorEquals: ['States.ALL'], Assign: { x: 1 }, Next: 'B' }],
          End: true,
        },
        B: { Type: 'Succeed' },
      },
    })).toThrow(/'A'.*Catch's Assign/);
    expect(() => rewriteAllJsonataStates({
      QueryLanguage: 'JSONata', StartAt: 'C', States: { C: { Type: 'Choice', Choices: [], Default: 'D' }, D: { Type: 'Succeed' } },
    })).toThrow(/'C' is a Choice state/);
  });

  test('fails a state whose expression does not evaluate with States.QueryEvaluationError', async () => {
    await expect(evaluateTemplate('{% $states.input.( %}', { input: {} })).rejects.toMatchObject({ name: 'States.QueryEvaluationError' });
  });
});
