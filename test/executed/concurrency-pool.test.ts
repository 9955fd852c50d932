/**
 * Executed tests of the concurrency pool: several executions of two (three) workloads that
 * share one pool run at once on one fake clock, against a simulated DynamoDB table and a
 * simulated ECS, with executions failing, timing out and being aborted mid-run, and the pool's
 * cleanup started as its EventBridge rules would start it.
 */
import { decidePool } from '../../src/concurrency-pool/private/decide-pool';
import { PoolKeys } from '../../src/concurrency-pool/private/pool-table';
import { ACCOUNT_PREFIX } from '../harness/concurrent-executions';
import { fairness, maxCallsPerSecond, PoolRun, PoolScenario, runPoolScenario, waitingCost, waitingTransitions } from '../pool/pool-run';

jest.setTimeout(120_000);

// Six small tasks (1.5 vCPU) reach the task limit first, four big ones (2 vCPU) the vCPU limit.
const POOL = { maxTasks: 6, maxVcpus: 2, maxRunTaskCallsPerSecond: 5 };

/** Task length by item: 20 to 40 s, spread by the item's index. */
function durationOf(item: any): number {
  const index = Number(String(item.id).split('#')[1]);
  return 20_000 + (index * 7_919) % 20_000;
}

const MIXED: PoolScenario = {
  pool: POOL,
  workloads: [
    { name: 'Small', cpuUnits: 256 },
    { name: 'Big', cpuUnits: 512 },
    // A workload whose executions time out after 100 s, holding slots.
    { name: 'Timed', cpuUnits: 256, timeoutSeconds: 100 },
  ],
  executions: [
    { workload: 'Small', name: 's1', items: 20 },
    { workload: 'Big', name: 'b1', items: 10, startAtMs: 1_000 },
    { workload: 'Small', name: 's2', items: 15, startAtMs: 3_000 },
    { workload: 'Big', name: 'b2', items: 10, startAtMs: 10_000, abortAtMs: 60_000 },
    { workload: 'Timed', name: 't1', items: 12, startAtMs: 2_000 },
    // One item of f1 fails: the Map fails, its other iterations are aborted mid-way.
    { workload: 'Small', name: 'f1', items: 10, startAtMs: 4_000 },
  ],
  ecs: {
    taskDurationMs: (item) => durationOf(item),
    exitCodeFor: (item: any) => (item.id === 'f1#3' ? 1 : 0),
  },
};

function statuses(run: PoolRun): Record<string, string> {
  return Object.fromEntries([...run.executions.values()]
    .filter((e) => e.spec.stateMachineName !== 'PoolCleanup')
    .map((e) => [e.spec.name, e.status]));
}

function report(label: string, run: PoolRun): void {
  const t = waitingTransitions(run);
  const f = fairness(run);
  // eslint-disable-next-line no-console
  console.log(`${label}: max held ${run.maxTasksHeld} tasks / ${run.maxCpuHeld / 1024} vCPU / ${run.maxLeases} leases; `
    + `final ${run.finalCounter.tasks} tasks, ${run.finalLeases.length} leases; RunTask calls/s max ${maxCallsPerSecond(run)}; `
    + `waiting items ${t.waitingItems}, pool transitions per waiting item max ${t.max}, mean ${t.mean.toFixed(1)}, `
    + `per second of waiting ${waitingCost(run).perSecond.toFixed(2)} (worst item ${waitingCost(run).worstPerSecond.toFixed(2)}); `
    + `max wait ${(f.maxWaitMs / 1000).toFixed(1)} s, max overtakes ${f.maxOvertakes}; cleanups ${run.cleanupRuns}; `
    + `DynamoDB calls ${JSON.stringify(run.dynamo.calls)}; virtual ${(run.virtualMs / 1000).toFixed(0)} s`);
}

