/**
 * The cap that follows the account's vCPU quota (issue 23, item 3), executed: nothing declared,
 * a cap of 2,000, 1-vCPU tasks and an account quota of 100 vCPUs in the simulated ECS. Today's
 * policy (the quota not read: `maxVcpus` unset, nothing else to go by) retries against the quota
 * (a retry storm); the construct reads the quota at the start of the run and caps the Map at 100.
 * When the read fails, the run keeps the synth-time cap, still completes every item, and its
 * output says the quota was not read.
 *
 * Transitions per item are billed transitions in the items' child executions (every state entered
 * and every retry); the run's own (the quota read among them) are printed beside them.
 */
import { expectEveryItemAccountedFor, fanOutWith, makeItems, runFanOut } from './fan-out-run';
import { FanOutMode } from '../../src';
import { makespanLowerBound } from '../../src/planner/makespan-lower-bound';
import { SimulatedEcs } from '../harness/simulated-ecs';
import { atScale, count, SCALE_NOTE } from '../util/scale';

jest.setTimeout(300_000);

const CAP = 2000;
const QUOTA_VCPUS = 100;
const TASK_SECONDS = 30;
const ITEMS = makeItems(atScale(10_000, 1_000));

async function run(serviceQuotaError?: string) {
  const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: CAP, cpu: 1024, memoryLimitMiB: 2048 });
  const ecs = new SimulatedEcs({
    taskDurationMs: TASK_SECONDS * 1000, taskVcpu: 1, taskMemoryMiB: 2048, vcpuQuota: QUOTA_VCPUS, seed: 7, serviceQuotaError,
  });
  // Transitions as AWS bills them: each state entered and each retry, in the children (the
  // items') and in the run itself (the quota read among them).
  let childTransitions = 0;
  let rootTransitions = 0;
  const result = await runFanOut(synth, ITEMS, ecs, {
    measurePayloads: false,
    onEvent: (event, execution) => {
      if (event.type !== 'StateEntered' && event.type !== 'StateRetried') return;
      if (execution === 'root') rootTransitions++;
      else childTransitions++;
    },
  });
  const parallel = QUOTA_VCPUS;
  const bound = makespanLowerBound({ items: ITEMS.length, taskSeconds: TASK_SECONDS, parallel, launchBurst: 20, launchRatePerSecond: 20 });
  return {
    result,
    ecs,
    transitionsPerItem: childTransitions / ITEMS.length,
    rootTransitions,
    throttledPerItem: (ecs.throttled + ecs.capacityFailures) / ITEMS.length,
    makespanOverBound: result.result.virtualMs / 1000 / bound,
  };
}

test(`${count(ITEMS.length)} items, cap ${CAP}, 1-vCPU tasks, a ${QUOTA_VCPUS}-vCPU quota not declared: the run reads it and caps the Map at ${QUOTA_VCPUS}; `
  + `at most 2 transitions per item, refused RunTask calls at most 5% of the items, makespan within 1.05x of the bound ${SCALE_NOTE}`, async () => {
  const quota = await run();
  console.log(`quota read: ${quota.result.describe}; ${quota.transitionsPerItem.toFixed(4)} transitions/item (+ ${quota.rootTransitions} for the run), `
    + `${quota.throttledPerItem.toFixed(3)} refused calls/item, makespan ${quota.makespanOverBound.toFixed(3)}x the bound`);
  expect(quota.result.result.status).toBe('SUCCEEDED');
  expect(quota.ecs.serviceQuotaReads).toBe(1);
  expect(quota.result.summary?.concurrencyCap).toMatchObject({ maxConcurrency: QUOTA_VCPUS, quotaRead: true, quotaVcpus: QUOTA_VCPUS });
  expect((quota.result.result.output as any).concurrencyCap.reason).toMatch(/100 vCPU, holds 100 tasks of 1 vCPU, fewer than the cap of 2000/);
  expectEveryItemAccountedFor(quota.result, QUOTA_VCPUS);
  expect(quota.ecs.vcpuQuotaFailures).toBe(0);
  expect(quota.transitionsPerItem).toBeLessThanOrEqual(2);
  expect(quota.throttledPerItem).toBeLessThanOrEqual(0.05);
  expect(quota.makespanOverBound).toBeLessThanOrEqual(1.05);
});

test(`the quota read failing (AccessDenied): the run keeps the cap of ${CAP}, completes every item, and its output says the quota was not read ${SCALE_NOTE}`, async () => {
  const denied = await run('ServiceQuotas.AccessDeniedException');
  console.log(`quota not read: ${denied.result.describe}`);
  expect(denied.result.result.status).toBe('SUCCEEDED');
  expect(denied.result.summary?.concurrencyCap).toMatchObject({ maxConcurrency: CAP, quotaRead: false });
  expect((denied.result.result.output as any).concurrencyCap.reason).toMatch(/could not be read \(ServiceQuotas\.AccessDeniedException\); the cap of 2000 is kept/);
  // Every item accounted for, none run twice after success, at the synth-time cap.
  expectEveryItemAccountedFor(denied.result, CAP);
  // Today's policy: the quota refuses what the cap lets through, and the retry takes it.
  expect(denied.ecs.vcpuQuotaFailures).toBeGreaterThan(0);
});
