/**
 * The callback pattern, executed on the definitions FargateFanOut synthesizes, against the simulated ECS.
 * Every run is counted item by item.
 */
import { attemptsOf, expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut, TestItem } from './fan-out-run';
import { FanOutCapacity, FanOutIntegrationPattern, FanOutMode } from '../../src';
import { DEFAULT_THROTTLE_RETRY } from '../../src/retries/private/throttle-retry';
import { CALLBACK_NOT_RUNNING_RERUNS } from '../../src/workflow/item/callback-runner';
import { StateNames } from '../../src/workflow/workflow';
import { CallbackBehavior, CONTAINER_OVERRIDES_MAX_CHARS, SimulatedEcs } from '../harness/simulated-ecs';
import { allStates } from '../util/synth';

jest.setTimeout(120_000);

describe('integrationPattern CALLBACK', () => {
  const callbackRun = (props: Parameters<typeof fanOutWith>[0], options: Omit<ConstructorParameters<typeof SimulatedEcs>[0] & object, 'heartbeatSeconds'>) => {
    const synth = fanOutWith({ integrationPattern: FanOutIntegrationPattern.CALLBACK, ...props });
    const states = allStates(synth.definition);
    const heartbeatSeconds = (states[StateNames.INLINE_TASK] ?? states[StateNames.DISTRIBUTED_TASK]).HeartbeatSeconds;
    return { synth, ecs: new SimulatedEcs({ ...options, heartbeatSeconds }) };
  };
  const doubled = (item: any): CallbackBehavior => ({ kind: 'success', output: { id: item.id, doubled: item.id * 2 } });

  test('inline: each container\'s result comes back in the output, in item order', async () => {
    const items = makeItems(120);
    const { synth, ecs } = callbackRun({ mode: FanOutMode.INLINE }, { callbackFor: doubled, throttleRate: 0.2, seed: 93 });

    const run = await runFanOut(synth, items, ecs);

    expectEveryItemAccountedFor(run, 40);
    expect(run.result.output.results).toEqual(items.map((item) => ({ id: item.id, doubled: item.id * 2 })));
    expect(ecs.inFlight).toBe(0);
  });

  test('distributed: results are each child\'s output (written to S3 by the ResultWriter)', async () => {
    const items = makeItems(300);
    const { synth, ecs } = callbackRun({ mode: FanOutMode.DISTRIBUTED }, { callbackFor: doubled, seed: 94 });

    const run = await runFanOut(synth, items, ecs);

    expectEveryItemAccountedFor(run, 100);
    expect(run.result.mapRuns[0].results).toEqual(items.map((item) => ({ result: { id: item.id, doubled: item.id * 2 } })));
  });

  test('a worker told to stop (FanOut.Interrupted, as the worker runtime reports SIGTERM) is run again and succeeds; other errors are not retried', async () => {
    const items = makeItems(100);
    const interruptedOnce = (item: any) => item.id % 10 === 4;
    const failing = (item: any) => item.id % 25 === 7;
    const { synth, ecs } = callbackRun({ mode: FanOutMode.DISTRIBUTED }, {
      callbackFor: (item: any, attempt: number): CallbackBehavior => {
        if (interruptedOnce(item) && attempt === 1) return { kind: 'failure', error: 'FanOut.Interrupted', cause: 'SIGTERM before the handler finished' };
        if (failing(item)) return { kind: 'failure', error: 'ValueError', cause: 'bad item' };
        return doubled(item);
      },
      seed: 96,
    });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toEqual(items.filter(failing).map((i) => i.id));
    const launches = (item: any) => attemptsOf(ecs, item).filter((a) => a.startedAt !== undefined).length;
    expect(items.filter(interruptedOnce).map(launches)).toEqual(items.filter(interruptedOnce).map(() => 2));
    expect(items.filter(failing).map(launches)).toEqual(items.filter(failing).map(() => 1));
  });

  test('a container that hangs fails its item with States.HeartbeatTimeout, and its task is found and stopped', async () => {
    const items = makeItems(200);
    const hangs = (item: any) => item.id % 40 === 11;
    const { synth, ecs } = callbackRun({ mode: FanOutMode.DISTRIBUTED }, {
      callbackFor: (item: any) => (hangs(item) ? { kind: 'hang' } : doubled(item)), seed: 95,
    });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toEqual(items.filter(hangs).map((i) => i.id));
    expect(new Set(run.summary!.failedItems.map((f) => f.error))).toEqual(new Set(['States.HeartbeatTimeout']));
    expect(ecs.tasksHung).toBe(5);
    // Every hung task was stopped; none is left running.
    expect(ecs.tasksStoppedByStopTask).toBe(5);
    expect(ecs.inFlight).toBe(0);
  });

  test.each(['Ecs.EcsException', 'Ecs.ThrottlingException'])(
    'on the SDK integration: throttled calls named %s are retried, and a task that never started (no Spot capacity, a failures list) runs again after the heartbeat timeout',
    async (sdkThrottleError) => {
      const items = makeItems(100);
      const { synth, ecs } = callbackRun({ mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT }, {
        callbackFor: doubled, throttleRate: 0.2, spotCapacityFailureRate: 0.3, sdkThrottleError, seed: 97,
      });

      const run = await runFanOut(synth, items, ecs);

      // Items whose three tasks all found no capacity fail with the timeout; every other item
      // succeeds exactly once (the accounting checks both).
      const accounting = expectEveryItemAccountedFor(run, 100);
      const neverStarted = (item: any) => attemptsOf(ecs, item).filter((a) => a.detail === 'spot-capacity').length;
      expect(accounting.reportedFailed).toEqual(items.filter((item) => neverStarted(item) === 1 + CALLBACK_NOT_RUNNING_RERUNS).map((i) => i.id));
      expect(accounting.succeededOnce).toBeGreaterThan(90);
      const rerunAndSucceeded = items.filter((item) => neverStarted(item) > 0 && attemptsOf(ecs, item).at(-1)!.result === 'succeeded');
      expect(rerunAndSucceeded.length).toBeGreaterThan(10);
      expect(ecs.apiThrottled).toBeGreaterThan(10);
      expect(ecs.tasksStoppedByStopTask).toBe(0);
      expect(ecs.inFlight).toBe(0);
    },
  );

  test.each([
    ['inline', FanOutMode.INLINE, 40],
    ['distributed', FanOutMode.DISTRIBUTED, 100],
  ])(`(%s Map) an item whose overrides exceed ${CONTAINER_OVERRIDES_MAX_CHARS} characters is written to S3 once its refusals outlast their retries, and its container gets the reference`, async (_name, mode, cap) => {
    const items: TestItem[] = makeItems(20);
    items[7] = { id: 7, pad: 'x'.repeat(CONTAINER_OVERRIDES_MAX_CHARS) };
    const { synth, ecs } = callbackRun({ mode }, { callbackFor: (item: any) => ({ kind: 'success', output: { id: item.id } }), seed: 98 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    expect(accounting.succeededOnce).toBe(20);
    // The SDK integration's InvalidParameterException is retried like throttling (it is also what
    // a throttled VPC lookup looks like), then the item goes to S3 once and its task runs.
    const attempts = attemptsOf(ecs, items[7]).filter((a) => a.detail !== 'api-throttle');
    expect(attempts.map((a) => a.detail)).toEqual([...Array(1 + DEFAULT_THROTTLE_RETRY.maxAttempts).fill('overrides-too-large'), 'exit-0']);
    expect(attempts[0].error).toBe('Ecs.InvalidParameterException');
    expect([...ecs.s3Objects.keys()]).toEqual([expect.stringMatching(/^.+\/fan-out-results\/items\/.+\/7\.json$/)]);
    expect([...ecs.s3Objects.values()]).toEqual([JSON.stringify(items[7])]);
  });

  test('a container that sends a failure fails its item with that error; one that dies without calling back runs twice more, then times out', async () => {
    const items = makeItems(100);
    const { synth, ecs } = callbackRun({ mode: FanOutMode.INLINE }, {
      callbackFor: (item: any) => (item.id === 5 ? { kind: 'failure', error: 'Worker.BadInput', cause: 'id 5 is not allowed' } : doubled(item)),
      exitCodeFor: (item: any) => (item.id === 9 ? 137 : 0),
      seed: 96,
    });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 40);
    expect(accounting.reportedFailed).toEqual([5, 9]);
    expect(run.summary!.failedItems).toEqual([{ index: 5, error: 'Worker.BadInput' }, { index: 9, error: 'States.HeartbeatTimeout' }]);
    expect(attemptsOf(ecs, items[9]).filter((a) => a.startedAt !== undefined)).toHaveLength(1 + CALLBACK_NOT_RUNNING_RERUNS);
    expect(attemptsOf(ecs, items[5])).toHaveLength(1);
    // The dead task had already stopped: nothing to stop.
    expect(ecs.tasksStoppedByStopTask).toBe(0);
    expect(ecs.inFlight).toBe(0);
  });
});