describe('concurrency pool, executed', () => {
  let mixed: PoolRun;
  beforeAll(async () => {
    mixed = await runPoolScenario(MIXED);
    report('mixed', mixed);
  });

  test('executions end as set up: succeeded, aborted, timed out, failed', () => {
    expect(statuses(mixed)).toEqual({ s1: 'SUCCEEDED', b1: 'SUCCEEDED', s2: 'SUCCEEDED', b2: 'ABORTED', t1: 'TIMED_OUT', f1: 'FAILED' });
  });

  test('the limits are never exceeded, sampled at every change of the table', () => {
    expect(mixed.maxTasksHeld).toBeLessThanOrEqual(POOL.maxTasks);
    expect(mixed.maxCpuHeld).toBeLessThanOrEqual(POOL.maxVcpus * 1024);
    expect(mixed.maxLeases).toBeLessThanOrEqual(POOL.maxTasks);
    // ... and each limit was reached at some point, so each was what held the pool then.
    expect(mixed.maxTasksHeld).toBe(POOL.maxTasks);
    expect(mixed.maxCpuHeld).toBe(POOL.maxVcpus * 1024);
  });

  test('every slot is back at the end (the cleanup gave back those of the aborted, timed-out and failed executions)', () => {
    expect(mixed.finalCounter).toEqual({ tasks: 0, cpu: 0 });
    expect(mixed.finalLeases).toEqual([]);
    expect(mixed.cleanupRuns).toBe(3);
  });

  test('every item of the succeeded executions ran exactly once', () => {
    for (const [name, count] of [['s1', 20], ['b1', 10], ['s2', 15]] as const) {
      for (let i = 0; i < count; i++) {
        expect([`${name}#${i}`, mixed.ecs.successesByItem.get(JSON.stringify({ id: `${name}#${i}` }))]).toEqual([`${name}#${i}`, 1]);
      }
    }
  });

  test('RunTask calls are paced: at most maxRunTaskCallsPerSecond in any calendar second, none throttled', () => {
    expect(maxCallsPerSecond(mixed)).toBeLessThanOrEqual(POOL.maxRunTaskCallsPerSecond);
    expect(mixed.ecs.throttled).toBe(0);
  });

  test('waiting is cheap: pool state transitions per second of waiting stay low, and bounded for every item', () => {
    const { perSecond, worstPerSecond, waitingItems } = waitingCost(mixed);
    expect(waitingItems).toBeGreaterThan(10);
    // A look at a full pool costs three transitions (wait, read, choice): the two oldest tickets
    // look every 2 to 5 s, the others every 5 to 20 s. A look that finds room but loses the race
    // or the pacing window costs five (try, held check, wait, read, choice), every 1 to 3 s.
    expect(perSecond).toBeLessThanOrEqual(0.6);
    expect(worstPerSecond).toBeLessThanOrEqual(5);
  });

  test('no item waits for ever: the longest wait is less than the pool needs to run every item, one after another in its slots', () => {
    const { maxWaitMs } = fairness(mixed);
    const items = MIXED.executions.reduce((sum, e) => sum + e.items, 0);
    // The pool runs at least 4 tasks at once (4 big ones fill 2 vCPUs); a task runs at most 40 s.
    expect(maxWaitMs).toBeLessThan((items * 40_000) / 4 + 40_000);
    expect(maxWaitMs).toBeGreaterThan(60_000);
  });
});

describe('concurrency pool, fairness', () => {
  // Six executions of ten items start two seconds apart and share a pool of four: 56 items wait.
  const FAIR: PoolScenario = {
    pool: { maxTasks: 4, maxRunTaskCallsPerSecond: 5 },
    workloads: [{ name: 'Small', cpuUnits: 256 }],
    executions: Array.from({ length: 6 }, (_, i) => ({ workload: 'Small', name: `e${i}`, items: 10, startAtMs: i * 2_000 })),
    ecs: { taskDurationMs: 20_000 },
  };

  test('later arrivals overtake a waiting item at most two waiting windows\' worth of times, and every item is admitted', async () => {
    const run = await runPoolScenario(FAIR);
    report('fairness', run);
    const { maxOvertakes } = fairness(run);
    expect(waitingTransitions(run).waitingItems).toBeGreaterThan(50);
    // Later tickets are admitted first only while they are in the waiting window and look at the
    // pool just before an older ticket does; the two oldest look most often.
    expect(maxOvertakes).toBeLessThanOrEqual(2 * decidePool(FAIR.pool).waitingWindow);
    expect([...run.items.values()].filter((item) => item.admittedMs === undefined)).toEqual([]);
    expect(run.maxTasksHeld).toBeLessThanOrEqual(4);
  });
});

