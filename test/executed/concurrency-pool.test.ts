/**
 * Executed tests of the concurrency pool: several executions of two (three) workloads that
 * share one pool run at once on one fake clock, against a simulated DynamoDB table and a
 * simulated ECS, with executions failing, timing out and being aborted mid-run, and the pool's
 * cleanup started as its EventBridge rules would start it.
 */
import { decidePool, PoolWaits } from '../../src/decisions/concurrency-pool';
import { PoolKeys } from '../../src/build/pool/pool-states';
import { ACCOUNT_PREFIX } from '../harness/concurrent-executions';
import { fairness, maxCallsPerSecond, PoolRun, PoolScenario, runPoolScenario, waitingTransitions } from '../pool/pool-run';

jest.setTimeout(120_000);

const POOL = { maxTasks: 10, maxVcpus: 2, maxRunTaskCallsPerSecond: 5 };
const POOL_DECISION = decidePool(POOL);

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
    + `waiting items ${t.waitingItems}, pool transitions per waiting item max ${t.max}, mean ${t.mean.toFixed(1)}; `
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
    // ... and the pool was full at some point, so the limits were what held it.
    expect(Math.max(mixed.maxTasksHeld, mixed.maxCpuHeld / 256)).toBeGreaterThanOrEqual(Math.min(POOL.maxTasks, 8));
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

  test('waiting is cheap: pool state transitions per waiting item stay within the bound of the waits', () => {
    const { waitingItems, max } = waitingTransitions(mixed);
    expect(waitingItems).toBeGreaterThan(10);
    // A look at the pool costs at most 4 transitions (try, read, choice, wait); while eligible and
    // the pool is full an item looks every FULL[0]..FULL[1] s, so a wait of W s costs about
    // 4 W / FULL[0] transitions at most, plus the first try and the ticket.
    const { maxWaitMs } = fairness(mixed);
    expect(max).toBeLessThanOrEqual(2 + 4 * Math.ceil(maxWaitMs / 1000 / PoolWaits.FULL[0]) + 4);
  });

  test('waiting is fair: no item waits while more than a window of later arrivals overtakes it', () => {
    const { maxOvertakes, maxWaitMs } = fairness(mixed);
    // Items behind the window cannot overtake; within it, an item looks at least every
    // FULL[1] s, while up to maxRunTaskCallsPerSecond items a second may be admitted.
    expect(maxOvertakes).toBeLessThanOrEqual(POOL_DECISION.waitingWindow + POOL.maxRunTaskCallsPerSecond * PoolWaits.FULL[1]);
    expect(maxWaitMs).toBeLessThan(5 * 60_000);
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
      executions: [{ workload: 'Small', name: 'ok', items: 10 }],
      extraCleanups: [{ atMs: 5_000, execution: 'ok', workload: 'Small' }, { atMs: 40_000, execution: 'ok', workload: 'Small' }],
    });
    report('cleanup while running', run);
    expect(statuses(run)).toEqual({ ok: 'SUCCEEDED' });
    expect(run.cleanupRuns).toBe(2);
    expect(run.maxTasksHeld).toBeLessThanOrEqual(12);
    // Had the cleanup given back live leases, releases would have driven the counter below zero.
    expect(run.finalCounter).toEqual({ tasks: 0, cpu: 0 });
    expect(run.ecs.maxInFlight).toBeLessThanOrEqual(12);
  });

  test('a slot already held (a lost answer, a redriven execution) is not taken twice', async () => {
    const arn = `${ACCOUNT_PREFIX}:execution:Small:again`;
    const run = await runPoolScenario({
      ...LEAKY,
      executions: [{ workload: 'Small', name: 'again', items: 3 }],
      preload: [
        { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL }, tasks: { N: '1' }, cpu: { N: '256' }, base: { N: '1' }, issued: { N: '1' } },
        {
          pk: { S: `${PoolKeys.LEASE_PREFIX}${arn}` }, sk: { S: `${arn}#0` }, holder: { S: arn }, cpu: { N: '256' },
          stamp: { S: '2024-12-31T23:59:59.000Z' }, kind: { S: PoolKeys.LEASE_KIND },
        },
      ],
    });
    expect(statuses(run)).toEqual({ again: 'SUCCEEDED' });
    expect(run.maxTasksHeld).toBe(3);
    expect(run.finalCounter).toEqual({ tasks: 0, cpu: 0 });
    expect(run.finalLeases).toEqual([]);
  });
});
