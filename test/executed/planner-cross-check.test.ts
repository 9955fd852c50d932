/**
 * The planner (src/planner/launch-simulation.ts) is a fast model of the same limits the offline harness
 * simulates around the real interpreter. These tests run scenarios through both and check that the
 * planner's answers agree with what the synthesized workflow does against SimulatedEcs: makespan,
 * RunTask calls, and billed state transitions per item (issue 28 item 1).
 *
 * Executed transitions are counted as AWS bills them: every state entered, in the root execution
 * and in every Distributed Map child, and every retry of a state. The planner's are its
 * `stateTransitions` (the run's own states, every Task attempt, the pacing Wait, a pool's states).
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { fanOutWith, makeItems, runFanOut } from './fan-out-run';
import { FanOutConcurrencyPool, FanOutConcurrencyPoolProps, FanOutMode, FanOutPlanner, FargateFanOut } from '../../src';
import { PoolKeys } from '../../src/concurrency-pool/private/pool-table';
import { StateNames } from '../../src/workflow/workflow';
import { executeWorkflow } from '../harness/execute-workflow';
import { SimulatedDynamoDb } from '../harness/simulated-dynamodb';
import { SimulatedEcs } from '../harness/simulated-ecs';
import { newStack, resolveJoin, withImage } from '../util/synth';

jest.setTimeout(180_000);

/** Counts billed transitions of every execution (root and children) from the interpreter's events. */
function transitionCounter() {
  const counter = {
    total: 0,
    onEvent: (event: any) => {
      if (event.type === 'StateEntered' || event.type === 'StateRetried') counter.total++;
    },
  };
  return counter;
}

test('the planner agrees with the executed workflow on a launch-limited run', async () => {
  const items = 3000;
  const cap = 500;
  const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: cap, maxVcpus: cap });
  const ecs = new SimulatedEcs({ seed: 81 });
  const run = await runFanOut(synth, makeItems(items), ecs);
  const plan = FanOutPlanner.plan({ items, taskDuration: Duration.minutes(1), maxConcurrency: cap, vcpuQuota: 10_000 });

  expect(run.result.status).toBe('SUCCEEDED');
  expect(plan.itemsLost).toBe(0);
  expect(ecs.tasksSucceeded).toBe(items);
  // Same limits, different random draws: makespan within 5%, RunTask calls within 15%.
  const executedSeconds = run.result.virtualMs / 1000;
  expect(plan.makespanSeconds / executedSeconds).toBeGreaterThan(0.95);
  expect(plan.makespanSeconds / executedSeconds).toBeLessThan(1.05);
  expect(plan.runTaskCalls / ecs.runTaskCalls).toBeGreaterThan(0.85);
  expect(plan.runTaskCalls / ecs.runTaskCalls).toBeLessThan(1.15);
  console.log(`planner: ${plan.makespanSeconds.toFixed(0)} s, ${plan.runTaskCalls} calls; executed: ${executedSeconds.toFixed(0)} s, ${ecs.runTaskCalls} calls`);
}, 180_000);