describe('concurrency pool, leaks', () => {
  const LEAKY: PoolScenario = {
    pool: { maxTasks: 12, maxRunTaskCallsPerSecond: 5 },
    // a1 is aborted holding slots (the interpreter even starts a few more iterations as the Map
    // is aborted); Narrow runs at most 3 items at a time, so the leak stays below the limit and
    // the later execution can finish.
    workloads: [{ name: 'Small', cpuUnits: 256 }, { name: 'Narrow', cpuUnits: 256, mapConcurrency: 3 }],
    executions: [
      { workload: 'Narrow', name: 'a1', items: 8, abortAtMs: 10_000 },
      { workload: 'Small', name: 'ok', items: 10, startAtMs: 20_000 },
    ],
    ecs: { taskDurationMs: 30_000 },
  };

  test('fails when the status-change event is lost and nothing sweeps: the leak is caught', async () => {
    const run = await runPoolScenario({ ...LEAKY, dropEvents: true });
    report('leak, no sweep', run);
    expect(statuses(run)).toEqual({ a1: 'ABORTED', ok: 'SUCCEEDED' });
    expect(run.finalLeases.length).toBeGreaterThan(0);
    expect(run.finalCounter.tasks).toBe(run.finalLeases.length);
  });

  test('the sweep gives back the slots of an execution whose event was lost', async () => {
    const run = await runPoolScenario({ ...LEAKY, dropEvents: true, sweepEveryMs: 60_000 });
    report('leak, swept', run);
    expect(statuses(run)).toEqual({ a1: 'ABORTED', ok: 'SUCCEEDED' });
    expect(run.finalCounter).toEqual({ tasks: 0, cpu: 0 });
    expect(run.finalLeases).toEqual([]);
    expect(run.maxTasksHeld).toBeLessThanOrEqual(12);
  });

  test('a cleanup for an execution that is still running (a late event, a redrive) leaves its slots alone', async () => {
    const run = await runPoolScenario({
      ...LEAKY,
      pool: { maxTasks: 4, maxRunTaskCallsPerSecond: 5 },
      executions: [{ workload: 'Small', name: 'ok', items: 10 }],
      extraCleanups: [{ atMs: 5_000, execution: 'ok', workload: 'Small' }, { atMs: 40_000, execution: 'ok', workload: 'Small' }],
    });
    report('cleanup while running', run);
    expect(statuses(run)).toEqual({ ok: 'SUCCEEDED' });
    expect(run.cleanupRuns).toBe(2);
    // Had the cleanup given back live leases, the pool would have let more tasks run than its limit.
    expect(run.ecs.maxInFlight).toBe(4);
    expect(run.finalCounter).toEqual({ tasks: 0, cpu: 0 });
  });

  test('a slot already held (a lost answer, a redriven execution) is not taken twice', async () => {
    const arn = `${ACCOUNT_PREFIX}:execution:Small:again`;
    const run = await runPoolScenario({
      ...LEAKY,
      executions: [{ workload: 'Small', name: 'again', items: 3 }],
      preload: [
        { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL }, tasks: { N: '1' }, cpu: { N: '256' }, base: { N: '1' }, issued: { N: '1' } },
        {
          pk: { S: `${PoolKeys.LEASE_PREFIX}${arn}` },
          sk: { S: `${arn}#0` },
          holder: { S: arn },
          cpu: { N: '256' },
          stamp: { S: '2024-12-31T23:59:59.000Z' },
          kind: { S: PoolKeys.LEASE_KIND },
        },
      ],
    });
    expect(statuses(run)).toEqual({ again: 'SUCCEEDED' });
    expect(run.maxTasksHeld).toBe(3);
    expect(run.finalCounter).toEqual({ tasks: 0, cpu: 0 });
    expect(run.finalLeases).toEqual([]);
  });
});
