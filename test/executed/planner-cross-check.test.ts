/**
 * The planner (src/planner/launch-simulation.ts) is a fast model of the same limits the offline harness
 * simulates around the real interpreter. This test runs one scenario through both and checks
 * that the planner's answers agree with what the synthesized workflow does against SimulatedEcs.
 */
import { Duration } from 'aws-cdk-lib';
import { fanOutWith, makeItems, runFanOut } from './fan-out-run';
import { FanOutMode, FanOutPlanner } from '../../src';
import { SimulatedEcs } from '../harness/simulated-ecs';

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