describe('transitions per item, planner against execution, within 5%', () => {
  test.each([
    // The default cap, not paced: a Task state per item, and the first wave's throttled retries.
    ['the default cap (100), not paced', 100, 30],
    // Paced: a Wait and a Task state per item.
    ['a paced cap (1,000), 30 s tasks', 1000, 30],
    ['a paced cap (1,000), 10 s tasks', 1000, 10],
  ])('%s', async (_name, cap, taskSeconds) => {
    const items = 3000;
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: cap });
    const ecs = new SimulatedEcs({ taskDurationMs: taskSeconds * 1000, seed: 7 });
    const transitions = transitionCounter();
    const run = await runFanOut(synth, makeItems(items), ecs, { measurePayloads: false, onEvent: transitions.onEvent });
    const plan = FanOutPlanner.plan({ items, taskDuration: Duration.seconds(taskSeconds), maxConcurrency: cap, vcpuQuota: 1e6 });

    expect(run.result.status).toBe('SUCCEEDED');
    expect(plan.launchPacing).toBe(cap > 100);
    const executed = transitions.total / items;
    const planned = plan.stateTransitions / items;
    console.log(`cap ${cap}, ${taskSeconds} s: planner ${planned.toFixed(4)} transitions/item, executed ${executed.toFixed(4)}`);
    expect(planned / executed).toBeGreaterThan(0.95);
    expect(planned / executed).toBeLessThan(1.05);
  });

  test('with a concurrency pool (one fan-out alone in it, 20 tasks, 5 RunTask calls a second)', async () => {
    // The first 20 children wait for the pool's pacing window (5 a second): about 170 transitions
    // the planner does not count (4.02 planned, 4.13 executed per item over 1,500 items: 2.7%).
    const items = 1500;
    const taskSeconds = 30;
    const poolProps: FanOutConcurrencyPoolProps = { maxTasks: 20, maxRunTaskCallsPerSecond: 5 };
    // The Map's cap at the pool's room, as the planner models a pool (it gives the Map that cap):
    // no child waits but for the pool's pacing window. A larger cap makes the children beyond the
    // pool's room look at it every few seconds to minutes, which the planner does not model.
    const { definition, tableName } = synthPooled(poolProps, poolProps.maxTasks);
    const dynamo = new SimulatedDynamoDb({ latencyMs: 5 });
    dynamo.createTable(tableName, {
      partitionKey: PoolKeys.PARTITION,
      sortKey: PoolKeys.SORT,
      indexes: { [PoolKeys.BY_KIND_INDEX]: { partitionKey: PoolKeys.KIND, sortKey: PoolKeys.STAMP } },
    });
    const ecs = new SimulatedEcs({ taskDurationMs: taskSeconds * 1000, seed: 7 });
    const transitions = transitionCounter();
    const result = await executeWorkflow(definition, { items: makeItems(items) }, {
      seed: 1,
      measurePayloads: false,
      onEvent: transitions.onEvent,
      context: {
        Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:FanOut:pooled', Name: 'pooled' },
        // The pool stamps its leases with the state's entered time; the interpreter has none.
        State: { get EnteredTime() { return new Date().toISOString(); } },
      },
      taskHandlers: {
        ...dynamo.handlersFor(definition),
        [StateNames.DISTRIBUTED_TASK]: ecs.runTaskSync,
        [StateNames.DISTRIBUTED_ON_DEMAND_TASK]: ecs.runTaskSync,
      },
    });
    const plan = FanOutPlanner.plan({
      items,
      taskDuration: Duration.seconds(taskSeconds),
      vcpuQuota: 1e6,
      pool: { maxTasks: poolProps.maxTasks, maxRunTaskCallsPerSecond: poolProps.maxRunTaskCallsPerSecond },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(ecs.tasksSucceeded).toBe(items);
    const executed = transitions.total / items;
    const planned = plan.stateTransitions / items;
    console.log(`pool: planner ${planned.toFixed(4)} transitions/item, executed ${executed.toFixed(4)}; `
      + `makespan planner ${plan.makespanSeconds.toFixed(0)} s, executed ${(result.virtualMs / 1000).toFixed(0)} s; ${ecs.runTaskCalls} RunTask calls`);
    expect(planned / executed).toBeGreaterThan(0.95);
    expect(planned / executed).toBeLessThan(1.05);
  });
});

/** A fan-out in a pool of its own: the fan-out's definition (not the cleanup's) and the pool's table. */
function synthPooled(poolProps: FanOutConcurrencyPoolProps, maxConcurrency: number | undefined): { definition: any; tableName: string } {
  const stack = newStack('PooledCrossCheckStack');
  const pool = new FanOutConcurrencyPool(stack, 'Pool', poolProps);
  new FargateFanOut(stack, 'FanOut', withImage({ concurrencyPool: pool, maxConcurrency }));
  const template = Template.fromStack(stack);
  const tableName = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
  const machines = Object.entries<any>(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([logicalId]) => !logicalId.startsWith('PoolCleanup'))
    .map(([, resource]) => resource.Properties.DefinitionString);
  expect(machines).toHaveLength(1);
  const definition = JSON.parse(typeof machines[0] === 'string' ? machines[0] : resolveJoin(machines[0]));
  return { definition, tableName };
}
